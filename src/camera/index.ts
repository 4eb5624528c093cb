/** The camera folder's public surface: drivers, supervision, scheduling, GPIO indicators. */

import { Backoff } from '../platform/backoff.ts';
import type { Logger } from '../platform/ports.ts';
import type { Time } from '../platform/time.ts';
import { commandFor } from './commands.ts';
import { ProcessCameraSource, type ProcessSourceDeps } from './processSource.ts';
import { CameraSupervisor } from './supervisor.ts';
import type { CameraConfig } from './types.ts';

export { type Logger, silentLogger } from '../platform/ports.ts';
export { commandFor, rpicamCommand, syntheticCommand } from './commands.ts';
export {
  FakeGpio,
  type Gpio,
  type GpioInputs,
  type GpioOutputs,
  readGpioChips,
  SysfsGpio,
  sysfsNumber,
} from './gpio.ts';
export { PrivacyIndicators } from './indicators.ts';
export { PauseButton, type PauseButtonConfig } from './pauseButton.ts';
export { ProcessCameraSource, type Spawn } from './processSource.ts';
export { CameraScheduler } from './scheduler.ts';
export { decodeStrip, STRIP_JS } from './strip.ts';
export { CameraSupervisor } from './supervisor.ts';
export type { AccessUnit, CameraSource, CameraStatus } from './types.ts';
export { type CameraConfig, type CameraConfigInput, cameraConfigSchema } from './types.ts';

export interface CameraDeps extends ProcessSourceDeps {
  time?: Time;
  logger?: Logger;
}

/** One run of the configured driver (no restarts). */
export function createCameraSource(config: CameraConfig, deps: CameraDeps = {}): ProcessCameraSource {
  return new ProcessCameraSource(config.driver, commandFor(config), deps);
}

/** The configured driver under a supervisor: what the service runs. */
export function createSupervisedCamera(config: CameraConfig, deps: CameraDeps = {}): CameraSupervisor {
  return new CameraSupervisor({
    create: () => createCameraSource(config, deps),
    schedule: new Backoff(config.restart),
    stallMs: config.stallMs,
    ...(deps.time ? { time: deps.time } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
