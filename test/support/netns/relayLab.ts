/**
 * The centre's relay deployed across the NAT lab, as issue 11 draws it: coturn, mosquitto (with the
 * ACL nattsyn ships) and `nattsyn centre` on the public segment (the centre on HTTPS 443 at an
 * address of its own), the device at home with no inbound port and its listener off, and Debian's
 * Chromium on the phone behind the carrier-grade NAT, trusting exactly the lab's two server keys.
 * Shared by the NAT tests and the bench.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ISSUER } from '../../../src/cli/demoState.ts';
import { epochMillis } from '../../../src/platform/time.ts';
import { mintStaffToken } from '../../../src/policy/index.ts';
import { makeCa } from '../../install/pki.ts';
import type { Agent } from './agent.ts';
import { launchChromiumIn } from './chromium.ts';
import { type Coturn, startCoturn } from './coturn.ts';
import { type LabBroker, startLabMosquitto } from './mosquitto.ts';
import { ADDRESSES, buildNatLab, type NatLab } from './topology.ts';

const AGENTS = join(import.meta.dirname, 'agents');
const SHIPPED_ACL = readFileSync(new URL('../../../deploy/mosquitto/nattsyn.acl', import.meta.url), 'utf8');

export const LAB_DEVICE = 'dev-lab-0001';
/** The centre's own address on the public segment (coturn has 443 on the server address). */
export const LAB_CENTRE = '203.0.113.10';
const LAB_FALLBACK_PORT = 8445;

export interface RelayLab {
  net: NatLab;
  turn: Coturn;
  broker: LabBroker;
  centre: Agent;
  device: Agent;
  browser: Browser;
  page: Page;
  token(o?: { deviceId?: string; ageSeconds?: number; staffId?: string }): Promise<string>;
  dispose(): Promise<void>;
}

export async function startRelayLab(): Promise<RelayLab> {
  const net = await buildNatLab();
  try {
    return await deploy(net);
  } catch (error) {
    await net.dispose();
    throw error;
  }
}

async function deploy(net: NatLab): Promise<RelayLab> {
  const dir = net.lab.dir;
  for (const sub of ['ca', 'centre', 'device']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const ca = await makeCa(join(dir, 'ca'));
  const [turn, broker] = await Promise.all([
    startCoturn(net.public, dir, ca, ADDRESSES.server),
    startLabMosquitto(net.public, dir, ca, ADDRESSES.server, { acl: SHIPPED_ACL }),
  ]);
  const secret = (sub: string, name: string, text: string) => {
    const file = join(dir, sub, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  await net.public.addAddress('br0', `${LAB_CENTRE}/24`);
  const relay = await generateKeyPair('Ed25519', { extractable: true });
  const web = await ca.server(LAB_CENTRE);
  const centreCert = await broker.client('nattsyn-centre');
  const config = {
    instanceId: 'lab-centre',
    keyFile: secret('centre', 'centre.key', randomBytes(48).toString('base64')),
    http: {
      host: LAB_CENTRE,
      port: 443,
      tls: {
        certFile: web.certFile,
        keyFile: secret('centre', 'web.key', readFileSync(web.keyFile, 'utf8')),
      },
    },
    mqtt: {
      url: broker.url,
      tls: {
        caFile: join(ca.dir, 'ca.crt'),
        certFile: secret('centre', 'broker.crt', centreCert.cert),
        keyFile: secret('centre', 'broker.key', centreCert.key),
      },
    },
    relay: {
      signingKey: secret('centre', 'relay.key', await exportPKCS8(relay.privateKey)),
      timeoutMs: 10_000,
    },
    turn: { urls: [turn.urls.udp, turn.urls.tcp, turn.urls.tls], secretFile: turn.secretFile },
    // The MPEG-1 fallback's device-facing listener: the device dials it from home with its broker
    // client certificate (the lab CA's), the picture then reaches the phone over the centre's HTTPS.
    fallback: {
      host: LAB_CENTRE,
      port: LAB_FALLBACK_PORT,
      publicUrl: `wss://${LAB_CENTRE}:${LAB_FALLBACK_PORT}/media`,
      tls: {
        certFile: web.certFile,
        keyFile: join(dir, 'centre', 'web.key'),
        clientCaFile: join(ca.dir, 'ca.crt'),
      },
    },
    log: { level: 'warn' },
  };
  writeFileSync(join(dir, 'centre', 'centre.json'), JSON.stringify(config));
  const deviceCert = await broker.client(LAB_DEVICE);
  await net.closeInbound(net.home);
  const [centre, device] = await Promise.all([
    net.public.agent(join(AGENTS, 'centre.ts')),
    net.home.agent(join(AGENTS, 'relayDevice.ts')),
  ]);
  await centre.call('start', { configFile: join(dir, 'centre', 'centre.json') });
  const started = await device.call<{ issuerKeyPem: string }>(
    'start',
    {
      stateDir: join(dir, 'device'),
      deviceId: LAB_DEVICE,
      brokerUrl: broker.url,
      caFile: join(ca.dir, 'ca.crt'),
      certFile: secret('device', 'broker.crt', deviceCert.cert),
      keyFile: secret('device', 'broker.key', deviceCert.key),
      centreRelayPem: await exportSPKI(relay.publicKey),
    },
    60_000,
  );
  const issuerKey = await importPKCS8(started.issuerKeyPem, 'EdDSA');
  for (let i = 0; !(await centre.call<boolean>('online', { deviceId: LAB_DEVICE })); i += 1) {
    if (i > 200) throw new Error('the device never came online at the centre');
    await new Promise((r) => setTimeout(r, 100));
  }
  // The phone trusts exactly the lab's two server keys (the centre's and coturn's), as a phone trusts
  // a real centre's certificate: no other certificate error is ignored.
  const pins = [web.certFile, (await ca.server(ADDRESSES.server)).certFile].map(spkiPin).join(',');
  const browser = await launchChromiumIn(net.phone, [`--ignore-certificate-errors-spki-list=${pins}`]);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`https://${LAB_CENTRE}/d/${LAB_DEVICE}/`);
  return {
    net,
    turn,
    broker,
    centre,
    device,
    browser,
    page,
    token: (o = {}) =>
      mintStaffToken(
        {
          issuer: DEMO_ISSUER,
          deviceId: o.deviceId ?? LAB_DEVICE,
          staffId: o.staffId ?? 'nurse-lab',
          scope: 'view',
          ttlSeconds: 600,
          tokenId: crypto.randomUUID(),
          now: epochMillis(Date.now() - (o.ageSeconds ?? 0) * 1000),
        },
        issuerKey,
      ),
    async dispose() {
      await browser.close().catch(() => undefined);
      await net.dispose();
    },
  };
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of a certificate, as Chromium's SPKI pin list takes it. */
function spkiPin(certFile: string): string {
  const spki = createPublicKey(readFileSync(certFile)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
