/**
 * What the "who looked" page says about one device over one period, read from the centre's
 * database: each look (the device's grant joined to its end) with the staff member's role from the
 * look token the centre issued, the attempts the device or the centre stopped, the pauses and the
 * policy changes, and how complete the archive is. Staff ids are read only to be dropped: the page
 * shows roles, never ids.
 */
import type { ArchiveDeviceState } from '../../protocol/index.ts';
import { asNumber, asString, type Row, type SqlExecutor } from '../archive/db/sql.ts';
import { parseDetail } from '../archive/export.ts';
import { archiveStateOf } from '../archive/publish.ts';

export interface LookEntry {
  at: number;
  endedAt: number | null;
  durationMs: number | null;
  /** `planned`: inside an agreed window; `extra`: with a reason; `installer`: aiming the camera. */
  kind: 'planned' | 'extra' | 'installer';
  reason: string | null;
  /** The job title the roster gave the staff member when her look token was issued. */
  role: string | null;
  verified: boolean;
}

export interface StoppedAttempt {
  at: number;
  code: string;
}

export interface PauseSpan {
  from: number;
  /** Null while the pause lasts. */
  to: number | null;
  by: string;
}

export interface PolicyChange {
  at: number;
  version: number | null;
}

export interface WhoLookedData {
  looks: LookEntry[];
  stopped: StoppedAttempt[];
  pauses: PauseSpan[];
  policies: PolicyChange[];
  archive: ArchiveDeviceState | undefined;
}

/** Look tokens are issued at most a shift before the look they open. */
const TOKEN_LEAD_MS = 12 * 3_600_000;

export async function whoLooked(
  db: SqlExecutor,
  deviceId: string,
  fromMs: number,
  toMs: number,
  nowMs: number,
): Promise<WhoLookedData> {
  const rows = await db.all(
    `SELECT g.type, g.ts_ms, g.code, g.detail, g.status,
            e.ts_ms AS end_ms, e.duration_ms AS end_duration, e.status AS end_status
     FROM audit_records g
     LEFT JOIN audit_records e
       ON e.device_id = g.device_id AND e.session_id = g.session_id AND e.type = 'session_end'
     WHERE g.device_id = ? AND g.ts_ms >= ? AND g.ts_ms < ?
       AND g.type IN ('grant', 'install_preview', 'deny', 'policy_applied')
     ORDER BY g.ts_ms, g.seq`,
    [deviceId, fromMs, toMs],
  );
  const roles = await rolesByToken(db, deviceId, fromMs - TOKEN_LEAD_MS, toMs);
  const looks: LookEntry[] = [];
  const stopped: StoppedAttempt[] = [];
  const policies: PolicyChange[] = [];
  for (const r of rows) {
    const type = String(r.type);
    const detail = parseDetail(asString(r.detail));
    if (type === 'grant' || type === 'install_preview') looks.push(lookOf(r, detail, roles));
    else if (type === 'deny') stopped.push({ at: asNumber(r.ts_ms), code: asString(r.code) ?? 'denied' });
    else policies.push({ at: asNumber(r.ts_ms), version: numberOr(detail.version) });
  }
  stopped.push(...(await centreRefusals(db, deviceId, fromMs, toMs)));
  stopped.sort((a, b) => a.at - b.at);
  return {
    looks,
    stopped,
    pauses: await pauses(db, deviceId, fromMs, toMs),
    policies,
    archive: await archiveStateOf(db, deviceId, nowMs),
  };
}

function lookOf(r: Row, detail: Record<string, unknown>, roles: Map<string, string | null>): LookEntry {
  const installer = r.type === 'install_preview';
  const ended = r.end_ms !== null && r.end_ms !== undefined;
  const tokenId = typeof detail.tokenId === 'string' ? detail.tokenId : undefined;
  const reason = typeof detail.reason === 'string' ? detail.reason : null;
  return {
    at: asNumber(r.ts_ms),
    endedAt: ended ? asNumber(r.end_ms) : null,
    durationMs: ended && r.end_duration !== null ? asNumber(r.end_duration) : null,
    kind: installer
      ? 'installer'
      : detail.emergency === true || detail.scope === 'emergency' || reason
        ? 'extra'
        : 'planned',
    reason,
    role: tokenId === undefined ? null : (roles.get(tokenId) ?? null),
    verified: r.status === 'verified' && (!ended || r.end_status === 'verified'),
  };
}

async function rolesByToken(
  db: SqlExecutor,
  deviceId: string,
  fromMs: number,
  toMs: number,
): Promise<Map<string, string | null>> {
  const rows = await db.all(
    `SELECT token_id, role FROM centre_audit
     WHERE type = 'look_token_issued' AND device_id = ? AND at_ms >= ? AND at_ms < ?`,
    [deviceId, fromMs, toMs],
  );
  return new Map(rows.map((r) => [String(r.token_id), asString(r.role) ?? null]));
}

/** Looks the centre refused before the device was asked (not on the roster, not grantable now). */
async function centreRefusals(
  db: SqlExecutor,
  deviceId: string,
  fromMs: number,
  toMs: number,
): Promise<StoppedAttempt[]> {
  const rows = await db.all(
    `SELECT at_ms, code FROM centre_audit
     WHERE type = 'look_refused' AND device_id = ? AND at_ms >= ? AND at_ms < ?`,
    [deviceId, fromMs, toMs],
  );
  return rows.map((r) => ({ at: asNumber(r.at_ms), code: asString(r.code) ?? 'denied' }));
}

/** Pause spans overlapping the period, from every pause and resume the device recorded before its end. */
async function pauses(db: SqlExecutor, deviceId: string, fromMs: number, toMs: number): Promise<PauseSpan[]> {
  const rows = await db.all(
    `SELECT type, ts_ms, actor FROM audit_records
     WHERE device_id = ? AND type IN ('pause', 'resume') AND ts_ms < ? ORDER BY ts_ms, seq`,
    [deviceId, toMs],
  );
  const spans: PauseSpan[] = [];
  let open: PauseSpan | undefined;
  for (const r of rows) {
    if (r.type === 'pause' && !open) {
      open = { from: asNumber(r.ts_ms), to: null, by: asString(r.actor) ?? 'unknown' };
      spans.push(open);
    } else if (r.type === 'resume' && open) {
      open.to = asNumber(r.ts_ms);
      open = undefined;
    }
  }
  return spans.filter((s) => s.to === null || s.to >= fromMs);
}

const numberOr = (v: unknown): number | null => (typeof v === 'number' ? v : null);
