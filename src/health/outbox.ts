/**
 * The outbox: delivers the audit log and the event queue to the centre, each strictly in `seq`
 * order and at least once. A stream publishes a small window of records (MQTT keeps their order on
 * one connection), waits for each PUBACK in turn and only then moves its durable cursor; after a
 * disconnect it starts again from the cursor, so a crash can repeat a record but never skip one.
 */

import { Backoff } from '../platform/backoff.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, type Timer, withTimeout } from '../platform/time.ts';
import type { AuditRecord } from '../policy/index.ts';
import type { MqttLink } from './link.ts';
import type { EventPayload } from './payloads.ts';

/** What the outbox reads from: AuditLog and EventQueue both fit. */
export interface OutboxSource<R extends { seq: number }> {
  readAfter(afterSeq: number, limit: number): Promise<R[]>;
  deliveredSeq(): Promise<number>;
  markDelivered(record: R): Promise<void>;
  onAppend(listener: (record: R) => void): () => void;
}

export interface OutboxDeps {
  link: Pick<MqttLink, 'publish' | 'onConnect' | 'connected' | 'topics'>;
  audit: OutboxSource<AuditRecord>;
  events: OutboxSource<EventPayload>;
  log?: Log;
  /** Records in flight at once (stay under the broker's receive maximum). */
  window?: number;
  time?: Time;
}

/**
 * After a store failure (ENOSPC, EIO, a corrupt line) the stream retries on the next kick or
 * reconnect, and by itself after a delay doubling from 1 s to a 60 s cap: the device stays up and
 * keeps trying without spinning on a broken disk.
 */
export const STORE_RETRY = new Backoff({ initialMs: 1000, factor: 2, maxMs: 60_000 });

/** Windows per batch read from disk: the cursor is written once per batch. */
const BATCH_WINDOWS = 10;

class OutboxStream<R extends { seq: number }> {
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
    if (!this.#active) return;
    const delay = STORE_RETRY.delay(this.failures - 1);
    this.#retry = this.#time.timeout('outbox-retry', delay, () => {
      this.#retry = undefined;
      this.kick();
    });
  }

  #clearRetry(): void {
    this.#retry?.cancel();
    this.#retry = undefined;
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
        this.#log.debug({ err: String(error) }, 'outbox paused until reconnect');
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

export class Outbox {
  readonly #deps: OutboxDeps;
  readonly audit: OutboxStream<AuditRecord>;
  readonly events: OutboxStream<EventPayload>;
  readonly #time: Time;
  readonly #subscriptions = new Subscriptions();

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
    const { link } = deps;
    const window = deps.window ?? 20;
    const log = deps.log ?? silentLog;
    const time = deps.time ?? systemTime;
    this.#time = time;
    this.audit = new OutboxStream(
      deps.audit,
      (r) => link.publish(link.topics.audit, JSON.stringify(r), { qos: 1 }),
      window,
      log,
      time,
    );
    this.events = new OutboxStream(
      deps.events,
      (e) => link.publish(link.topics.event, JSON.stringify(e), { qos: 1 }),
      window,
      log,
      time,
    );
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(
      this.audit.start(),
      this.events.start(),
      this.#deps.link.onConnect(async () => this.kick()),
    );
    if (this.#deps.link.connected) this.kick();
  }

  kick(): void {
    this.audit.kick();
    this.events.kick();
  }

  /** Stops after the records in flight are acknowledged, or after `graceMs` (they stay undelivered). */
  async stop(graceMs = 3000): Promise<void> {
    this.#subscriptions.clear();
    const stopped = Promise.all([this.audit.stop(), this.events.stop()]).then(() => undefined);
    await withTimeout(this.#time, stopped, graceMs).catch(() => undefined);
  }
}
