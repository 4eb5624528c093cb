/**
 * The one loop under each outbox stream: runs its drain one at a time (a kick while it runs runs it
 * once more afterwards), and after a store failure (ENOSPC, EIO, a corrupt line) or a refused
 * publish tries again by itself after a delay doubling from 1 s to a 60 s cap, so the device keeps
 * trying without spinning on a broken disk or a refusing broker.
 */
import { Backoff } from '../platform/backoff.ts';
import type { Logger as Log } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';

export const STORE_RETRY = new Backoff({ initialMs: 1000, factor: 2, maxMs: 60_000 });

export class Pump {
  readonly #drain: () => Promise<void>;
  readonly #time: Pick<Time, 'timeout'>;
  readonly #log: Log;
  #running: Promise<void> | undefined;
  #again = false;
  #retry: Timer | undefined;
  active = false;
  /** Store failures in a row; 0 after a drain that completes. */
  failures = 0;

  constructor(drain: () => Promise<void>, time: Pick<Time, 'timeout'>, log: Log) {
    this.#drain = drain;
    this.#time = time;
    this.#log = log;
  }

  kick(): void {
    if (!this.active) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#retry?.cancel();
    this.#retry = undefined;
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

  /** Kicks again after the `attempt`-th delay of the schedule. */
  retryLater(attempt: number): void {
    if (!this.active) return;
    this.#retry?.cancel();
    this.#retry = this.#time.timeout('outbox-retry', STORE_RETRY.delay(attempt), () => {
      this.#retry = undefined;
      this.kick();
    });
  }

  async stop(): Promise<void> {
    this.active = false;
    this.#retry?.cancel();
    this.#retry = undefined;
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
    this.retryLater(this.failures - 1);
  }
}
