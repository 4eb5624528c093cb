/**
 * The parts a process has started, and how it stops them (issue 9, items 2 and 11). A part is on the
 * stack before its `start()` runs, so a start that fails half-way (a health service whose link could
 * not dial) is stopped like the rest instead of keeping the process alive as a zombie. `stop()`
 * stops every part once, those named first in the order given and the others newest first, all
 * within one bound: a part that throws or overruns is logged and left behind, so the process always
 * reaches its exit before systemd's kill (TimeoutStopSec=15s) and the session ends are written.
 */
import type { Logger } from './ports.ts';
import { type Time, withTimeout } from './time.ts';

export interface Stoppable {
  stop(): unknown;
}

export interface Startable extends Stoppable {
  start(): unknown;
}

/** How long a whole stop may take: systemd kills at 15 s, and what is left must still exit. */
export const STOP_BOUND_MS = 10_000;

export interface PartStackDeps {
  time: Pick<Time, 'timeout' | 'monotonic'>;
  log: Logger;
  boundMs?: number;
}

interface Entry {
  name: string;
  part: Stoppable;
}

export class PartStack {
  readonly #d: PartStackDeps;
  readonly #entries: Entry[] = [];
  #stopping: Promise<void> | undefined;

  constructor(deps: PartStackDeps) {
    this.#d = deps;
  }

  /** Starts a part; it is stopped with the others even when its own start throws. */
  async start<P extends Startable>(name: string, part: P): Promise<P> {
    this.add(name, part);
    await part.start();
    return part;
  }

  /** A part started by other means (or that needs only stopping). */
  add(name: string, part: Stoppable): void {
    this.#entries.push({ name, part });
  }

  /**
   * Stops every part, `first` (by name, in that order) before the rest, newest first, within the
   * bound. Idempotent: a second call waits for the first.
   */
  stop(first: readonly string[] = []): Promise<void> {
    this.#stopping ??= this.#stopAll(first);
    return this.#stopping;
  }

  async #stopAll(first: readonly string[]): Promise<void> {
    const { time, log } = this.#d;
    const entries = this.#entries.splice(0).reverse();
    const rank = (e: Entry) => (first.includes(e.name) ? first.indexOf(e.name) : first.length);
    const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i);
    const deadline = time.monotonic() + (this.#d.boundMs ?? STOP_BOUND_MS);
    for (const { e } of ordered) {
      const left = Math.max(0, deadline - time.monotonic());
      const stopping = Promise.resolve().then(() => e.part.stop());
      try {
        await withTimeout(time, stopping, left, `${e.name} did not stop in time`);
      } catch (error) {
        log.error({ part: e.name, err: String(error) }, 'part did not stop cleanly');
      }
    }
  }
}
