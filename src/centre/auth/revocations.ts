/**
 * Signed-out sessions. The session cookie is self-contained, so signing out cannot delete anything
 * the cookie depends on; instead its session id is listed here until the session's absolute expiry,
 * after which the cookie is dead anyway. Every instance must see the same list: in production this
 * store lives in the database (one row per sign-out, deleted after `until`); the in-memory store
 * below serves a single instance, tests and the demo.
 */

export interface SessionRevocations {
  /** Lists `sessionId` as signed out until `until` (epoch ms). */
  revoke(sessionId: string, until: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** One instance's list, pruned as it is used. `now` is the centre's clock. */
export class MemoryRevocations implements SessionRevocations {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get size(): number {
    return this.#until.size;
  }

  async revoke(sessionId: string, until: number): Promise<void> {
    this.#prune();
    this.#until.set(sessionId, until);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const until = this.#until.get(sessionId);
    return until !== undefined && until > this.#now();
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
  }
}
