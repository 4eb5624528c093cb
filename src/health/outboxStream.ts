/**
 * A stream delivered on the broker's PUBACK (the event queue): strictly in `seq` order and at least
 * once. It publishes a small window of records (MQTT keeps their order on one connection), waits for
 * each PUBACK in turn and only then moves its durable cursor; after a disconnect it starts again
 * from the cursor, so a crash can repeat a record but never skip one. The audit log goes further
 * and waits for the archive's own acknowledgement (auditDelivery.ts).
 */
import type { Logger as Log } from '../platform/ports.ts';
import type { Time } from '../platform/time.ts';
import { Pump } from './pump.ts';

/** What the stream reads from: the EventQueue fits. */
export interface OutboxSource<R extends { seq: number }> {
  readAfter(afterSeq: number, limit: number): Promise<R[]>;
  deliveredSeq(): Promise<number>;
  markDelivered(record: R): Promise<void>;
  onAppend(listener: (record: R) => void): () => void;
}

export { STORE_RETRY } from './pump.ts';

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
  readonly #pump: Pump;
  delivered = 0;
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
    this.#pump = new Pump(() => this.#drain(), time, log);
  }

  /** Store failures in a row; 0 after a drain that completes. */
  get failures(): number {
    return this.#pump.failures;
  }

  start(): () => void {
    this.#pump.active = true;
    return this.#source.onAppend(() => this.kick());
  }

  kick(): void {
    this.#pump.kick();
  }

  stop(): Promise<void> {
    return this.#pump.stop();
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
    this.#pump.retryLater(this.refusals - 1);
  }

  /**
   * Reads a batch after the cursor and publishes it `window` records at a time, each window's
   * PUBACKs awaited in order. The cursor is written (fsync) once per batch and when a publish
   * fails, so a crash repeats at most one batch and never skips a record.
   */
  async #drain(): Promise<void> {
    let cursor = await this.#source.deliveredSeq();
    while (this.#pump.active) {
      const batch = await this.#source.readAfter(cursor, this.#window * BATCH_WINDOWS);
      if (batch.length === 0) return;
      let acked: R | undefined;
      try {
        for (let i = 0; i < batch.length && this.#pump.active; i += this.#window) {
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
