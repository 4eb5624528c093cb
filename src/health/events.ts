/**
 * The durable event queue: every event (camera_covered, policy_rejected, window_at_risk, …) is
 * appended here with fsync before anyone publishes it, so broker outages, kill -9 and power loss
 * lose none. The durable append log (platform/appendLog.ts) in one file: an event keeps its `seq`
 * and `eventId` forever, so a re-send after a crash is a duplicate the centre can drop. Delivered
 * lines are compacted away once there are enough of them.
 */
import { randomUUID } from 'node:crypto';
import { AppendLog } from '../platform/appendLog.ts';
import { type Clock, systemTime } from '../platform/time.ts';
import type { DurableStore } from '../policy/index.ts';
import { type EventCode, type EventPayload, eventPayloadSchema } from './payloads.ts';

const QUEUE_FILE = 'events.jsonl';
const CURSOR_FILE = 'events.cursor.json';

export interface EventQueueDeps {
  store: DurableStore;
  time?: Pick<Clock, 'now'>;
  newId?: () => string;
}

/** What raises events: the reporter, the frame checks, readiness and the inbound handler. */
export interface EventSink {
  raise(code: EventCode, detail?: EventPayload['detail']): Promise<EventPayload>;
}

export class EventQueue implements EventSink {
  readonly #deps: EventQueueDeps;
  readonly #compactAfter: number;
  readonly #log: AppendLog<EventPayload>;
  #lastSeq = 0;
  #lines = 0;
  #bytes = 0;
  #opened = false;

  constructor(deps: EventQueueDeps, options: { compactAfter?: number } = {}) {
    this.#deps = deps;
    this.#compactAfter = options.compactAfter ?? 500;
    this.#log = new AppendLog(deps.store, CURSOR_FILE);
  }

  /** Loads the tail, cutting off a line torn by a crash mid-write. Idempotent. */
  async open(): Promise<void> {
    if (this.#opened) return;
    const { records, bytes } = await this.#log.recover(QUEUE_FILE);
    this.#lines = records.length;
    this.#bytes = bytes;
    this.#lastSeq = Math.max(records.at(-1)?.seq ?? 0, await this.deliveredSeq());
    this.#opened = true;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  onAppend(listener: (event: EventPayload) => void): () => void {
    return this.#log.onAppend(listener);
  }

  /** Appends an event; resolves once it is on stable storage. Appends never interleave. */
  raise(code: EventCode, detail?: EventPayload['detail']): Promise<EventPayload> {
    return this.#log.serial(() => this.#append(code, detail));
  }

  async #append(code: EventCode, detail: EventPayload['detail']): Promise<EventPayload> {
    await this.open();
    const event = eventPayloadSchema.parse({
      eventId: (this.#deps.newId ?? randomUUID)(),
      seq: this.#lastSeq + 1,
      code,
      ts: new Date((this.#deps.time ?? systemTime).now()).toISOString(),
      ...(detail === undefined ? {} : { detail }),
    });
    let bytes: number;
    try {
      bytes = await this.#log.append(QUEUE_FILE, event);
    } catch (error) {
      await this.#log.undo(QUEUE_FILE, this.#bytes);
      throw error;
    }
    this.#lastSeq = event.seq;
    this.#lines += 1;
    this.#bytes += bytes;
    this.#log.announce(event);
    return event;
  }

  async readAfter(afterSeq: number, limit: number): Promise<EventPayload[]> {
    return (await this.#log.read(QUEUE_FILE)).filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  deliveredSeq(): Promise<number> {
    return this.#log.deliveredSeq();
  }

  /** Moves the cursor (after PUBACK) and compacts delivered lines away now and then. */
  markDelivered(event: { seq: number }): Promise<void> {
    return this.#log.serial(async () => {
      await this.#log.markDelivered({ seq: event.seq });
      if (this.#lines >= this.#compactAfter) await this.#compact(event.seq);
    });
  }

  async #compact(deliveredSeq: number): Promise<void> {
    const kept = (await this.readAfter(deliveredSeq, Number.POSITIVE_INFINITY)).map(
      (e) => `${JSON.stringify(e)}\n`,
    );
    const text = kept.join('');
    await this.#deps.store.writeAtomic(QUEUE_FILE, text);
    this.#lines = kept.length;
    this.#bytes = Buffer.byteLength(text);
  }
}
