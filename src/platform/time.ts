/**
 * The one time port (after matter.js's `Time`): wall-clock and monotonic instants as branded values,
 * and named timers. Every part that reads the clock or waits takes a `Time` (or the part of it it
 * needs) by injection, so tests drive time with `ManualTime` (test/fixtures/time.ts) and never sleep.
 * `systemTime` is the real one: Node's wall clock, `performance.now()` and timers (globals only).
 * `ClockSync` says whether the wall clock can be trusted yet (the gate refuses until it can).
 */
import { Emitter } from './emitter.ts';

/** A wall-clock instant, epoch milliseconds. NTP may step it; never measure durations with it. */
export type EpochMillis = number & { readonly __unit: 'epoch-ms' };
/** A monotonic instant in milliseconds from an arbitrary origin: for durations and session cuts. */
export type MonoMillis = number & { readonly __unit: 'mono-ms' };
/** A duration in milliseconds. */
export type Millis = number & { readonly __unit: 'ms' };

export const epochMillis = (n: number): EpochMillis => n as EpochMillis;
export const monoMillis = (n: number): MonoMillis => n as MonoMillis;
export const millis = (n: number): Millis => n as Millis;
export const seconds = (n: number): Millis => (n * 1000) as Millis;
export const minutes = (n: number): Millis => (n * 60_000) as Millis;

/** Both clocks. */
export interface Clock {
  /** Wall-clock time (may jump when NTP steps it). */
  now(): EpochMillis;
  /** Monotonic time, for measuring durations and cutting sessions. */
  monotonic(): MonoMillis;
}

/** A pending timer. The name says what it is for (logs, and tests that list what is pending). */
export interface Timer {
  readonly name: string;
  /** Idempotent; a cancelled timer never fires. */
  cancel(): void;
}

export interface Timers {
  /** Runs `fn` once, `ms` from now. */
  timeout(name: string, ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  interval(name: string, ms: number, fn: () => void): Timer;
}

/** The port itself: what `systemTime` and the tests' `ManualTime` implement. */
export interface Time extends Clock, Timers {}

/**
 * Settles like `promise`, or rejects with `Error(message)` after `ms`; the timer is cancelled
 * either way so nothing keeps the process alive. The promise itself is not cancelled.
 */
export function withTimeout<T>(
  time: Pick<Timers, 'timeout'>,
  promise: Promise<T>,
  ms: number,
  message = 'timed out',
): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = time.timeout('with-timeout', ms, () => reject(new Error(message)));
  });
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}

/**
 * Node's timers hold at most 2^31 - 1 ms (24.8 days) and fire a longer one after 1 ms, with only a
 * warning. A pause may run 30 days and a window may lie further ahead than that, so a longer wait is
 * slept in steps of at most that size.
 */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

function realTimeout(name: string, ms: number, fn: () => void): Timer {
  const due = performance.now() + Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = due - performance.now();
    handle =
      left > MAX_TIMER_STEP_MS ? setTimeout(arm, MAX_TIMER_STEP_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return { name, cancel: () => clearTimeout(handle) };
}

function realInterval(name: string, ms: number, fn: () => void): Timer {
  // Every interval here is seconds to minutes; one past the limit repeats at the limit, not every 1 ms.
  const handle = setInterval(fn, Math.min(Math.max(1, ms), MAX_TIMER_STEP_MS));
  return { name, cancel: () => clearInterval(handle) };
}

/** The real `Time`. Only main.ts, the CLI and defaults pick it; tests pass ManualTime. */
export const systemTime: Time = {
  now: () => epochMillis(Date.now()),
  monotonic: () => monoMillis(performance.now()),
  timeout: realTimeout,
  interval: realInterval,
};

/**
 * Whether the wall clock can be trusted (ClockSync): systemd-timesyncd creates a flag file once NTP has synced
 * (the Pi has no battery clock). The file is re-read every few seconds (another process owns it)
 * and a change is announced, so the gate, the camera schedule and health never poll it themselves.
 */
/** How often the flag is re-read. */
export const CLOCK_PROBE_MS = 5_000;

export interface ClockSyncDeps {
  /** Reads the flag (platform/system.ts `timesyncProbe`). */
  probe: () => Promise<boolean>;
  /** Demo and development machines only: trusted without NTP, never re-read. */
  assumeSynced: boolean;
  time: Pick<Time, 'interval'>;
  onChangeLog?: (synced: boolean) => void;
}

export class ClockSync {
  readonly #d: ClockSyncDeps;
  readonly #changed = new Emitter<[boolean]>();
  #synced = false;
  #timer: Timer | undefined;

  constructor(deps: ClockSyncDeps) {
    this.#d = deps;
  }

  /** The latest reading (false until `start` has read it once). */
  synced = (): boolean => this.#synced;

  onChange(listener: (synced: boolean) => void): () => void {
    return this.#changed.on(listener);
  }

  async start(): Promise<void> {
    if (this.#d.assumeSynced) {
      this.#synced = true;
      return;
    }
    this.#synced = await this.#d.probe();
    this.#timer ??= this.#d.time.interval('clock-probe', CLOCK_PROBE_MS, () => void this.#read());
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  async #read(): Promise<void> {
    const synced = await this.#d.probe();
    if (synced === this.#synced) return;
    this.#synced = synced;
    this.#d.onChangeLog?.(synced);
    this.#changed.emit(synced);
  }
}
