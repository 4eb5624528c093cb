/** What the camera folder needs from the world, as small interfaces tests replace. */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

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

/** Minimal logger shape (pino satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
