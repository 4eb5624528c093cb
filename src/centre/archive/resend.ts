/**
 * Asking a device to send again. A gap (records stored past the verified head) first waits a grace
 * period: another archive instance may be storing the missing record right now. If the gap is still
 * there, the device is asked to resend from the head; the question is repeated, with the wait
 * doubling up to 10 minutes, until the head moves past it. Only the database is trusted for the
 * state, so instances sharing the load agree.
 */
import type { Logger, TimerHandle, Timers } from '../../platform/ports.ts';
import type { ChainHead } from './chain.ts';

export const MAX_RESEND_INTERVAL_MS = 600_000;

export interface ResendDeps {
  timers: Timers;
  log: Logger;
  graceMs: number;
  intervalMs: number;
  /** The device's verified head and highest stored seq, as the database says now. */
  progress(deviceId: string): Promise<{ head: ChainHead; highestSeq: number } | undefined>;
  request(deviceId: string, fromSeq: number): Promise<void>;
}

interface Watch {
  timer: TimerHandle | undefined;
  lastFrom: number | undefined;
  delay: number;
}

export class ResendScheduler {
  readonly #d: ResendDeps;
  readonly #watches = new Map<string, Watch>();
  #stopped = false;
  requested = 0;

  constructor(deps: ResendDeps) {
    this.#d = deps;
  }

  /** Called after every commit with the device's head and highest stored `seq`. */
  note(deviceId: string, head: ChainHead, highestSeq: number): void {
    if (this.#stopped) return;
    const watch = this.#watches.get(deviceId);
    if (highestSeq <= head.seq) {
      if (watch?.timer !== undefined) this.#d.timers.clearTimeout(watch.timer);
      this.#watches.delete(deviceId);
      return;
    }
    if (watch) return;
    const fresh: Watch = { timer: undefined, lastFrom: undefined, delay: this.#d.intervalMs };
    this.#watches.set(deviceId, fresh);
    this.#schedule(deviceId, fresh, this.#d.graceMs);
  }

  stop(): void {
    this.#stopped = true;
    for (const watch of this.#watches.values()) {
      if (watch.timer !== undefined) this.#d.timers.clearTimeout(watch.timer);
    }
    this.#watches.clear();
  }

  #schedule(deviceId: string, watch: Watch, ms: number): void {
    watch.timer = this.#d.timers.setTimeout(() => {
      watch.timer = undefined;
      void this.#check(deviceId, watch);
    }, ms);
  }

  async #check(deviceId: string, watch: Watch): Promise<void> {
    let progress: Awaited<ReturnType<ResendDeps['progress']>>;
    try {
      progress = await this.#d.progress(deviceId);
    } catch (error) {
      this.#d.log.warn({ deviceId, err: String(error) }, 'archive progress unreadable; asking later');
      if (!this.#stopped && this.#watches.get(deviceId) === watch)
        this.#schedule(deviceId, watch, watch.delay);
      return;
    }
    if (this.#stopped || this.#watches.get(deviceId) !== watch) return;
    if (!progress || progress.highestSeq <= progress.head.seq) {
      this.#watches.delete(deviceId);
      return;
    }
    const fromSeq = progress.head.seq + 1;
    watch.delay =
      watch.lastFrom === fromSeq ? Math.min(watch.delay * 2, MAX_RESEND_INTERVAL_MS) : this.#d.intervalMs;
    watch.lastFrom = fromSeq;
    try {
      await this.#d.request(deviceId, fromSeq);
      this.requested += 1;
      this.#d.log.info({ deviceId, fromSeq, highestSeq: progress.highestSeq }, 'asked the device to resend');
    } catch (error) {
      this.#d.log.warn({ deviceId, err: String(error) }, 'resend request not sent');
    }
    if (!this.#stopped && this.#watches.get(deviceId) === watch) this.#schedule(deviceId, watch, watch.delay);
  }
}
