/**
 * The two ways the self-test runs: `nattsyn selftest` at the device and `cmd/selftest` from the
 * centre inside the running service (below), both over the same checks (checks.ts, selftest.ts).
 *
 * `nattsyn selftest` runs the checks the composition root builds, prints the report (or `--json`),
 * exits 1 when a check failed. A local run means an installer is at the device, so it reopens the
 * 10-minute aiming window; the remote `cmd/selftest` never does.
 */

import type { CameraSource } from '../camera/types.ts';
import { type CliIo, EXIT_FAILURE, EXIT_OK, exitCodeOf, parse } from '../platform/cliIo.ts';
import type { Time } from '../platform/time.ts';
import type { DurableStore, EpochMillis } from '../policy/index.ts';
import { buildSelftestChecks } from './checks.ts';
import { type GpioLine, gpioLinesOf } from './probes.ts';
import { runProcess } from './process.ts';
import { loadRegistration } from './registration.ts';
import {
  type FlatResult,
  formatReport,
  runSelftestChecks,
  type SelftestCheck,
  selftestCommandHandler,
} from './selftest.ts';
import { storedPolicy } from './systemProbes.ts';

export interface SelftestIo extends CliIo {
  /** The device id (undefined before registration) and its checks, built by the composition root. */
  checks(): Promise<{ deviceId: string | undefined; checks: SelftestCheck[] }>;
  now: () => Date;
  monotonic: () => number;
  /** Opens the aiming window (InstallWindow.open('selftest')); left out where there is no state dir. */
  openAimingWindow?: (() => Promise<EpochMillis>) | undefined;
}

export const SELFTEST_HELP = `Usage: nattsyn selftest [--json] [--config FILE]

Checks, in order: registration and certificate (after the config file, named, when it is missing or
not JSON), camera present and delivering frames, IR illuminator lights a dark scene, GPIO lines
present, clock synchronised, broker reachable over TLS with the device certificate, policy valid for
this device, disk space, service running.
Prints a fix for each failed check and exits 1 if any failed; a check that measures through a failed
one (the IR illuminator through the camera) is shown as SKIP with the reason. Afterwards an install
token may preview the camera for 10 minutes.

  --json         the report as JSON on stdout
  --config FILE  the service config (default /etc/nattsyn/config.json)
  -h, --help     this text
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  /** Read by the composition root (which config to test); accepted here so parsing stays strict. */
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function runSelftest(args: readonly string[], io: SelftestIo): Promise<number> {
  return exitCodeOf(io, async () => {
    const v = parse(args, OPTIONS);
    if (v.help) {
      io.out(SELFTEST_HELP);
      return EXIT_OK;
    }
    const { deviceId, checks } = await io.checks();
    const report = await runSelftestChecks(checks, deviceId, io);
    io.out(v.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (deviceId !== undefined && io.openAimingWindow) {
      const until = await io.openAimingWindow();
      if (!v.json)
        io.out(`Aiming preview open for an install token until ${new Date(until).toISOString()}.\n`);
    }
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  });
}

/**
 * The `cmd/selftest` command inside the running service: the same checks as `nattsyn selftest`,
 * on the service's own camera, lent so the check may start it but only stops it again when it
 * started it and nobody is watching (the camera schedule stays in charge of windows).
 */
export interface RemoteSelftestDeps {
  deviceId: string;
  stateDir: string;
  state: DurableStore;
  policyKey: Parameters<typeof storedPolicy>[1];
  camera: CameraSource;
  /** A session lives: the lent camera is not stopped under it. */
  inUse: () => boolean;
  gpio: Parameters<typeof gpioLinesOf>[0] & { sysfsRoot: string };
  isClockSynced: () => Promise<boolean>;
  time: Pick<Time, 'now' | 'monotonic'>;
}

export function remoteSelftestCommand(d: RemoteSelftestDeps): (command: unknown) => Promise<FlatResult> {
  const camera = borrowedCamera(d.camera, d.inUse);
  return selftestCommandHandler(async () => {
    const registration = await loadRegistration(d.stateDir).catch(() => undefined);
    const gpioLines: readonly GpioLine[] = gpioLinesOf(d.gpio);
    const checks = buildSelftestChecks({
      registration,
      camera,
      gpioLines,
      gpioSysfsRoot: d.gpio.sysfsRoot,
      isClockSynced: d.isClockSynced,
      policy: storedPolicy(d.state, d.policyKey, d.deviceId),
      stateDir: d.stateDir,
      run: runProcess,
      now: () => new Date(d.time.now()),
      includeServiceCheck: false,
    });
    return runSelftestChecks(checks, d.deviceId, {
      now: () => new Date(d.time.now()),
      monotonic: () => d.time.monotonic(),
    });
  });
}

/** The camera lent to the check: started only if stopped, stopped again only if unused. */
export function borrowedCamera(camera: CameraSource, inUse: () => boolean): CameraSource {
  let startedByUs = false;
  return {
    ...camera,
    status: () => camera.status(),
    onAccessUnit: (l) => camera.onAccessUnit(l),
    onStatus: (l) => camera.onStatus(l),
    start: async () => {
      startedByUs = camera.status().state === 'stopped';
      if (startedByUs) await camera.start();
    },
    stop: async () => {
      if (startedByUs && !inUse()) await camera.stop();
      startedByUs = false;
    },
  };
}
