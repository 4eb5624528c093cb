/**
 * Where inbound messages wait to be handled, one at a time (issue 13: 10,000 garbage messages left
 * a backlog of minutes, each one costing an fsynced audit record and an answer). The queue is
 * bounded: past `max` waiting messages a new one is dropped and counted. Policies coalesce: only
 * the newest waiting policy is kept, since any older one would be refused as a rollback anyway.
 */
import type { Logger as Log } from '../platform/ports.ts';

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
