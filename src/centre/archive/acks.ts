/**
 * The archive's acknowledgements to the devices: after a commit, the device's verified head goes out
 * retained on `audit/ack`, so a device that reconnects learns at once how far the archive holds its
 * chain. At most one publish per device is in flight; heads that arrive meanwhile collapse into the
 * newest, so a burst of records costs a handful of acknowledgements, not one each.
 */
import { type AuditAck, deviceTopics } from '../../protocol/index.ts';
import type { ChainHead } from './chain.ts';

export type Publish = (topic: string, payload: string, options: { qos: 1; retain: boolean }) => Promise<void>;

export class AckPublisher {
  readonly #publish: Publish;
  readonly #now: () => number;
  readonly #waiting = new Map<string, ChainHead>();
  readonly #inFlight = new Map<string, Promise<void>>();
  published = 0;

  constructor(publish: Publish, now: () => number) {
    this.#publish = publish;
    this.#now = now;
  }

  /** Acknowledges `head` for the device (nothing while no record is verified). */
  offer(deviceId: string, head: ChainHead): void {
    if (head.seq === 0) return;
    const waiting = this.#waiting.get(deviceId);
    if (!waiting || waiting.seq <= head.seq) this.#waiting.set(deviceId, head);
    this.#drain(deviceId);
  }

  /** Sends what is waiting (after a reconnect). */
  flush(): void {
    for (const deviceId of this.#waiting.keys()) this.#drain(deviceId);
  }

  /** Resolves once every publish in flight has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #drain(deviceId: string): void {
    if (this.#inFlight.has(deviceId)) return;
    const run = (async () => {
      for (let head = this.#waiting.get(deviceId); head; head = this.#waiting.get(deviceId)) {
        this.#waiting.delete(deviceId);
        const ack: AuditAck = { seq: head.seq, hash: head.hash, at: new Date(this.#now()).toISOString() };
        try {
          await this.#publish(deviceTopics(deviceId).auditAck, JSON.stringify(ack), { qos: 1, retain: true });
          this.published += 1;
        } catch {
          // Kept for the next flush, unless a newer head is already waiting.
          if (!this.#waiting.has(deviceId)) this.#waiting.set(deviceId, head);
          return;
        }
      }
    })();
    this.#inFlight.set(deviceId, run);
    void run.finally(() => this.#inFlight.delete(deviceId));
  }
}
