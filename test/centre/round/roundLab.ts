/**
 * The round's test bench: a real mosquitto, the real OpenID provider with two staff members, and
 * the centre started by its own composition root (startCentre) from a config file with sign-in,
 * roster, look tokens and relay; optionally a streaming device double behind the relay. The
 * centre's clock is the device's (the device double's window sits where a test needs it) plus an
 * offset the test moves: time is driven, never waited for.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { MemoryAuditSink } from '../../../src/centre/auth/index.ts';
import type { DemoIdp, DemoIdpUser } from '../../../src/centre/demoIdp/index.ts';
import { loadCentreConfig } from '../../../src/centre/load.ts';
import { type CentreOverrides, type RunningCentre, startCentre } from '../../../src/centre/main.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import { ISSUER } from '../../fixtures/stream/stack.ts';
import { type Broker, freePort, makePki, startMosquitto } from '../../support/mosquitto.ts';
import { centreOidcConfig, startTestIdp, TEST_CLIENT, TEST_NURSE } from '../../support/oidcProvider.ts';
import { type DeviceDouble, DOUBLE_DEVICE_ID, startDeviceDouble } from './deviceDouble.ts';

/** A stand-in from the southern team: signs in fine, but no northern device is on her roster. */
export const RELIEF_NURSE: DemoIdpUser = {
  login: 'vikarie',
  password: 'natt-pass-0815',
  staffId: 'SE2321000016-C3D4',
  groups: ['natt-syd'],
};

export const DEVICES = {
  ready: 'dev-stream-1',
  risk: 'dev-risk-0002',
  gone: 'dev-gone-0003',
  south: 'dev-syd-0004',
} as const;

export const ROUND_ROSTER = {
  groups: {
    'natt-norr': [DEVICES.ready, DEVICES.risk, DEVICES.gone],
    'natt-syd': [DEVICES.south],
  },
  devices: {
    [DEVICES.ready]: { room: 'Rum 12', carePlanRef: 'KP-2024-00123' },
    [DEVICES.risk]: { room: 'Rum 14', carePlanRef: 'KP-2024-00124' },
    [DEVICES.gone]: { room: 'Lgh 1102', carePlanRef: 'KP-2024-00125' },
    [DEVICES.south]: { room: 'Avd 3 Rum 4B', carePlanRef: 'KP-2024-00126' },
  },
  roles: { 'natt-norr': 'Undersköterska' },
};

export interface RoundLabOptions {
  /** Start the streaming device double (camera, WHEP, access) as the ready device. */
  device?: boolean;
  overrides?: CentreOverrides;
  /** Centre settings merged into the config file. */
  config?: Record<string, unknown>;
  /** Another roster (the bench's hundred devices). */
  roster?: object;
  /** The centre's limit per signed-in staff member (high unless a test is about it). */
  staffRateLimitPerMinute?: number;
  /** The centre's limit per client address (high unless a test is about it). */
  rateLimitPerMinute?: number;
  /** The centre runs the MPEG-1 fallback's device listener, and the double dials it (mutual TLS). */
  fallback?: boolean;
}

export class OffsetClock {
  offset = 0;
  readonly #base: () => number;

  constructor(base: () => number) {
    this.#base = base;
  }

  now = (): number => this.#base() + this.offset;

  advance(ms: number): void {
    this.offset += ms;
  }
}

export async function startRoundLab(options: RoundLabOptions = {}) {
  const broker: Broker = await startMosquitto();
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-round-'));
  const relayKeys = await generateKeyPair('Ed25519', { extractable: true });
  const issuerKeys = await generateKeyPair('Ed25519', { extractable: true });
  const secret = (name: string, text: string) => writeFile(join(dir, name), text, { mode: 0o600 });
  await secret('relay.key', await exportPKCS8(relayKeys.privateKey));
  await secret('issuer.key', await exportPKCS8(issuerKeys.privateKey));
  await secret('centre.key', randomBytes(48).toString('base64'));
  await secret('oidc.secret', TEST_CLIENT.clientSecret);
  await writeFile(join(dir, 'roster.json'), JSON.stringify(options.roster ?? ROUND_ROSTER));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const idp: DemoIdp = await startTestIdp(origin, [TEST_NURSE, RELIEF_NURSE]);
  const fallback = options.fallback ? await fallbackSetup(dir) : undefined;
  const device: DeviceDouble | undefined = options.device
    ? await startDeviceDouble({
        brokerUrl: broker.url,
        centreRelayKey: relayKeys.publicKey,
        issuerKey: issuerKeys.publicKey,
        ...(fallback ? { fallbackTls: fallback.deviceTls } : {}),
      })
    : undefined;
  const clock = new OffsetClock(device?.now ?? Date.now);
  const audit = new MemoryAuditSink();
  const config = {
    instanceId: 'centre-round',
    keyFile: 'centre.key',
    http: {
      host: '127.0.0.1',
      port,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 1000,
      staffRateLimitPerMinute: options.staffRateLimitPerMinute ?? 1000,
    },
    mqtt: { url: broker.url },
    relay: { signingKey: 'relay.key', timeoutMs: 3000 },
    oidc: centreOidcConfig(idp.issuer, origin, 'oidc.secret'),
    roster: { file: 'roster.json' },
    staffTokens: { issuer: ISSUER, privateKeyFile: 'issuer.key', keyId: 'look-1' },
    log: { level: 'silent' },
    ...(fallback ? { fallback: fallback.config } : {}),
    ...options.config,
  };
  const start = async (file: string, body: object) => {
    await writeFile(join(dir, file), JSON.stringify(body));
    const loaded = await loadCentreConfig(join(dir, file));
    return startCentre(loaded, silentLogger, { now: clock.now, audit, ...options.overrides });
  };
  const publisher: MqttClient = await mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    clientId: 'test-devices',
  });
  const others: RunningCentre[] = [];
  const lab = {
    broker,
    dir,
    origin,
    idp,
    device,
    clock,
    audit,
    centre: await start('centre.json', config),
    publisher,
    issuerPublicKey: issuerKeys.publicKey,
    /** The centre's relay key as a device pins it (SPKI PEM). */
    relayPublicKeyPem: await exportSPKI(relayKeys.publicKey),
    /**
     * Another centre instance on the same broker, centre key (and database, if any): a second one
     * behind a load balancer; `extra` is merged into its config.
     */
    async anotherInstance(extra: Record<string, unknown> = {}): Promise<RunningCentre> {
      const other = await start('centre-b.json', {
        ...config,
        instanceId: 'centre-round-b',
        http: { ...config.http, port: 0 },
        ...extra,
      });
      others.push(other);
      return other;
    },
    /** Stops the first instance and starts it again from its config file (same port). */
    async restart(): Promise<RunningCentre> {
      await lab.centre.stop();
      lab.centre = await start('centre.json', config);
      return lab.centre;
    },
    async dispose() {
      for (const other of others) await other.stop();
      await lab.centre.stop();
      await publisher.endAsync();
      await device?.stop();
      await idp.stop();
      await broker.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return lab;
}

export type RoundLab = Awaited<ReturnType<typeof startRoundLab>>;

/** A PKI for the fallback's device listener: its server certificate, and the double's client one. */
async function fallbackSetup(dir: string) {
  await mkdir(join(dir, 'pki'));
  const pki = await makePki(join(dir, 'pki'));
  const cert = await pki.clientCert(DOUBLE_DEVICE_ID);
  const port = await freePort();
  return {
    deviceTls: {
      ca: await readFile(pki.caFile),
      cert: await readFile(cert.certFile),
      key: await readFile(cert.keyFile),
    },
    config: {
      host: '127.0.0.1',
      port,
      publicUrl: `wss://127.0.0.1:${port}/media`,
      tls: { certFile: 'pki/server.pem', keyFile: 'pki/server.key', clientCaFile: 'pki/ca.pem' },
    },
  };
}

/** Polls until `probe` resolves truthy (for hooks, where expect.poll is not available). */
export async function waitUntil<T>(probe: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
