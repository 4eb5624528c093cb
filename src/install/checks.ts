/**
 * The self-test's fixed order, built from what the composition root has: the config file and the
 * registration first (the rest depends on them), then the camera and what hangs off it, then the
 * device's surroundings. A probe left out (no IR illuminator on this board) is simply not listed; a
 * probe that cannot measure because one it needs failed is listed as skipped.
 */
import type { CameraSource } from '../camera/types.ts';
import type { PolicyVerdict } from '../policy/index.ts';
import { cameraCheck, type GpioLine, gpioCheck, type IlluminatorProbe, irCheck } from './probes.ts';
import type { RunProcess } from './process.ts';
import type { LoadedRegistration } from './registration.ts';
import type { SelftestCheck } from './selftest.ts';
import {
  brokerCheck,
  clockCheck,
  configCheck,
  diskCheck,
  policyCheck,
  registrationCheck,
  serviceCheck,
} from './systemProbes.ts';

export interface SelftestWiring {
  registration: LoadedRegistration | undefined;
  camera: CameraSource;
  illuminator?: IlluminatorProbe | undefined;
  gpioLines: readonly GpioLine[];
  gpioSysfsRoot?: string | undefined;
  isClockSynced: () => Promise<boolean>;
  /** The policy in force, verified for this device; undefined when none is installed. */
  policy: () => Promise<PolicyVerdict | undefined>;
  stateDir: string;
  run: RunProcess;
  now: () => Date;
  /** Inside the service (cmd/selftest) the service is evidently running: leave the check out. */
  includeServiceCheck: boolean;
  /** The config file the camera and GPIO settings came from (the CLI); the service has its own loaded. */
  configFile?: string | undefined;
}

export function buildSelftestChecks(w: SelftestWiring): SelftestCheck[] {
  // Camera and GPIO lines come from the config file: without it they would be tested with defaults.
  const fromConfig = (check: SelftestCheck): SelftestCheck =>
    w.configFile === undefined ? check : { ...check, needs: [...(check.needs ?? []), 'config'] };
  const checks: SelftestCheck[] = [
    ...(w.configFile === undefined ? [] : [configCheck(w.configFile)]),
    registrationCheck(w.registration, w.now),
    fromConfig(cameraCheck(w.camera)),
  ];
  if (w.illuminator) checks.push(fromConfig(irCheck(w.illuminator)));
  checks.push(
    fromConfig(gpioCheck(w.gpioLines, w.gpioSysfsRoot)),
    clockCheck(w.isClockSynced),
    brokerCheck({ registration: w.registration }),
    policyCheck(w.policy),
    diskCheck(w.stateDir),
  );
  if (w.includeServiceCheck) checks.push(serviceCheck(w.run));
  return checks;
}
