/**
 * The centre's relay across real NATs (issue 11): the device sits at home behind a NAT router with
 * no inbound port and its own listener off, reaching only the broker; the centre, the broker (with
 * the ACL nattsyn ships) and coturn sit on the public segment; Debian's Chromium sits on a phone
 * behind a carrier-grade NAT. Each look goes tap → centre → MQTT → device, and media end to end
 * (direct or through TURN), as Chromium's getStats reports.
 */

import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER } from '../../src/cli/demoState.ts';
import { epochMillis } from '../../src/platform/time.ts';
import { type AuditRecord, mintStaffToken } from '../../src/policy/index.ts';
import { deviceTopics } from '../../src/protocol/index.ts';
import { makeCa } from '../install/pki.ts';
import type { Agent } from '../support/netns/agent.ts';
import { launchChromiumIn } from '../support/netns/chromium.ts';
import { type Coturn, startCoturn } from '../support/netns/coturn.ts';
import { type LookResult, lookThroughCentre } from '../support/netns/look.ts';
import { type LabBroker, startLabMosquitto } from '../support/netns/mosquitto.ts';
import { ADDRESSES, buildNatLab, type NatLab } from '../support/netns/topology.ts';

const AGENTS = join(import.meta.dirname, '../support/netns/agents');
const SHIPPED_ACL = readFileSync(new URL('../../deploy/mosquitto/nattsyn.acl', import.meta.url), 'utf8');
const DEVICE = 'dev-lab-0001';
/** The centre listens on HTTPS 443 like a real one, on an address of its own beside coturn's 443. */
const CENTRE = '203.0.113.10';

describe('looks through the centre across real NATs', () => {
  let net: NatLab;
  let turn: Coturn;
  let broker: LabBroker;
  let centre: Agent;
  let device: Agent;
  let browser: Browser;
  let page: Page;
  let issuerKey: CryptoKey;
  const looks: Record<string, LookResult> = {};

  const token = async (o: { deviceId?: string; ageSeconds?: number } = {}) =>
    mintStaffToken(
      {
        issuer: DEMO_ISSUER,
        deviceId: o.deviceId ?? DEVICE,
        staffId: 'nurse-lab',
        scope: 'view',
        ttlSeconds: 600,
        tokenId: crypto.randomUUID(),
        now: epochMillis(Date.now() - (o.ageSeconds ?? 0) * 1000),
      },
      issuerKey,
    );

  beforeAll(async () => {
    net = await buildNatLab();
    const dir = net.lab.dir;
    mkdirSync(join(dir, 'ca'));
    mkdirSync(join(dir, 'centre'), { mode: 0o700 });
    mkdirSync(join(dir, 'device'), { mode: 0o700 });
    const ca = await makeCa(join(dir, 'ca'));
    [turn, broker] = await Promise.all([
      startCoturn(net.public, dir, ca, ADDRESSES.server),
      startLabMosquitto(net.public, dir, ca, ADDRESSES.server, { acl: SHIPPED_ACL }),
    ]);
    const secret = (name: string, text: string) => {
      const file = join(dir, 'centre', name);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    };
    const relay = await generateKeyPair('Ed25519', { extractable: true });
    await net.public.addAddress('br0', `${CENTRE}/24`);
    const web = await ca.server(CENTRE);
    const centreCert = await broker.client('nattsyn-centre');
    const config = {
      instanceId: 'lab-centre',
      keyFile: secret('centre.key', randomBytes(48).toString('base64')),
      http: {
        host: CENTRE,
        port: 443,
        tls: { certFile: web.certFile, keyFile: secret('web.key', readFileSync(web.keyFile, 'utf8')) },
      },
      mqtt: {
        url: broker.url,
        tls: {
          caFile: join(ca.dir, 'ca.crt'),
          certFile: secret('broker.crt', centreCert.cert),
          keyFile: secret('broker.key', centreCert.key),
        },
      },
      relay: { signingKey: secret('relay.key', await exportPKCS8(relay.privateKey)), timeoutMs: 10_000 },
      turn: { urls: [turn.urls.udp, turn.urls.tcp, turn.urls.tls], secretFile: turn.secretFile },
      log: { level: 'warn' },
    };
    writeFileSync(join(dir, 'centre', 'centre.json'), JSON.stringify(config));
    const deviceCert = await broker.client(DEVICE);
    const deviceFile = (name: string, text: string) => {
      const file = join(dir, 'device', name);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    };
    await net.closeInbound(net.home);
    [centre, device] = await Promise.all([
      net.public.agent(join(AGENTS, 'centre.ts')),
      net.home.agent(join(AGENTS, 'relayDevice.ts')),
    ]);
    await centre.call('start', { configFile: join(dir, 'centre', 'centre.json') });
    const started = await device.call<{ issuerKeyPem: string }>(
      'start',
      {
        stateDir: join(dir, 'device'),
        deviceId: DEVICE,
        brokerUrl: broker.url,
        caFile: join(ca.dir, 'ca.crt'),
        certFile: deviceFile('broker.crt', deviceCert.cert),
        keyFile: deviceFile('broker.key', deviceCert.key),
        centreRelayPem: await exportSPKI(relay.publicKey),
      },
      60_000,
    );
    issuerKey = (await importPKCS8(started.issuerKeyPem, 'EdDSA')) as CryptoKey;
    for (let i = 0; !(await centre.call<boolean>('online', { deviceId: DEVICE })); i += 1) {
      if (i > 200) throw new Error('the device never came online at the centre');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The phone trusts exactly the lab's two server keys (the centre's and coturn's), as a phone trusts
    // a real centre's certificate: no certificate error is ignored beyond these.
    const pins = [web.certFile, (await ca.server(ADDRESSES.server)).certFile].map(spkiPin).join(',');
    browser = await launchChromiumIn(net.phone, [`--ignore-certificate-errors-spki-list=${pins}`]);
    const context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`https://${CENTRE}/d/${DEVICE}/`);
  }, 120_000);

  afterAll(async () => {
    // The figures each case reached, for the closing note (tap to picture, the pair used).
    console.info(
      JSON.stringify(
        Object.fromEntries(
          Object.entries(looks).map(([k, v]) => [k, { ms: Math.round(v.tapToFrameMs ?? -1), pair: v.pair }]),
        ),
      ),
    );
    await browser?.close();
    await net?.dispose();
  });

  const look = async (name: string) => {
    const result = await lookThroughCentre(page, DEVICE, await token());
    looks[name] = result;
    return result;
  };

  it('has_no_listening_tcp_port_in_the_device_namespace', async () => {
    expect((await net.home.listening()).filter((l) => l.startsWith('tcp'))).toEqual([]);
  });

  it('plays_to_a_phone_behind_a_symmetric_cgnat_through_turn', async () => {
    const r = await look('symmetric');
    expect(r.status).toBe(201);
    expect(r.framesDecoded).toBeGreaterThan(0);
    expect([r.pair?.local, r.pair?.remote]).toContain('relay');
  });

  it('plays_to_a_phone_behind_a_plain_nat', async () => {
    await net.phoneNat('cone');
    try {
      const r = await look('cone');
      expect(r.status).toBe(201);
      expect(r.framesDecoded).toBeGreaterThan(0);
      expect(['host', 'srflx', 'prflx', 'relay']).toContain(r.pair?.local);
    } finally {
      await net.phoneNat('symmetric');
    }
  });

  it('plays_to_a_phone_whose_udp_is_dropped_over_turns_on_443', async () => {
    await net.blockPhoneUdp(true);
    try {
      const r = await look('tls443');
      expect(r.status).toBe(201);
      expect(r.framesDecoded).toBeGreaterThan(0);
      expect(r.pair).toMatchObject({ local: 'relay', relayProtocol: 'tls' });
    } finally {
      await net.blockPhoneUdp(false);
    }
  });

  it('refuses_a_token_for_another_device_and_an_expired_one_with_no_turn_credential_in_sight', async () => {
    for (const bearer of [await token({ deviceId: 'dev-lab-0002' }), await token({ ageSeconds: 3600 })]) {
      const state = await lookThroughCentre(page, DEVICE, bearer);
      expect([401, 403]).toContain(state.stateStatus);
      const offer = await lookThroughCentre(page, DEVICE, bearer, { skipState: true });
      expect([401, 403]).toContain(offer.status);
      for (const r of [state, offer])
        expect(JSON.stringify(r.headers) + r.stateBody).not.toMatch(/turn|credential|username/i);
    }
    const records = await device.call<AuditRecord[]>('audit');
    const denied = records.filter((r) => r.type === 'deny').map((r) => r.code);
    expect(denied).toEqual(expect.arrayContaining(['wrong_device', 'token_expired']));
  });

  it('never_delivers_a_request_published_by_a_client_other_than_the_centre', async () => {
    const rogue = await net.home.agent(join(AGENTS, 'mqttClient.ts'));
    await rogue.call('connect', {
      url: broker.url,
      ca: broker.caPem,
      clientId: 'dev-rogue-9',
      ...(await broker.client('dev-rogue-9')),
    });
    const reason = await rogue.call('publish', { topic: deviceTopics(DEVICE).whepRequest, payload: 'x' });
    expect(reason).toBe(135);
    await rogue.stop();
    const records = await device.call<AuditRecord[]>('audit');
    expect(records.filter((r) => r.code === 'relay_unsigned')).toEqual([]);
  });
});

/** base64(SHA-256(SubjectPublicKeyInfo)) of a certificate, as Chromium's SPKI pin list takes it. */
function spkiPin(certFile: string): string {
  const spki = createPublicKey(readFileSync(certFile)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
