/**
 * Signed-out sessions in the centre's database, so a sign-out holds at every instance and across
 * restarts: one row per sign-out until the session would have expired anyway, pruned as new ones
 * come. A database that cannot answer fails the request (the session is not let through).
 */
import type { SessionRevocations } from '../auth/index.ts';
import type { SqlExecutor } from './db/sql.ts';

export class DbRevocations implements SessionRevocations {
  readonly #db: SqlExecutor;
  readonly #now: () => number;

  constructor(db: SqlExecutor, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  async revoke(sessionId: string, until: number): Promise<void> {
    await this.#db.run('DELETE FROM session_revocations WHERE until_ms <= ?', [this.#now()]);
    await this.#db.run(
      'INSERT INTO session_revocations (session_id, until_ms) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [sessionId, Math.ceil(until)],
    );
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const rows = await this.#db.all(
      'SELECT 1 AS revoked FROM session_revocations WHERE session_id = ? AND until_ms > ?',
      [sessionId, this.#now()],
    );
    return rows.length > 0;
  }
}
