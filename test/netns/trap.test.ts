/**
 * Issue 13, items 1 and 2: during a look, nothing leaves the device but the look itself. The real
 * service runs in a namespace of its own whose resolver is a trap that answers every name (so a
 * STUN server looked up would then be contacted), nft counts every DNS, STUN and mDNS packet the
 * device sends and anything sent anywhere but to the viewer's host (both its addresses are ICE
 * candidates), and the viewer's offer carries an mDNS candidate as every default browser offer does.
 *
 *   [dev] device 192.0.2.2 ──── 192.0.2.1 viewer, 192.0.2.53 DNS trap [view]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa } from '../install/pki.ts';
import type { Agent } from '../support/netns/agent.ts';
import { createLab, type Lab } from '../support/netns/lab.ts';
import type { Counter, Netns } from '../support/netns/netns.ts';

const AGENTS = join(import.meta.dirname, '../support/netns/agents');
const DEVICE = '192.0.2.2';
const VIEWER = '192.0.2.1';
const RESOLVER = '192.0.2.53';
/** Where the trap resolver sends whoever asks: a lab address on which STUN packets are counted. */
const TRAPPED = '198.51.100.19';

const TRAP_RULES = `table inet trap {
  counter dns { }
  counter stun { }
  counter mdns { }
  counter elsewhere { }
  chain out {
    type filter hook output priority filter; policy accept;
    oif "lo" accept
    meta l4proto { tcp, udp } th dport 53 counter name "dns"
    udp dport { 3478, 5349, 19302 } counter name "stun" drop
    udp dport 5353 counter name "mdns" drop
    ip daddr 224.0.0.251 counter name "mdns" drop
    ip daddr != { ${VIEWER}, ${RESOLVER} } counter name "elsewhere"
    meta nfproto ipv6 counter name "elsewhere" drop
  }
}`;

interface Look {
  status: number;
  answer: string;
  postMs: number;
}

describe('a look from a browser offer with an mdns candidate, device without ice servers', () => {
  let lab: Lab;
  let dev: Netns;
  let dns: Agent;
  let viewer: Agent;
  let look: Look;
  let counters: Record<string, Counter>;
  let listening: string[];
  let received: number;

  beforeAll(async () => {
    lab = await createLab();
    dev = await lab.namespace('dev');
    const view = await lab.namespace('view');
    await dev.sysctl('net.ipv6.conf.all.disable_ipv6', 1);
    await lab.link(dev, 'eth0', `${DEVICE}/24`, view, 'eth0', `${VIEWER}/24`);
    await view.addAddress('eth0', `${RESOLVER}/24`);
    await dev.route('default', VIEWER);
    dev.resolvConf(`nameserver ${RESOLVER}\noptions timeout:1 attempts:1\n`);
    await dev.nft(TRAP_RULES);
    mkdirSync(join(lab.dir, 'ca'));
    const ca = await makeCa(join(lab.dir, 'ca'));
    const { certFile, keyFile } = await ca.server(DEVICE);
    dns = await view.agent(join(AGENTS, 'dnsTrap.ts'));
    await dns.call('listen', { address: RESOLVER, answerWith: TRAPPED });
    const device = await dev.agent(join(AGENTS, 'device.ts'));
    mkdirSync(join(lab.dir, 'state'));
    const started = await device.call<{ url: string; token: string }>('start', {
      stateDir: join(lab.dir, 'state'),
      host: DEVICE,
      port: 8443,
      certFile,
      keyFile,
    });
    viewer = await view.agent(join(AGENTS, 'weriftPeer.ts'), { NODE_EXTRA_CA_CERTS: join(ca.dir, 'ca.crt') });
    look = await viewer.call<Look>('whep', {
      role: 'recv',
      url: `${started.url}/whep`,
      token: started.token,
      mdnsCandidate: true,
    });
    if (look.status === 201) {
      await viewer.call('connected');
      received = await viewer.call<number>('received', { packets: 10 });
    }
    listening = await dev.listening();
    counters = await dev.counters('trap');
  });

  afterAll(async () => {
    await lab?.dispose();
  });

  it('plays_the_camera_to_the_viewer', () => {
    expect(look.status).toBe(201);
    expect(received).toBeGreaterThanOrEqual(10);
  });

  it('sends_no_dns_query_and_answers_without_waiting_for_one', async () => {
    expect(await dns.call<string[]>('asked')).toEqual([]);
    expect(counters.dns).toEqual({ packets: 0, bytes: 0 });
    expect(look.postMs).toBeLessThan(3000);
  });

  it('sends_no_stun_packet_and_announces_no_server_reflexive_address', () => {
    expect(counters.stun).toEqual({ packets: 0, bytes: 0 });
    expect(look.answer).not.toMatch(/typ srflx/);
  });

  it('sends_no_mdns_query_and_listens_on_no_mdns_port', () => {
    expect(counters.mdns).toEqual({ packets: 0, bytes: 0 });
    expect(listening.filter((l) => /:5353\b/.test(l))).toEqual([]);
  });

  it('sends_nothing_to_anyone_but_the_viewer', () => {
    expect(counters.elsewhere).toEqual({ packets: 0, bytes: 0 });
  });
});
