/**
 * What the health folder needs from the world: timers and a logger, injected so tests drive time,
 * and the one timeout helper its modules share.
 */

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h),
};

type LogFn = (obj: object, msg?: string) => void;

/** The subset of pino's Logger the health folder uses. */
export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;
export const silentLog: Log = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Settles like `promise`, or rejects with `Error(message)` after `ms`; the timer is cleared either
 * way so nothing keeps the process alive. The promise itself is not cancelled.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message = 'timed out',
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'> = realTimers,
): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) timers.clearTimeout(timer);
  });
}
