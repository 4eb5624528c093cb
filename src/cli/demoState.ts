/**
 * `nattsyn demo` set-up: the keys a care organisation holds (staff-token issuer, policy), and per
 * demo device a fresh state directory with a signed policy and the config it runs with. Everything
 * here is what an installer and a care organisation would do by hand.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
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
  /** The signed policy, already in force (`policy.jws` in the state directory). */
  policyJws: string;
  token: string;
}

export interface DemoDeviceOptions {
  deviceId?: string;
  /** Where the issuer and policy keys live (made there when missing); the device's own `keys/` by default. */
  keysDir?: string;
  /** The one-off window `demo-now` starts this many minutes from now (0: open now). */
  windowInMinutes?: number;
}

/** The issuer and policy key pairs in `keysDir` (PKCS#8 0600 and SPKI), made once. */
export async function demoKeys(keysDir: string): Promise<{ issuerPem: string; policyPem: string }> {
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const read = (name: string) => readFile(path.join(keysDir, name), 'utf8').catch(() => undefined);
  for (const name of ['issuer', 'policy']) {
    if (await read(`${name}.key`)) continue;
    const pair = await newKeyPair();
    await writeFileAtomic(path.join(keysDir, `${name}.key`), pair.privatePem);
    await writeFileAtomic(path.join(keysDir, `${name}.pub`), pair.publicPem, 0o644);
  }
  return { issuerPem: (await read('issuer.key'))!, policyPem: (await read('policy.key'))! };
}

export async function prepareDemoState(
  stateDir: string,
  now: Date,
  extraConfig: Record<string, unknown>,
  deviceIdOrOptions: string | DemoDeviceOptions = {},
): Promise<DemoState> {
  const o = typeof deviceIdOrOptions === 'string' ? { deviceId: deviceIdOrOptions } : deviceIdOrOptions;
  const deviceId = o.deviceId ?? `demo-${randomBytes(3).toString('hex')}`;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const keysDir = o.keysDir ?? path.join(stateDir, 'keys');
  const keys = await demoKeys(keysDir);
  const policyJws = await signPolicy(
    demoPolicy(deviceId, now, o.windowInMinutes ?? 0),
    await importPKCS8(keys.policyPem, 'EdDSA'),
  );
  // In force from the first start, as the centre would have delivered it: the device connects once
  // with its policy (its Last Will names the version) instead of reconnecting to re-arm the will.
  await writeFileAtomic(path.join(stateDir, 'policy.jws'), policyJws);
  const configFile = path.join(stateDir, 'config.json');
  const config = {
    deviceId,
    stateDir: '.',
    policy: { publicKey: path.join(keysDir, 'policy.pub') },
    tokens: { issuer: DEMO_ISSUER, publicKeys: [path.join(keysDir, 'issuer.pub')] },
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
    await importPKCS8(keys.issuerPem, 'EdDSA'),
  );
  return { deviceId, stateDir, configFile, policyJws, token };
}

function demoPolicy(deviceId: string, now: Date, inMinutes: number): PolicyInput {
  const start = now.getTime() + inMinutes * 60_000;
  const local = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(DEMO_TIME_ZONE);
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
