/** A wall clock and timers (timeouts and intervals) that move only when the test moves them. */
import type { TimerHandle, Timers } from '../../src/platform/ports.ts';

export class ManualTime implements Timers {
  #now: number;
  readonly #timers = new Map<number, { at: number; fn: () => void; every: number | undefined }>();
  #next = 1;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now = (): number => this.#now;

  get pending(): number {
    return this.#timers.size;
  }

  setTimeout = (fn: () => void, ms: number): TimerHandle => this.#add(fn, ms, undefined);
  setInterval = (fn: () => void, ms: number): TimerHandle => this.#add(fn, ms, ms);
  clearTimeout = (handle: TimerHandle): void => void this.#timers.delete(handle as unknown as number);
  clearInterval = (handle: TimerHandle): void => void this.#timers.delete(handle as unknown as number);

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.#now = timer.at;
      if (timer.every === undefined) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(ms, 1), fn, every });
    return id as unknown as TimerHandle;
  }
}
