/**
 * The self-test's fixed order, built from what the composition root has: registration first (the
 * rest depends on it), then the camera and what hangs off it, then the device's surroundings.
 * A probe left out (no IR illuminator on this board) is simply not listed.
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
}

export function buildSelftestChecks(w: SelftestWiring): SelftestCheck[] {
  const checks: SelftestCheck[] = [registrationCheck(w.registration, w.now), cameraCheck(w.camera)];
  if (w.illuminator) checks.push(irCheck(w.illuminator));
  checks.push(
    gpioCheck(w.gpioLines, w.gpioSysfsRoot),
    clockCheck(w.isClockSynced),
    brokerCheck({ registration: w.registration }),
    policyCheck(w.policy),
    diskCheck(w.stateDir),
  );
  if (w.includeServiceCheck) checks.push(serviceCheck(w.run));
  return checks;
}
