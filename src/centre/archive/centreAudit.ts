/**
 * What sign-in keeps in the centre's database: the centre audit and the signed-out sessions.
 *
 * The centre audit: sign-ins, sign-outs, sign-in failures, refusals at the
 * centre (`not_on_roster`, looks the device would not grant) and the look tokens issued with the
 * staff member's role, kept across restarts and shared by every instance, and read back for the
 * access follow-up. Staff ids, device ids and codes only: never a token, never a name. Each record
 * is also a log line for journald.
 */
import type { Logger } from '../../platform/ports.ts';
import type { CentreAuditEvent, CentreAuditSink, SessionRevocations } from '../auth/index.ts';
import { asString, type SqlExecutor, type SqlValue } from './db/sql.ts';

export interface DbCentreAuditDeps {
  db: SqlExecutor;
  /** Which centre instance wrote the record. */
  instanceId: string;
  log: Logger;
}

export class DbCentreAudit implements CentreAuditSink {
  readonly #d: DbCentreAuditDeps;

  constructor(deps: DbCentreAuditDeps) {
    this.#d = deps;
  }

  async record(event: CentreAuditEvent): Promise<void> {
    this.#d.log.info({ audit: event }, 'centre audit');
    const e = event as Partial<Record<string, string | number | null>>;
    const text = (key: string): SqlValue => (typeof e[key] === 'string' ? (e[key] as string) : null);
    await this.#d.db.run(
      `INSERT INTO centre_audit (at_ms, type, code, staff_id, device_id, session_id, token_id, scope, role, instance_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        event.at,
        event.type,
        text('code'),
        text('staffId'),
        text('deviceId'),
        text('sessionId'),
        text('tokenId'),
        text('scope'),
        text('role'),
        this.#d.instanceId,
      ],
    );
  }
}

/** One centre audit record as the follow-up reads it. */
export interface CentreAuditRow {
  at: string;
  type: string;
  code: string | null;
  staffId: string | null;
  deviceId: string | null;
  tokenId: string | null;
  scope: string | null;
  role: string | null;
  instanceId: string | null;
}

export interface CentreAuditFilter {
  deviceId?: string;
  fromMs?: number;
  toMs?: number;
  types?: readonly string[];
}

/** Records in time order; with `deviceId`, only those about that device. */
export async function centreAuditRows(
  db: SqlExecutor,
  filter: CentreAuditFilter = {},
): Promise<CentreAuditRow[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.deviceId !== undefined) {
    where.push('device_id = ?');
    params.push(filter.deviceId);
  }
  if (filter.fromMs !== undefined) {
    where.push('at_ms >= ?');
    params.push(filter.fromMs);
  }
  if (filter.toMs !== undefined) {
    where.push('at_ms < ?');
    params.push(filter.toMs);
  }
  if (filter.types && filter.types.length > 0) {
    where.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
    params.push(...filter.types);
  }
  const rows = await db.all(
    `SELECT at_ms, type, code, staff_id, device_id, token_id, scope, role, instance_id FROM centre_audit
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at_ms, id`,
    params,
  );
  return rows.map((r) => ({
    at: new Date(Number(r.at_ms)).toISOString(),
    type: String(r.type),
    code: asString(r.code) ?? null,
    staffId: asString(r.staff_id) ?? null,
    deviceId: asString(r.device_id) ?? null,
    tokenId: asString(r.token_id) ?? null,
    scope: asString(r.scope) ?? null,
    role: asString(r.role) ?? null,
    instanceId: asString(r.instance_id) ?? null,
  }));
}

/**
 * Signed-out sessions in the centre's database, so a sign-out holds at every instance and across
 * restarts: one row per sign-out until the session would have expired anyway, pruned as new ones
 * come. A database that cannot answer fails the request (the session is not let through).
 */
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
