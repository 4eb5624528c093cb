/**
 * The durable event queue: every event (camera_covered, policy_rejected, window_at_risk, …) is
 * appended here with fsync before anyone publishes it, so broker outages, kill -9 and power loss
 * lose none. An event keeps its `seq` and `eventId` forever: a re-send after a crash is a duplicate
 * the centre can drop. Delivered lines are compacted away once there are enough of them.
 */
import { randomUUID } from 'node:crypto';
import { systemTime } from '../platform/systemTime.ts';
import type { Clock } from '../platform/time.ts';
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
  readonly #listeners = new Set<(event: EventPayload) => void>();
  #lastSeq = 0;
  #lines = 0;
  #bytes = 0;
  #opened = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: EventQueueDeps, options: { compactAfter?: number } = {}) {
    this.#deps = deps;
    this.#compactAfter = options.compactAfter ?? 500;
  }

  /** Loads the tail, cutting off a line torn by a crash mid-write. Idempotent. */
  async open(): Promise<void> {
    if (this.#opened) return;
    const { store } = this.#deps;
    const text = (await store.read(QUEUE_FILE)) ?? '';
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) await store.truncate(QUEUE_FILE, Buffer.byteLength(text.slice(0, end)));
    const events = parseLines(text.slice(0, end));
    this.#lines = events.length;
    this.#bytes = Buffer.byteLength(text.slice(0, end));
    this.#lastSeq = Math.max(events.at(-1)?.seq ?? 0, await this.deliveredSeq());
    this.#opened = true;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  onAppend(listener: (event: EventPayload) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Appends an event; resolves once it is on stable storage. Appends never interleave. */
  raise(code: EventCode, detail?: EventPayload['detail']): Promise<EventPayload> {
    const run = this.#queue.then(() => this.#append(code, detail));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(code: EventCode, detail: EventPayload['detail']): Promise<EventPayload> {
    await this.open();
    const now = (this.#deps.time ?? systemTime).now();
    const event = eventPayloadSchema.parse({
      eventId: (this.#deps.newId ?? randomUUID)(),
      seq: this.#lastSeq + 1,
      code,
      ts: new Date(now).toISOString(),
      ...(detail === undefined ? {} : { detail }),
    });
    const line = `${JSON.stringify(event)}\n`;
    try {
      await this.#deps.store.append(QUEUE_FILE, line);
    } catch (error) {
      await this.#deps.store.truncate(QUEUE_FILE, this.#bytes).catch(() => undefined);
      throw error;
    }
    this.#lastSeq = event.seq;
    this.#lines += 1;
    this.#bytes += Buffer.byteLength(line);
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  async readAfter(afterSeq: number, limit: number): Promise<EventPayload[]> {
    const events = parseLines((await this.#deps.store.read(QUEUE_FILE)) ?? '');
    return events.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  async deliveredSeq(): Promise<number> {
    const text = await this.#deps.store.read(CURSOR_FILE);
    return text === undefined ? 0 : Number(JSON.parse(text).seq) || 0;
  }

  /** Moves the cursor (after PUBACK) and compacts delivered lines away now and then. */
  markDelivered(event: { seq: number }): Promise<void> {
    const run = this.#queue.then(async () => {
      await this.#deps.store.writeAtomic(CURSOR_FILE, JSON.stringify({ seq: event.seq }));
      if (this.#lines >= this.#compactAfter) await this.#compact(event.seq);
    });
    this.#queue = run.catch(() => undefined);
    return run;
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

function parseLines(text: string): EventPayload[] {
  const end = text.lastIndexOf('\n') + 1;
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as EventPayload);
}
