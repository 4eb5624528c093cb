/**
 * A stream delivered on the broker's PUBACK (the event queue): strictly in `seq` order and at least
 * once. It publishes a small window of records (MQTT keeps their order on one connection), waits for
 * each PUBACK in turn and only then moves its durable cursor; after a disconnect it starts again
 * from the cursor, so a crash can repeat a record but never skip one. The audit log goes further
 * and waits for the archive's own acknowledgement (auditDelivery.ts).
 */
import { Backoff } from '../platform/backoff.ts';
import type { Logger as Log } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';

/** What the stream reads from: the EventQueue fits. */
export interface OutboxSource<R extends { seq: number }> {
  readAfter(afterSeq: number, limit: number): Promise<R[]>;
  deliveredSeq(): Promise<number>;
  markDelivered(record: R): Promise<void>;
  onAppend(listener: (record: R) => void): () => void;
}

/**
 * After a store failure (ENOSPC, EIO, a corrupt line) or a refused publish, the stream retries on
 * the next kick or reconnect, and by itself after a delay doubling from 1 s to a 60 s cap: the
 * device stays up and keeps trying without spinning on a broken disk or a refusing broker.
 */
export const STORE_RETRY = new Backoff({ initialMs: 1000, factor: 2, maxMs: 60_000 });

/**
 * The MQTT 5 reason code of a PUBACK that refused a publish (0x80 and above: 0x87 not authorized,
 * 0x97 quota exceeded, …); undefined for any other failure (offline, a dropped connection).
 */
export function refusalCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 0x80 ? code : undefined;
}

/** Windows per batch read from disk: the cursor is written once per batch. */
const BATCH_WINDOWS = 10;

export class OutboxStream<R extends { seq: number }> {
  readonly #source: OutboxSource<R>;
  readonly #publish: (record: R) => Promise<void>;
  readonly #window: number;
  readonly #log: Log;
  readonly #time: Time;
  #running: Promise<void> | undefined;
  #again = false;
  #active = false;
  #retry: Timer | undefined;
  delivered = 0;
  /** Store failures in a row; 0 after a drain that completes. */
  failures = 0;
  /** Publishes the broker refused (a PUBACK reason code of 0x80 or more). */
  refusals = 0;

  constructor(
    source: OutboxSource<R>,
    publish: (record: R) => Promise<void>,
    window: number,
    log: Log,
    time: Time,
  ) {
    this.#source = source;
    this.#publish = publish;
    this.#window = window;
    this.#log = log;
    this.#time = time;
  }

  start(): () => void {
    this.#active = true;
    return this.#source.onAppend(() => this.kick());
  }

  kick(): void {
    if (!this.#active) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#clearRetry();
    this.#running = this.#drain()
      .then(
        () => {
          this.failures = 0;
        },
        (error: unknown) => this.#storeFailed(error),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) this.kick();
      });
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#clearRetry();
    await this.#running;
  }

  /** A store call threw: log it (the error, never a record) and retry after a bounded delay. */
  #storeFailed(error: unknown): void {
    this.failures += 1;
    const code = (error as { code?: unknown } | undefined)?.code;
    this.#log.warn(
      { err: String(error), code: typeof code === 'string' ? code : undefined, failures: this.failures },
      'outbox store failed; retrying',
    );
    this.#retryLater(this.failures - 1);
  }

  #retryLater(attempt: number): void {
    if (!this.#active) return;
    this.#retry = this.#time.timeout('outbox-retry', STORE_RETRY.delay(attempt), () => {
      this.#retry = undefined;
      this.kick();
    });
  }

  #clearRetry(): void {
    this.#retry?.cancel();
    this.#retry = undefined;
  }

  /** A publish failed: offline waits for the reconnect; a refusal is logged and retried later. */
  #publishFailed(error: unknown): void {
    const code = refusalCode(error);
    if (code === undefined) {
      this.#log.debug({ err: String(error) }, 'outbox paused until reconnect');
      return;
    }
    this.refusals += 1;
    this.#log.warn({ reasonCode: code, refusals: this.refusals }, 'the broker refused an event; retrying');
    this.#retryLater(this.refusals - 1);
  }

  /**
   * Reads a batch after the cursor and publishes it `window` records at a time, each window's
   * PUBACKs awaited in order. The cursor is written (fsync) once per batch and when a publish
   * fails, so a crash repeats at most one batch and never skips a record.
   */
  async #drain(): Promise<void> {
    let cursor = await this.#source.deliveredSeq();
    while (this.#active) {
      const batch = await this.#source.readAfter(cursor, this.#window * BATCH_WINDOWS);
      if (batch.length === 0) return;
      let acked: R | undefined;
      try {
        for (let i = 0; i < batch.length && this.#active; i += this.#window) {
          const chunk = batch.slice(i, i + this.#window);
          const acks = chunk.map((r) => this.#publish(r));
          for (const ack of acks) ack.catch(() => undefined);
          for (const [j, ack] of acks.entries()) {
            await ack;
            acked = chunk[j];
          }
        }
      } catch (error) {
        this.#publishFailed(error);
        return;
      } finally {
        if (acked) {
          this.delivered += acked.seq - cursor;
          await this.#source.markDelivered(acked);
          cursor = acked.seq;
        }
      }
    }
  }
}
