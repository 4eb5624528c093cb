/**
 * The link's bookkeeping beside the connection itself (link.ts is the only user of each): its
 * inbound side, the publishes awaiting their PUBACK, and the connection counter.
 *
 * The inbound side: the topics under this device it listens to beyond its own (policy,
 * commands, the archive's answers), and who hears each message. A payload larger than
 * `maxInboundBytes` is dropped here, before anyone parses it.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Logger as Log } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { DurableStore } from '../policy/index.ts';
import { type InboundProperties, inboundProperties } from './linkOptions.ts';

export type MessageHook = (
  suffix: string,
  payload: Buffer,
  retained: boolean,
  properties: InboundProperties,
) => void;

export class LinkInbound {
  readonly #prefix: string;
  readonly #maxBytes: number;
  readonly #log: Log;
  readonly #hooks = new Set<MessageHook>();
  /** Extra topics subscribed on every connection (e.g. the relayed WHEP requests). */
  readonly listening = new Set<string>();
  /** Inbound payloads dropped as too large. */
  oversized = 0;

  constructor(base: string, maxBytes: number, log: Log) {
    this.#prefix = `${base}/`;
    this.#maxBytes = maxBytes;
    this.#log = log;
  }

  on(hook: MessageHook): () => void {
    this.#hooks.add(hook);
    return () => this.#hooks.delete(hook);
  }

  route(topic: string, payload: Buffer, packet: Pick<IPublishPacket, 'retain' | 'properties'>): void {
    if (!topic.startsWith(this.#prefix)) return;
    const suffix = topic.slice(this.#prefix.length);
    if (payload.length > this.#maxBytes) {
      this.oversized += 1;
      this.#log.warn(
        { suffix, bytes: payload.length, limit: this.#maxBytes },
        'inbound payload too large; dropped',
      );
      return;
    }
    const properties = inboundProperties(packet);
    for (const hook of this.#hooks) hook(suffix, payload, packet.retain, properties);
  }
}

/**
 * The link's publishes awaiting their PUBACK (or, at QoS 0, their write), oldest first, with one
 * watchdog for all of them: when the oldest has waited `timeoutMs`, the broker holds the connection
 * without serving it (issue 9: a broker that never PUBACKs held a device on one connection forever)
 * and `onOverdue` is told.
 */
type Fail = (error?: Error | null) => void;

export class InFlight {
  readonly #time: Pick<Time, 'monotonic' | 'timeout'>;
  readonly #timeoutMs: number;
  readonly #onOverdue: (waitedMs: number, count: number) => void;
  /** Insertion order is start order: the first entry is the oldest. */
  readonly #started = new Map<Fail, number>();
  #watch: Timer | undefined;

  constructor(
    time: Pick<Time, 'monotonic' | 'timeout'>,
    timeoutMs: number,
    onOverdue: (waitedMs: number, count: number) => void,
  ) {
    this.#time = time;
    this.#timeoutMs = timeoutMs;
    this.#onOverdue = onOverdue;
  }

  get size(): number {
    return this.#started.size;
  }

  /** Watches one publish: `send` starts it and calls back once when it is acknowledged or failed. */
  track(send: (done: (error?: Error | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error | null) => {
        if (settled) return;
        settled = true;
        this.#started.delete(settle);
        if (error) reject(error);
        else resolve();
      };
      this.#started.set(settle, this.#time.monotonic());
      this.#arm();
      send(settle);
    });
  }

  /** Fails every publish in flight (the connection closed) and stops watching. */
  failAll(error: () => Error): void {
    this.cancel();
    for (const fail of [...this.#started.keys()]) fail(error());
  }

  cancel(): void {
    this.#watch?.cancel();
    this.#watch = undefined;
  }

  #arm(): void {
    if (this.#watch !== undefined) return;
    const oldest = this.#started.values().next();
    if (oldest.done) return;
    const due = Math.max(0, oldest.value + this.#timeoutMs - this.#time.monotonic());
    this.#watch = this.#time.timeout('mqtt-puback', due, () => {
      this.#watch = undefined;
      const first = this.#started.values().next();
      if (first.done) return;
      const waited = this.#time.monotonic() - first.value;
      if (waited < this.#timeoutMs) return this.#arm();
      // Not armed again: the connection is being dropped, and its close fails them all.
      this.#onOverdue(waited, this.#started.size);
    });
  }
}

/**
 * mqtt.js keeps the callbacks of QoS 1 publishes a closed connection left unacknowledged (only its
 * own forced clean-up drops them). With a clean start and fresh stores on every connection they can
 * never complete, and `end()` would wait for them forever: they go with the connection.
 */
export function forgetOutgoing(client: MqttClient): void {
  for (const id of Object.keys(client.outgoing)) {
    const entry = client.outgoing[Number(id)];
    delete client.outgoing[Number(id)];
    entry?.cb?.(new Error('Connection closed'));
  }
}

/**
 * The connection counter of `status` and the Last Will: one more for every attempt, kept in the
 * state directory across restarts. Saving it is worth doing, never worth staying off the broker
 * for: with the state directory full or read-only (issue 9, where one failed write ended MQTT for
 * good), the count goes on in memory and the failure is logged.
 */
export const COUNTER_FILE = 'mqtt.connection.json';

export class ConnectionCounter {
  readonly #store: DurableStore;
  readonly #log: Log;
  #value = 0;
  /** Saves that failed in a row. */
  unsaved = 0;

  constructor(store: DurableStore, log: Log) {
    this.#store = store;
    this.#log = log;
  }

  /** The counter saved by the last run; 0 when there is none or it cannot be read. */
  async load(): Promise<number> {
    try {
      const saved = await this.#store.read(COUNTER_FILE);
      this.#value = saved === undefined ? 0 : Number(JSON.parse(saved).connection) || 0;
    } catch (error) {
      this.#log.warn({ err: String(error) }, 'connection counter unreadable; counting from 0');
      this.#value = 0;
    }
    return this.#value;
  }

  /** Counts one more attempt and tries to save it; resolves with the count whatever the disk does. */
  async next(): Promise<number> {
    this.#value += 1;
    try {
      await this.#store.writeAtomic(COUNTER_FILE, JSON.stringify({ connection: this.#value }));
      this.unsaved = 0;
    } catch (error) {
      this.unsaved += 1;
      this.#log.warn(
        { err: String(error), code: (error as NodeJS.ErrnoException)?.code, unsaved: this.unsaved },
        'connection counter not saved; dialling with the counter in memory',
      );
    }
    return this.#value;
  }
}
