/**
 * The NAT topology of issue 11: a "public" internet segment (a bridge) carrying the servers and the
 * routers' outside addresses; a "home" behind a consumer NAT router; a "phone" behind a carrier-grade
 * NAT that maps every new destination to a random port (symmetric: direct hole-punching fails).
 * Toggles: the phone's UDP dropped with only TCP 443 open, and a namespace closed to every inbound
 * connection (a device with no inbound port).
 *
 *   home 192.0.2.2 ── 192.0.2.1 [homegw] 203.0.113.2 ─┐
 *                                                     ├─ br0 203.0.113.1 [public: coturn, broker, centre]
 *   phone 100.64.0.2 ── 100.64.0.1 [cgnat] 203.0.113.3 ┘
 */
import { createLab, type Lab } from './lab.ts';
import type { Netns } from './netns.ts';

export const ADDRESSES = {
  /** The servers' address in "public" (coturn, mosquitto, the centre). */
  server: '203.0.113.1',
  homeGwWan: '203.0.113.2',
  cgnatWan: '203.0.113.3',
  home: '192.0.2.2',
  homeGwLan: '192.0.2.1',
  phone: '100.64.0.2',
  cgnatLan: '100.64.0.1',
} as const;

export interface NatLab {
  lab: Lab;
  public: Netns;
  homeGw: Netns;
  home: Netns;
  cgnat: Netns;
  phone: Netns;
  /**
   * The carrier's NAT: `symmetric` (the default, a random port per destination) or `cone` (Linux's
   * plain masquerade, which keeps the port, so hole-punching works). Existing mappings stay.
   */
  phoneNat(kind: 'symmetric' | 'cone'): Promise<void>;
  /**
   * Drops the phone's UDP and every TCP port but 443 at the carrier (on), or lifts it (off);
   * `onlyTo` also drops 443 to any other address (a network that lets HTTPS out to one host only).
   */
  blockPhoneUdp(on: boolean, onlyTo?: string): Promise<void>;
  /** Closes `ns` to every connection it did not open itself (or opens it again). */
  closeInbound(ns: Netns, on?: boolean): Promise<void>;
  dispose(): Promise<void>;
}

const NAT = { symmetric: 'masquerade random,fully-random', cone: 'masquerade' } as const;

/**
 * Each router forwards, NATs outbound on `wan` and drops new inbound connections, as a real one.
 * Dropping them on input too keeps an unsolicited packet from leaving a conntrack entry that would
 * make the NAT pick another port for the hole being punched (the entry is never confirmed).
 */
function routerRules(masquerade: string): string {
  return `table inet router {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state new drop
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "wan" ${masquerade}
  }
}`;
}

async function router(lab: Lab, pub: Netns, name: string, wan: string, masquerade: string): Promise<Netns> {
  const r = await lab.namespace(name);
  await lab.link(pub, name, undefined, r, 'wan', `${wan}/24`);
  await pub.ip('link', 'set', name, 'master', 'br0');
  await r.sysctl('net.ipv4.ip_forward', 1);
  await r.nft(routerRules(masquerade));
  return r;
}

async function host(lab: Lab, gw: Netns, name: string, address: string, gwAddress: string, bits: number) {
  const h = await lab.namespace(name);
  await lab.link(gw, 'lan', `${gwAddress}/${bits}`, h, 'eth0', `${address}/${bits}`);
  await h.route('default', gwAddress);
  return h;
}

export async function buildNatLab(existing?: Lab): Promise<NatLab> {
  const lab = existing ?? (await createLab());
  try {
    const pub = await lab.namespace('public');
    await pub.ip('link', 'add', 'name', 'br0', 'type', 'bridge');
    await pub.addAddress('br0', `${ADDRESSES.server}/24`);
    await pub.ip('link', 'set', 'br0', 'up');
    const homeGw = await router(lab, pub, 'homegw', ADDRESSES.homeGwWan, 'masquerade');
    const cgnat = await router(lab, pub, 'cgnat', ADDRESSES.cgnatWan, NAT.symmetric);
    const home = await host(lab, homeGw, 'home', ADDRESSES.home, ADDRESSES.homeGwLan, 24);
    const phone = await host(lab, cgnat, 'phone', ADDRESSES.phone, ADDRESSES.cgnatLan, 10);
    return {
      lab,
      public: pub,
      homeGw,
      home,
      cgnat,
      phone,
      phoneNat: async (kind) => {
        await cgnat.exec('nft', ['flush', 'chain', 'ip', 'nat', 'postrouting']);
        await cgnat.nft(`add rule ip nat postrouting oifname "wan" ${NAT[kind]}`);
      },
      blockPhoneUdp: (on, onlyTo) =>
        on
          ? cgnat.nft(`table inet udpblock {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "lan" meta l4proto udp drop
    iifname "lan" tcp dport != 443 drop${
      onlyTo
        ? `
    iifname "lan" ip daddr != ${onlyTo} drop`
        : ''
    }
  }
}`)
          : cgnat.exec('nft', ['delete', 'table', 'inet', 'udpblock']).then(() => undefined),
      closeInbound: (ns, on = true) =>
        on
          ? ns.nft(`table inet noinbound {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
  }
}`)
          : ns.exec('nft', ['delete', 'table', 'inet', 'noinbound']).then(() => undefined),
      dispose: () => lab.dispose(),
    };
  } catch (error) {
    await lab.dispose();
    throw error;
  }
}
