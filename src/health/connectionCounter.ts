/**
 * The connection counter of `status` and the Last Will: one more for every attempt, kept in the
 * state directory across restarts. Saving it is worth doing, never worth staying off the broker
 * for: with the state directory full or read-only (issue 9, where one failed write ended MQTT for
 * good), the count goes on in memory and the failure is logged.
 */
import type { Logger as Log } from '../platform/ports.ts';
import type { DurableStore } from '../policy/index.ts';

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
