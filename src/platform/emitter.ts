/** A typed event (werift's `Event<[...]>` style): `on` returns its own unsubscribe. */
export class Emitter<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();

  on(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(...args: A): void {
    for (const listener of this.#listeners) listener(...args);
  }
}
