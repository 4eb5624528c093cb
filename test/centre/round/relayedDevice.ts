/**
 * A real device behind a round lab's relay, for the round's end-to-end test and its bench: the
 * service as `startService` runs it (synthetic camera, its listener off, relay config pinning the
 * centre's relay key, its schedule published by itself), from the demo's state (keys, a policy with
 * a window open now). Two steps, because the lab's roster and token issuer need the device first:
 * `prepareRelayedDevice()`, then the lab, then `startRelayedDevice(prepared, lab)`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_ISSUER, prepareDemoState } from '../../../src/cli/demoState.ts';
import { configSchema, loadConfig } from '../../../src/config.ts';
import { silentLogger } from '../../../src/log.ts';
import { type RunningService, startService } from '../../../src/main.ts';
import type { RoundLab } from './roundLab.ts';

export interface PreparedDevice {
  stateDir: string;
  deviceId: string;
  configFile: string;
  /** The lab's `staffTokens` config: the centre mints look tokens this device accepts. */
  staffTokens: { issuer: string; privateKeyFile: string; keyId: string };
}

export interface RelayedDevice {
  deviceId: string;
  stateDir: string;
  service: RunningService;
  dispose(): Promise<void>;
}

export async function prepareRelayedDevice(): Promise<PreparedDevice> {
  const stateDir = await mkdtemp(join(tmpdir(), 'nattsyn-relayed-device-'));
  const demo = await prepareDemoState(stateDir, new Date(), {});
  return {
    stateDir,
    deviceId: demo.deviceId,
    configFile: demo.configFile,
    staffTokens: { issuer: DEMO_ISSUER, privateKeyFile: join(stateDir, 'keys/issuer.key'), keyId: 'demo-1' },
  };
}

/** `relay`: settings merged into the device's relay section (the bench lifts its per-staff limit). */
export async function startRelayedDevice(
  prepared: PreparedDevice,
  lab: RoundLab,
  relay: Record<string, unknown> = {},
): Promise<RelayedDevice> {
  const { stateDir, configFile } = prepared;
  await writeFile(join(stateDir, 'keys/centre-relay.pub'), lab.relayPublicKeyPem);
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  Object.assign(config, {
    mqtt: { url: lab.broker.url },
    relay: { centreKeys: ['keys/centre-relay.pub'], ...relay },
    stream: { listen: 'off', ice: { hostAddresses: ['127.0.0.1'] } },
    camera: { driver: 'synthetic' },
    log: { level: 'silent' },
  });
  await writeFile(configFile, JSON.stringify(config));
  const service = await startService(await loadConfig(configFile, configSchema), silentLogger);
  if (service.access.policy === undefined) throw new Error('the demo policy is not in force');
  await service.streaming.scheduler.evaluate();
  return {
    deviceId: prepared.deviceId,
    stateDir,
    service,
    dispose: async () => {
      await service.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
