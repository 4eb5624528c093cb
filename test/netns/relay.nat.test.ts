/**
 * The centre's relay across real NATs (issue 11, test/support/netns/relayLab.ts): the device at
 * home has no inbound port and its own listener off and reaches only the broker; Chromium on a
 * phone behind a carrier-grade NAT looks through the centre, media end to end (direct or through
 * TURN), as Chromium's getStats reports.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/policy/index.ts';
import { deviceTopics } from '../../src/protocol/index.ts';
import { type LookResult, lookThroughCentre } from '../support/netns/look.ts';
import { LAB_CENTRE, LAB_DEVICE, type RelayLab, startRelayLab } from '../support/netns/relayLab.ts';

const MQTT_AGENT = join(import.meta.dirname, '../support/netns/agents/mqttClient.ts');

describe('looks through the centre across real NATs', () => {
  let lab: RelayLab;
  const looks: Record<string, LookResult> = {};

  beforeAll(async () => {
    lab = await startRelayLab();
  }, 120_000);

  afterAll(async () => {
    // What each case reached, for the record: tap to picture and the pair Chromium used.
    const summary = Object.entries(looks).map(([k, v]) => [k, Math.round(v.tapToFrameMs ?? -1), v.pair]);
    console.info(JSON.stringify(summary));
    await lab?.dispose();
  });

  const look = async (name: string) => {
    const result = await lookThroughCentre(lab.page, LAB_DEVICE, await lab.token());
    looks[name] = result;
    return result;
  };

  it('has_no_listening_tcp_port_in_the_device_namespace', async () => {
    expect((await lab.net.home.listening()).filter((l) => l.startsWith('tcp'))).toEqual([]);
  });

  it('plays_to_a_phone_behind_a_symmetric_cgnat_through_turn', async () => {
    const r = await look('symmetric');
    expect(r.status).toBe(201);
    expect(r.framesDecoded).toBeGreaterThan(0);
    expect([r.pair?.local, r.pair?.remote]).toContain('relay');
  });

  it('plays_to_a_phone_behind_a_plain_nat', async () => {
    await lab.net.phoneNat('cone');
    try {
      const r = await look('cone');
      expect(r.status).toBe(201);
      expect(r.framesDecoded).toBeGreaterThan(0);
      expect(['host', 'srflx', 'prflx', 'relay']).toContain(r.pair?.local);
    } finally {
      await lab.net.phoneNat('symmetric');
    }
  });

  it('plays_to_a_phone_whose_udp_is_dropped_over_turns_on_443', async () => {
    await lab.net.blockPhoneUdp(true);
    try {
      const r = await look('tls443');
      expect(r.status).toBe(201);
      expect(r.framesDecoded).toBeGreaterThan(0);
      expect(r.pair).toMatchObject({ local: 'relay', relayProtocol: 'tls' });
    } finally {
      await lab.net.blockPhoneUdp(false);
    }
  });

  it('falls_back_to_mpeg1_over_the_centres_https_when_the_network_lets_only_the_centres_https_out', async () => {
    // No UDP, and TCP only to the centre's 443: TURN over UDP, TCP and TLS all fail, as behind a
    // proxy that lets only the centre's HTTPS through.
    await lab.net.blockPhoneUdp(true, LAB_CENTRE);
    const context = await lab.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`https://${LAB_CENTRE}/d/${LAB_DEVICE}/#token=${await lab.token()}`);
      await expect.poll(() => page.isEnabled('#watch'), { timeout: 15_000 }).toBe(true);
      const tapped = Date.now();
      await page.click('#watch');
      await page.waitForSelector('#frame[data-state="live"][data-transport="mpeg1"]', { timeout: 30_000 });
      console.info(
        `fallback behind an HTTPS-only network: first picture ${Date.now() - tapped} ms after Watch`,
      );
      await page.waitForFunction(
        () => Number(document.getElementById('frame')?.dataset.decoded) >= 10,
        null,
        {
          timeout: 15_000,
        },
      );
      await page.click('#close');
      const records = await lab.device.call<AuditRecord[]>('audit');
      const grants = records.filter((r) => r.type === 'grant').slice(-2);
      expect(grants.map((g) => g.detail?.media)).toEqual(['webrtc', 'mpeg1']);
      expect(grants[1]!.detail).toMatchObject({ transport: 'relay' });
    } finally {
      await context.close();
      await lab.net.blockPhoneUdp(false);
    }
  }, 90_000);

  it('refuses_a_token_for_another_device_and_an_expired_one_with_no_turn_credential_in_sight', async () => {
    for (const bearer of [
      await lab.token({ deviceId: 'dev-lab-0002' }),
      await lab.token({ ageSeconds: 3600 }),
    ]) {
      const state = await lookThroughCentre(lab.page, LAB_DEVICE, bearer);
      expect([401, 403]).toContain(state.stateStatus);
      const offer = await lookThroughCentre(lab.page, LAB_DEVICE, bearer, { skipState: true });
      expect([401, 403]).toContain(offer.status);
      for (const r of [state, offer])
        expect(JSON.stringify(r.headers) + r.stateBody).not.toMatch(/turn|credential|username/i);
    }
    const records = await lab.device.call<AuditRecord[]>('audit');
    const denied = records.filter((r) => r.type === 'deny').map((r) => r.code);
    expect(denied).toEqual(expect.arrayContaining(['wrong_device', 'token_expired']));
  });

  it('never_delivers_a_request_published_by_a_client_other_than_the_centre', async () => {
    const rogue = await lab.net.home.agent(MQTT_AGENT);
    const cert = await lab.broker.client('dev-rogue-9');
    await rogue.call('connect', {
      url: lab.broker.url,
      ca: lab.broker.caPem,
      clientId: 'dev-rogue-9',
      ...cert,
    });
    expect(await rogue.call('publish', { topic: deviceTopics(LAB_DEVICE).whepRequest, payload: 'x' })).toBe(
      135,
    );
    await rogue.stop();
    const records = await lab.device.call<AuditRecord[]>('audit');
    expect(records.filter((r) => r.code === 'relay_unsigned')).toEqual([]);
  });
});
