/**
 * The round's look history read from the archive: every `look_outcome` record the devices appended
 * to their chains (docs/round.md: `{type: 'look_outcome', actor, code, sessionId, durationMs,
 * detail: {windowId, scope}}`), as stored. Records past a gap count too: the round must show a
 * check as done the moment its outcome is archived, and the export, not the round, is the proof.
 * Being the database, it is the same at every instance and survives a restart.
 */
import { LOOK_OUTCOMES, type LookOutcome } from '../../protocol/index.ts';
import type { LookHistory, LookRecord } from '../round/lookHistory.ts';
import { asNumber, asString, type SqlExecutor } from './db/sql.ts';

const isOutcome = (code: string | undefined): code is LookOutcome =>
  (LOOK_OUTCOMES as readonly string[]).includes(code ?? '');

export class ArchiveLookHistory implements LookHistory {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  async looksSince(deviceIds: readonly string[], since: number): Promise<LookRecord[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.#db.all(
      `SELECT device_id, session_id, actor, code, ts_ms, detail FROM audit_records
       WHERE type = 'look_outcome' AND ts_ms >= ? AND device_id IN (${deviceIds.map(() => '?').join(', ')})
       ORDER BY ts_ms, device_id, seq`,
      [since, ...deviceIds],
    );
    const looks: LookRecord[] = [];
    for (const r of rows) {
      const code = asString(r.code);
      const sessionId = asString(r.session_id);
      const staffId = asString(r.actor);
      if (!isOutcome(code) || !sessionId || !staffId) continue;
      looks.push({
        deviceId: String(r.device_id),
        sessionId,
        staffId,
        outcome: code,
        at: asNumber(r.ts_ms),
        windowId: windowOf(asString(r.detail)),
      });
    }
    return looks;
  }
}

function windowOf(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  try {
    const id = (JSON.parse(detail) as { windowId?: unknown }).windowId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
