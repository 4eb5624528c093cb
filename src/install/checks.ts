/**
 * The self-test's fixed order, built from what the composition root has: registration first (the
 * rest depends on it; an unusable config file, when there is one, before it), then the camera and
 * what hangs off it, then the device's surroundings. A probe left out (no IR illuminator on this
 * board) is simply not listed; a probe that cannot measure because one it needs failed is listed
 * as skipped.
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
  /**
   * What is wrong with the config file the camera and GPIO settings come from (the CLI, see
   * configProblemOf); the service has its own loaded. When set, it is the first check, failed.
   */
  configProblem?: string | undefined;
}

export function buildSelftestChecks(w: SelftestWiring): SelftestCheck[] {
  // Camera and GPIO lines come from the config file: without it they would be tested with defaults.
  const fromConfig = (check: SelftestCheck): SelftestCheck =>
    w.configProblem === undefined ? check : { ...check, needs: [...(check.needs ?? []), 'config'] };
  const checks: SelftestCheck[] = [
    ...(w.configProblem === undefined ? [] : [configCheck(w.configProblem)]),
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
