/**
 * `nattsyn demo` set-up: a fresh state directory with its own issuer and policy keys, a signed
 * policy (a window open from now for 60 minutes plus the usual night windows) and the config the
 * demo runs with. Everything here is what an installer and a care organisation would do by hand.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { Aedes } from 'aedes';
import { importPKCS8 } from 'jose';
import { Temporal } from 'temporal-polyfill';
import { writeFileAtomic } from '../platform/fsStore.ts';
import { epochMillis, mintStaffToken, type PolicyInput, signPolicy, WEEKDAYS } from '../policy/index.ts';
import { newKeyPair } from './keys.ts';

export const DEMO_ISSUER = 'https://demo.nattsyn.invalid/issuer';
export const DEMO_TIME_ZONE = 'Europe/Stockholm';

export interface DemoState {
  deviceId: string;
  stateDir: string;
  configFile: string;
  /** The signed policy, applied by the demo at start. */
  policyJws: string;
  token: string;
}

export async function prepareDemoState(
  stateDir: string,
  now: Date,
  extraConfig: Record<string, unknown>,
  deviceId = `demo-${randomBytes(3).toString('hex')}`,
): Promise<DemoState> {
  const keysDir = path.join(stateDir, 'keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const issuer = await newKeyPair();
  const policy = await newKeyPair();
  await writeFileAtomic(path.join(keysDir, 'issuer.key'), issuer.privatePem);
  await writeFileAtomic(path.join(keysDir, 'issuer.pub'), issuer.publicPem, 0o644);
  await writeFileAtomic(path.join(keysDir, 'policy.key'), policy.privatePem);
  await writeFileAtomic(path.join(keysDir, 'policy.pub'), policy.publicPem, 0o644);

  const policyJws = await signPolicy(
    demoPolicy(deviceId, now),
    await importPKCS8(policy.privatePem, 'EdDSA'),
  );
  const configFile = path.join(stateDir, 'config.json');
  const config = {
    deviceId,
    stateDir: '.',
    policy: { publicKey: 'keys/policy.pub' },
    tokens: { issuer: DEMO_ISSUER, publicKeys: ['keys/issuer.pub'] },
    clock: { assumeSynced: true },
    ...extraConfig,
  };
  await writeFileAtomic(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const token = await mintStaffToken(
    {
      issuer: DEMO_ISSUER,
      deviceId,
      staffId: 'demo-nurse',
      scope: 'view',
      ttlSeconds: 2 * 3600,
      tokenId: randomUUID(),
      now: epochMillis(now.getTime()),
    },
    await importPKCS8(issuer.privatePem, 'EdDSA'),
  );
  return { deviceId, stateDir, configFile, policyJws, token };
}

function demoPolicy(deviceId: string, now: Date): PolicyInput {
  const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(DEMO_TIME_ZONE);
  const every = [...WEEKDAYS];
  return {
    deviceId,
    version: 1,
    issuedAt: now.toISOString(),
    timeZone: DEMO_TIME_ZONE,
    windows: [
      { id: 'night-1', start: '23:30', durationMinutes: 20, days: every },
      { id: 'night-2', start: '02:30', durationMinutes: 15, days: every },
    ],
    oneOff: [
      {
        id: 'demo-now',
        date: local.toPlainDate().toString(),
        start: local.toPlainTime().toString({ smallestUnit: 'minute' }),
        durationMinutes: 60,
      },
    ],
    maxViewers: 2,
    maxSessionSeconds: 600,
  };
}

/** An in-process MQTT broker on loopback, so the demo needs no mosquitto. */
export async function startDemoBroker(): Promise<{ url: string; stop(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
