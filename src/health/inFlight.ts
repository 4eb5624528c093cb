/**
 * The link's publishes awaiting their PUBACK (or, at QoS 0, their write), oldest first, with one
 * watchdog for all of them: when the oldest has waited `timeoutMs`, the broker holds the connection
 * without serving it (issue 9: a broker that never PUBACKs held a device on one connection forever)
 * and `onOverdue` is told.
 */
import type { MqttClient } from 'mqtt';
import type { Time, Timer } from '../platform/time.ts';

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
