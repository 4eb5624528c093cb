/**
 * The network lab itself (test/support/netns), before anything is built on it: behind the lab's
 * NATs two werift peers meet only through coturn, the carrier-grade NAT really is symmetric (and a
 * cone NAT in its place is not), the UDP-blocked phone gets through on `turns:` 443, and nothing of the lab survives its disposal.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa } from '../install/pki.ts';
import type { Agent } from '../support/netns/agent.ts';
import { type Coturn, startCoturn } from '../support/netns/coturn.ts';
import { type LabBroker, startLabMosquitto } from '../support/netns/mosquitto.ts';
import { runSync } from '../support/netns/run.ts';
import { ADDRESSES, buildNatLab, type NatLab } from '../support/netns/topology.ts';

const PEER = join(import.meta.dirname, '../support/netns/agents/weriftPeer.ts');
const ECHO = join(import.meta.dirname, '../support/netns/agents/udpEcho.ts');
const MQTT = join(import.meta.dirname, '../support/netns/agents/mqttClient.ts');

interface Pair {
  local: string;
  remote: string;
}

describe('the nat lab', () => {
  let net: NatLab;
  let turn: Coturn;
  let broker: LabBroker;
  let home: Agent;
  let phone: Agent;

  beforeAll(async () => {
    net = await buildNatLab();
    const caDir = join(net.lab.dir, 'ca');
    mkdirSync(caDir);
    const ca = await makeCa(caDir);
    [turn, broker] = await Promise.all([
      startCoturn(net.public, net.lab.dir, ca, ADDRESSES.server),
      startLabMosquitto(net.public, net.lab.dir, ca, ADDRESSES.server),
    ]);
    [home, phone] = await Promise.all([net.home.agent(PEER), net.phone.agent(PEER)]);
  });

  afterAll(async () => {
    await net?.dispose();
  });

  /** The home peer offers video, the phone answers; both report their selected pair. */
  async function meet(homeUrl: string, phoneUrl: string, connectMs = 15_000) {
    const server = (url: string, session: string) => {
      const c = turn.credential(session);
      return [{ urls: url, username: c.username, credential: c.credential }];
    };
    await Promise.all([home.call('close'), phone.call('close')]);
    const offer = await home.call<string>('offer', { role: 'send', iceServers: server(homeUrl, 'home') });
    const answer = await phone.call<string>('answer', {
      role: 'recv',
      offer,
      iceServers: server(phoneUrl, 'phone'),
      caPem: turn.caPem,
    });
    await home.call('accept', { answer });
    const [atHome, atPhone] = await Promise.all([
      home.call<Pair>('connected', { timeoutMs: connectMs }, connectMs + 5000),
      phone.call<Pair>('connected', { timeoutMs: connectMs }, connectMs + 5000),
    ]);
    return { atHome, atPhone, offer, answer };
  }

  it('a_home_peer_and_a_phone_behind_symmetric_cgnat_meet_through_turn_and_media_flows', async () => {
    const { atHome, atPhone, offer, answer } = await meet(turn.urls.udp, turn.urls.udp);
    expect(offer).toContain('typ relay');
    expect(answer).toContain('typ relay');
    expect([atHome.local, atHome.remote]).toContain('relay');
    expect([atPhone.local, atPhone.remote]).toContain('relay');
    expect(await phone.call<number>('received', { packets: 20 })).toBeGreaterThanOrEqual(20);
  });

  /** Both sides learn their public mapping from coturn's plain STUN on 3478, and no relay. */
  async function punch(connectMs: number) {
    const stun = [{ urls: `stun:${ADDRESSES.server}:3478` }];
    await Promise.all([home.call('close'), phone.call('close')]);
    const offer = await home.call<string>('offer', { role: 'send', iceServers: stun });
    const answer = await phone.call<string>('answer', { role: 'recv', offer, iceServers: stun });
    expect(offer).toContain(`typ srflx raddr ${ADDRESSES.home}`);
    expect(answer).toContain(`typ srflx raddr ${ADDRESSES.phone}`);
    await home.call('accept', { answer });
    return phone.call<Pair>('connected', { timeoutMs: connectMs }, connectMs + 5000);
  }

  it('without_a_relay_the_symmetric_cgnat_defeats_hole_punching', async () => {
    await expect(punch(3000)).rejects.toThrow(/not connected/);
  });

  it('behind_a_cone_nat_instead_the_same_peers_punch_through_directly', async () => {
    await net.phoneNat('cone');
    try {
      const atPhone = await punch(10_000);
      expect([atPhone.local, atPhone.remote]).not.toContain('relay');
    } finally {
      await net.phoneNat('symmetric');
    }
  });

  it('a_phone_whose_udp_is_dropped_gets_through_on_turns_443', async () => {
    await net.blockPhoneUdp(true);
    try {
      const { atPhone } = await meet(turn.urls.udp, turn.urls.tls);
      expect(atPhone.local).toBe('relay');
      expect(await phone.call<number>('received', { packets: 20 })).toBeGreaterThanOrEqual(20);
    } finally {
      await net.blockPhoneUdp(false);
    }
  });

  it('coturn_relays_only_for_a_live_credential_and_opens_no_admin_port', async () => {
    const expired = turn.credential('late', -60);
    const forged = { ...turn.credential('forged'), credential: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
    for (const c of [forged, expired]) {
      const client = `turnutils_uclient -n 1 -m 1 -y -u ${c.username} -w ${c.credential} ${ADDRESSES.server}`;
      expect(await net.home.exec('sh', ['-c', `${client} 2>&1; echo "exit $?"`])).toMatch(
        /Cannot complete Allocation[\s\S]*exit 255/,
      );
      expect(turn.log()).toContain(`Cannot find credentials of user <${c.username}>`);
    }
    const ports = (await net.public.listening())
      .filter((l) => l.includes('turnserver'))
      .map((l) => Number(l.split(/\s+/)[4]!.split(':').at(-1)));
    expect(ports.filter((p) => p !== 3478 && p !== 443 && p < 49152)).toEqual([]);
  });

  it('a_device_closed_to_inbound_connections_still_meets_the_phone_through_turn', async () => {
    const [echo, prober] = await Promise.all([net.home.agent(ECHO), net.homeGw.agent(ECHO)]);
    await echo.call('serve', { address: ADDRESSES.home, port: 7 });
    await net.closeInbound(net.home);
    try {
      const probe = { address: ADDRESSES.home, port: 7, count: 3, intervalMs: 10 };
      expect(await prober.call('probe', probe)).toMatchObject({ lost: 3 });
      const { atHome } = await meet(turn.urls.udp, turn.urls.udp);
      expect([atHome.local, atHome.remote]).toContain('relay');
      expect(await phone.call<number>('received', { packets: 20 })).toBeGreaterThanOrEqual(20);
    } finally {
      await net.closeInbound(net.home, false);
      await Promise.all([echo.stop(), prober.stop()]);
    }
  });

  it('a_device_at_home_reaches_the_broker_with_its_certificate_and_only_its_own_subtree', async () => {
    const [device, centre] = await Promise.all([net.home.agent(MQTT), net.public.agent(MQTT)]);
    const connect = async (agent: Agent, cn: string) =>
      agent.call('connect', {
        url: broker.url,
        ca: broker.caPem,
        clientId: cn,
        ...(await broker.client(cn)),
      });
    await Promise.all([connect(device, 'dev-1'), connect(centre, 'centre')]);
    await centre.call('subscribe', { topic: 'nattsyn/v1/#' });
    expect(await device.call('publish', { topic: 'nattsyn/v1/dev-1/status', payload: 'online' })).toBe(0);
    expect(await device.call('publish', { topic: 'nattsyn/v1/dev-2/status', payload: 'forged' })).toBe(135);
    await expect
      .poll(() => centre.call<{ topic: string }[]>('arrived'))
      .toEqual([{ topic: 'nattsyn/v1/dev-1/status', payload: 'online' }]);
    await Promise.all([device.stop(), centre.stop()]);
  });

  it('leaves_no_namespace_veth_nft_table_file_or_process_behind', async () => {
    const { lab } = net;
    const pids = [net.public, net.home, net.phone].flatMap((ns) => ns.pids());
    expect(pids.length).toBeGreaterThanOrEqual(4); // coturn, mosquitto and the two peers
    expect(lab.leftovers()).toHaveLength(5);
    await net.dispose();
    expect(lab.leftovers()).toEqual([]);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(runSync('ip', ['-o', 'link']).includes(lab.id)).toBe(false);
    expect(runSync('nft', ['list', 'tables'])).not.toMatch(/router|udpblock|noinbound/);
    expect(existsSync(lab.dir)).toBe(false);
    expect(existsSync('/etc/netns') ? runSync('ls', ['/etc/netns']) : '').not.toContain(lab.id);
  });
});
