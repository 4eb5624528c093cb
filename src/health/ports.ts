/**
 * What the health folder needs from the world: timers and a logger, injected so tests drive time,
 * and the one timeout helper its modules share.
 */

import { type Logger, realTimers, silentLogger, type TimerHandle, type Timers } from '../platform/ports.ts';

export { realTimers, type TimerHandle, type Timers };
export type Log = Logger;
export const silentLog: Log = silentLogger;

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
