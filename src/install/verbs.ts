/**
 * The installer verbs with their real ports, ready for src/cli.ts's verb table: `(args, io) => exit`.
 * They read only `stateDir` from the config file (leniently: before registration the config is a
 * skeleton the full schema would refuse) and take `--config` like the other verbs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { CameraSource } from '../camera/types.ts';
import { DEFAULT_CONFIG_PATH } from '../config.ts';
import type { CliIo } from '../platform/cliIo.ts';
import { FsStore } from '../platform/fsStore.ts';
import { sha256Hex, TIMESYNC_FLAG, timesyncProbe } from '../platform/system.ts';
import { systemTime } from '../platform/time.ts';
import { AuditLog } from '../policy/index.ts';
import { brokerConnector } from './brokerSession.ts';
import { buildSelftestChecks } from './checks.ts';
import { runRegister } from './cliRegister.ts';
import { runWipe } from './cliWipe.ts';
import { InstallWindow } from './installWindow.ts';
import type { GpioLine, IlluminatorProbe } from './probes.ts';
import { runProcess } from './process.ts';
import { loadRegistration } from './registration.ts';
import { runSelftest } from './selftestRuns.ts';
import { configProblemOf, storedPolicy } from './systemProbes.ts';

const DEFAULT_STATE_DIR = '/var/lib/nattsyn';

/** The value of `--config FILE` / `--config=FILE`, else the default path. */
export function configPathOf(args: readonly string[]): string {
  for (const [i, a] of args.entries()) {
    if (a === '--config' && args[i + 1]) return path.resolve(args[i + 1]!);
    if (a.startsWith('--config=')) return path.resolve(a.slice('--config='.length));
  }
  return DEFAULT_CONFIG_PATH;
}

/** The config file as JSON, leniently: undefined when it is missing or not JSON (a skeleton). */
async function readLenient(configFile: string): Promise<Record<string, unknown> | undefined> {
  const raw = await readFile(configFile, 'utf8').catch(() => undefined);
  try {
    const value: unknown = raw === undefined ? undefined : JSON.parse(raw);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `stateDir` from the config file (relative to it), or the default when the file or key is missing. */
export async function stateDirOf(configFile: string): Promise<string> {
  const stateDir = (await readLenient(configFile))?.stateDir;
  return typeof stateDir === 'string' && stateDir !== ''
    ? path.resolve(path.dirname(configFile), stateDir)
    : DEFAULT_STATE_DIR;
}

/** The viewer's HTTPS certificate and key (`stream.tls`), which a wipe removes with the config. */
export async function httpsFilesOf(configFile: string): Promise<string[]> {
  const stream = (await readLenient(configFile))?.stream as { tls?: Record<string, unknown> } | undefined;
  return [stream?.tls?.certFile, stream?.tls?.keyFile]
    .filter((f): f is string => typeof f === 'string' && f !== '')
    .map((f) => path.resolve(path.dirname(configFile), f));
}

/** The Home Assistant discovery prefix when the config enables discovery (`mqtt.homeAssistant`). */
export async function homeAssistantPrefixOf(configFile: string): Promise<string | undefined> {
  const mqtt = (await readLenient(configFile))?.mqtt as
    | { homeAssistant?: Record<string, unknown> }
    | undefined;
  const ha = mqtt?.homeAssistant;
  if (ha?.enabled !== true) return undefined;
  return typeof ha.prefix === 'string' && ha.prefix !== '' ? ha.prefix : 'homeassistant';
}

export async function registerVerb(args: string[], io: CliIo): Promise<number> {
  const configFile = configPathOf(args);
  return runRegister(args, {
    ...io,
    stateDir: await stateDirOf(configFile),
    configFile,
    run: runProcess,
    now: () => new Date(),
    connect: brokerConnector(),
  });
}

async function serviceActive(): Promise<boolean> {
  const r = await runProcess('systemctl', ['is-active', 'nattsyn.service']);
  return r.code === 0 && r.stdout.trim() === 'active';
}

async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export async function wipeVerb(args: string[], io: CliIo): Promise<number> {
  const configFile = configPathOf(args);
  const stateDir = await stateDirOf(configFile);
  return runWipe(args, {
    ...io,
    stateDir,
    configFiles: [configFile, ...(await httpsFilesOf(configFile))],
    homeAssistantPrefix: await homeAssistantPrefixOf(configFile),
    openAudit: async () => {
      const audit = new AuditLog({ store: new FsStore(stateDir), sha256: sha256Hex, time: systemTime });
      await audit.open();
      return audit;
    },
    connect: brokerConnector(),
    serviceActive,
    now: () => new Date(),
    prompt: process.stdin.isTTY ? prompt : undefined,
  });
}

/** The hardware the self-test drives, built by the composition root from the config (camera driver, GPIO). */
export interface SelftestHardware {
  camera: CameraSource;
  illuminator?: IlluminatorProbe | undefined;
  gpioLines: GpioLine[];
}

export function selftestVerb(hardware: (configFile: string) => Promise<SelftestHardware>) {
  return async (args: string[], io: CliIo): Promise<number> => {
    const configFile = configPathOf(args);
    const stateDir = await stateDirOf(configFile);
    const store = new FsStore(stateDir);
    const registration = await loadRegistration(stateDir).catch(() => undefined);
    const deviceId = registration?.registration.deviceId;
    const now = () => new Date();
    return runSelftest(args, {
      ...io,
      now,
      monotonic: systemTime.monotonic,
      checks: async () => ({
        deviceId,
        checks: buildSelftestChecks({
          ...(await hardware(configFile)),
          registration,
          isClockSynced: timesyncProbe(TIMESYNC_FLAG),
          policy: registration
            ? storedPolicy(store, registration.policyKey, registration.registration.deviceId)
            : async () => undefined,
          stateDir,
          run: runProcess,
          now,
          includeServiceCheck: true,
          configProblem: await configProblemOf(configFile),
        }),
      }),
      openAimingWindow: () => new InstallWindow({ store, time: systemTime }).open('selftest'),
    });
  };
}
