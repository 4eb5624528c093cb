/**
 * The `cmd/selftest` command inside the running service: the same checks as `nattsyn selftest`,
 * on the service's own camera, lent so the check may start it but only stops it again when it
 * started it and nobody is watching (the camera schedule stays in charge of windows).
 */
import type { CameraSource } from '../camera/types.ts';
import type { Time } from '../platform/time.ts';
import type { DurableStore } from '../policy/index.ts';
import { buildSelftestChecks } from './checks.ts';
import { type GpioLine, gpioLinesOf } from './probes.ts';
import { runProcess } from './process.ts';
import { loadRegistration } from './registration.ts';
import { type FlatResult, runSelftestChecks, selftestCommandHandler } from './selftest.ts';
import { storedPolicy } from './systemProbes.ts';

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
