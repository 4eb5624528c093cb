/**
 * A device for the bench, run the way systemd runs it: `nattsyn run --config FILE` in its own
 * process (from the sources or from the bundle), on the synthetic camera, reporting to a real
 * mosquitto. Its stored policy has no window open now, so it starts idle with the camera off; the
 * bench then sends a policy with a window open now over MQTT, as the centre would, and the camera starts.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { importPKCS8 } from 'jose';
import { Temporal } from 'temporal-polyfill';
import { DEMO_ISSUER, DEMO_TIME_ZONE, prepareDemoState } from '../src/cli/demoState.ts';
import { writeFileAtomic } from '../src/platform/fsStore.ts';
import { epochMillis, mintStaffToken, type PolicyInput, signPolicy } from '../src/policy/index.ts';

export interface BenchDevice {
  deviceId: string;
  configFile: string;
  stateDir: string;
  /** A view token per viewer (a token holds one session at a time). */
  token(): Promise<string>;
  /** Version 2 of the policy, with a window open from now: the camera starts when it arrives. */
  openWindowPolicy(): Promise<string>;
}

export async function prepareBenchDevice(stateDir: string, mqttUrl: string): Promise<BenchDevice> {
  const now = new Date();
  const demo = await prepareDemoState(stateDir, now, {
    stream: {
      host: '127.0.0.1',
      port: 0,
      ice: { hostAddresses: ['127.0.0.1'] },
      rateLimitPerMinute: 100_000,
    },
    mqtt: { url: mqttUrl },
    camera: { driver: 'synthetic' },
    log: { level: 'info' },
  });
  const keys = path.join(stateDir, 'keys');
  const policyKey = await importPKCS8(await readFile(path.join(keys, 'policy.key'), 'utf8'), 'EdDSA');
  const issuerKey = await importPKCS8(await readFile(path.join(keys, 'issuer.key'), 'utf8'), 'EdDSA');
  const policy = (version: number, from: Date) =>
    signPolicy(benchPolicy(demo.deviceId, version, from), policyKey);
  // Stored as the policy in force: its only window is 30 days away, so the camera stays off.
  await writeFileAtomic(
    path.join(stateDir, 'policy.jws'),
    await policy(1, new Date(now.getTime() + 30 * 86_400_000)),
  );
  return {
    deviceId: demo.deviceId,
    configFile: demo.configFile,
    stateDir,
    token: () =>
      mintStaffToken(
        {
          issuer: DEMO_ISSUER,
          deviceId: demo.deviceId,
          staffId: 'bench-nurse',
          scope: 'view',
          ttlSeconds: 3600,
          tokenId: randomUUID(),
          now: epochMillis(Date.now()),
        },
        issuerKey,
      ),
    openWindowPolicy: () => policy(2, new Date()),
  };
}

function benchPolicy(deviceId: string, version: number, from: Date): PolicyInput {
  const local = Temporal.Instant.fromEpochMilliseconds(from.getTime()).toZonedDateTimeISO(DEMO_TIME_ZONE);
  return {
    deviceId,
    version,
    issuedAt: new Date().toISOString(),
    timeZone: DEMO_TIME_ZONE,
    windows: [],
    oneOff: [
      {
        id: 'bench',
        date: local.toPlainDate().toString(),
        start: local.toPlainTime().toString({ smallestUnit: 'minute' }),
        durationMinutes: 120,
      },
    ],
    maxViewers: 8,
    maxSessionSeconds: 3600,
  };
}
