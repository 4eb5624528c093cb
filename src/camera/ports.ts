/** What the camera folder needs from the world, as small interfaces tests replace. */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import {
  type Logger,
  type Timers as PlatformTimers,
  realTimers,
  silentLogger,
  type TimerHandle,
} from '../platform/ports.ts';

export type Timers = Pick<PlatformTimers, 'setTimeout' | 'clearTimeout'>;
export type { TimerHandle };
export const systemTimers: Timers = realTimers;

/** Monotonic and wall-clock milliseconds. */
export interface CameraClock {
  now(): number;
  monotonic(): number;
}

export const systemCameraClock: CameraClock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export { type Logger, silentLogger };
