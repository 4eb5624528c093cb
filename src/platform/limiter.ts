/**
 * Requests per key per minute (a sliding window on the monotonic clock). Every relayed request
 * arrives from the centre's one connection, so an address says nothing: the relay limits per staff
 * subject and for the whole device instead.
 */
import type { Clock } from '../platform/time.ts';

const WINDOW_MS = 60_000;

export class PerMinuteLimiter {
  readonly #max: number;
  readonly #time: Pick<Clock, 'monotonic'>;
  readonly #seen = new Map<string, number[]>();

  constructor(max: number, time: Pick<Clock, 'monotonic'>) {
    this.#max = max;
    this.#time = time;
  }

  /** Counts one request for `key`; false when the key has used its minute. */
  take(key: string): boolean {
    const now = this.#time.monotonic();
    const recent = (this.#seen.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length >= this.#max) {
      this.#seen.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#seen.set(key, recent);
    if (this.#seen.size > 10_000) this.#forgetIdle(now);
    return true;
  }

  #forgetIdle(now: number): void {
    for (const [key, times] of this.#seen)
      if (times.every((t) => now - t >= WINDOW_MS)) this.#seen.delete(key);
  }
}
