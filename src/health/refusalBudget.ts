/**
 * How many refused commands are answered and audited one by one (issue 13: each garbage message
 * cost an fsynced audit record and an answer, so garbage could fill the log and the uplink). Within
 * a window of `windowMs` on the monotonic clock, the first `perWindow` refusals are; the rest are
 * counted by code and written as one record when the window ends, so every refusal is still in
 * the audit trail, as a count.
 */
import type { Time, Timer } from '../platform/time.ts';

export type RefusalSummary = Record<string, number>;

export class RefusalBudget {
  readonly #time: Pick<Time, 'monotonic' | 'timeout'>;
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #flush: (counts: RefusalSummary, total: number) => Promise<void>;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #counts: RefusalSummary = {};
  #total = 0;
  #timer: Timer | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    time: Pick<Time, 'monotonic' | 'timeout'>,
    limits: { perWindow: number; windowMs: number },
    flush: (counts: RefusalSummary, total: number) => Promise<void>,
  ) {
    this.#time = time;
    this.#perWindow = limits.perWindow;
    this.#windowMs = limits.windowMs;
    this.#flush = flush;
  }

  /** Whether this refusal may be answered and audited on its own; otherwise it is counted. */
  take(code: string): boolean {
    const now = this.#time.monotonic();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used < this.#perWindow) {
      this.#used += 1;
      return true;
    }
    this.count(code);
    return false;
  }

  /** Counts a refusal that is never answered on its own (a message dropped unread). */
  count(code: string): void {
    const now = this.#time.monotonic();
    if (now - this.#windowStart >= this.#windowMs) this.#windowStart = now;
    this.#counts[code] = (this.#counts[code] ?? 0) + 1;
    this.#total += 1;
    this.#timer ??= this.#time.timeout('inbound-refusals', this.#windowStart + this.#windowMs - now, () => {
      this.#timer = undefined;
      void this.#writeSummary();
    });
  }

  /** Writes what is counted now (on stop) and waits for the writes in flight. */
  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#writeSummary();
  }

  #writeSummary(): Promise<void> {
    if (this.#total === 0) return this.#flushing;
    const counts = this.#counts;
    const total = this.#total;
    this.#counts = {};
    this.#total = 0;
    this.#flushing = this.#flushing.then(() => this.#flush(counts, total)).catch(() => undefined);
    return this.#flushing;
  }
}
