/**
 * What keeps a flood of inbound messages cheap (issue 13): the bounded queue they wait in and the
 * budget of refusals answered one by one.
 *
 * Where inbound messages wait to be handled, one at a time (issue 13: 10,000 garbage messages left
 * a backlog of minutes, each one costing an fsynced audit record and an answer). The queue is
 * bounded: past `max` waiting messages a new one is dropped and counted. Policies coalesce: only
 * the newest waiting policy is kept, since any older one would be refused as a rollback anyway.
 */
import type { Logger as Log } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';

export interface Inbound {
  suffix: string;
  text: string;
  retained: boolean;
}

export class InboundQueue {
  readonly #handle: (message: Inbound) => Promise<void>;
  readonly #log: Log;
  readonly #max: number;
  readonly #onDrop: (message: Inbound) => void;
  readonly #waiting: Inbound[] = [];
  #running: Promise<void> | undefined;
  /** Messages dropped because the queue was full; policies replaced by a newer one. */
  dropped = 0;
  coalesced = 0;

  constructor(
    handle: (message: Inbound) => Promise<void>,
    log: Log,
    max: number,
    onDrop: (message: Inbound) => void = () => undefined,
  ) {
    this.#handle = handle;
    this.#log = log;
    this.#max = max;
    this.#onDrop = onDrop;
  }

  get length(): number {
    return this.#waiting.length;
  }

  push(message: Inbound): void {
    if (message.suffix === 'policy') {
      const older = this.#waiting.findIndex((m) => m.suffix === 'policy');
      if (older >= 0) {
        this.#waiting.splice(older, 1);
        this.coalesced += 1;
      }
    } else if (this.#waiting.length >= this.#max) {
      this.dropped += 1;
      this.#onDrop(message);
      // One line per burst, not per message: the flood must not fill the journal either.
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.#log.warn({ dropped: this.dropped, max: this.#max }, 'inbound queue full; messages dropped');
      return;
    }
    this.#waiting.push(message);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Forgets what waits and resolves once the message in hand is done. */
  async clear(): Promise<void> {
    this.#waiting.length = 0;
    await this.#running;
  }

  async #drain(): Promise<void> {
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) {
      await this.#handle(next).catch((error) =>
        this.#log.error({ err: String(error) }, 'inbound message failed'),
      );
    }
  }
}

/**
 * How many refused commands are answered and audited one by one (issue 13: each garbage message
 * cost an fsynced audit record and an answer, so garbage could fill the log and the uplink). Within
 * a window of `windowMs` on the monotonic clock, the first `perWindow` refusals are; the rest are
 * counted by code and written as one record when the window ends, so every refusal is still in
 * the audit trail, as a count.
 */
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
