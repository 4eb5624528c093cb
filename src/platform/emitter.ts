/**
 * Typed events (werift's `Event<[...]>` style) and the one way a part lets go of what it listened
 * to: `on` returns its own unsubscribe, and a part keeps those in one `Subscriptions`, cleared by
 * its `stop()` (zigbee2mqtt's `removeListeners(this)`).
 */
export class Emitter<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();

  on(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(...args: A): void {
    for (const listener of this.#listeners) listener(...args);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}

/** The unsubscribes a part holds while started. */
export class Subscriptions {
  #offs: Array<() => unknown> = [];

  add(...offs: Array<() => unknown>): void {
    this.#offs.push(...offs);
  }

  get active(): boolean {
    return this.#offs.length > 0;
  }

  /** Unsubscribes everything, newest first. Idempotent. */
  clear(): void {
    for (const off of this.#offs.splice(0).reverse()) off();
  }
}
