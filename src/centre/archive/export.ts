/**
 * The municipality's access follow-up: who looked at which device, when, for how long, what they
 * saw (the look's outcome) or why they were refused, and how far each device's trail is verified;
 * beside it the centre's own audit (sign-ins, sign-outs, refusals at the centre, look tokens
 * issued). Looks are the grant (or denial) records joined to the session's end and outcome records;
 * the staff member's role comes from the look token the centre issued for it.
 */
import { type CentreAuditRow, centreAuditRows } from './centreAudit.ts';
import { schemaVersion } from './database.ts';
import { asNumber, asString, type Row, type SqlDatabase, type SqlExecutor, type SqlValue } from './db/sql.ts';

export interface AccessFilter {
  deviceId?: string;
  /** Inclusive, epoch milliseconds. */
  fromMs?: number;
  /** Exclusive, epoch milliseconds. */
  toMs?: number;
}

export interface Look {
  deviceId: string;
  /** The grant or denial record. */
  seq: number;
  at: string;
  /** The staff id from the token (`unknown` when a request had none); never a resident's name. */
  staffId: string | null;
  kind: 'look' | 'denied' | 'install_preview';
  scope: string | null;
  emergency: boolean | null;
  windowId: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** Why the look ended (`window_end`, `viewer_left`, …); null while no end is archived. */
  outcome: string | null;
  /** What the staff member noted she saw (`asleep_calm`, `needs_visit`, `not_visible`), if anything. */
  seen: string | null;
  /** Her job title from the roster when the centre issued the look's token; null when unknown. */
  role: string | null;
  deniedReason: string | null;
  /** Every record this row is built from is verified in its device's chain. */
  verified: boolean;
}

export interface DeviceVerification {
  deviceId: string;
  /** Every record up to here is archived and verified link by link. */
  verifiedSeq: number;
  /** The highest record archived (past a gap when greater than `verifiedSeq`). */
  highestSeq: number;
  pendingCount: number;
  suspectCount: number;
  lastRecordAt: string;
  state: 'complete' | 'behind';
}

export interface AccessExport {
  looks: Look[];
  devices: DeviceVerification[];
  /** The centre's own audit in the period (about the device, with `deviceId`). */
  centre: CentreAuditRow[];
}

const TOKEN_LEAD_MS = 12 * 3_600_000;

const LOOK_TYPES = { grant: 'look', deny: 'denied', install_preview: 'install_preview' } as const;

export async function exportAccess(db: SqlDatabase, filter: AccessFilter = {}): Promise<AccessExport> {
  const where: string[] = [`g.type IN ('grant', 'deny', 'install_preview')`];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue) => {
    where.push(clause);
    params.push(value);
  };
  if (filter.deviceId !== undefined) add('g.device_id = ?', filter.deviceId);
  if (filter.fromMs !== undefined) add('g.ts_ms >= ?', filter.fromMs);
  if (filter.toMs !== undefined) add('g.ts_ms < ?', filter.toMs);
  const rows = await db.all(
    `SELECT g.device_id, g.seq, g.ts, g.type, g.actor, g.code, g.detail, g.status,
            e.ts AS end_ts, e.code AS end_code, e.duration_ms AS end_duration, e.status AS end_status,
            o.code AS seen, o.status AS seen_status
     FROM audit_records g
     LEFT JOIN audit_records e
       ON e.device_id = g.device_id AND e.session_id = g.session_id AND e.type = 'session_end'
     LEFT JOIN audit_records o
       ON o.device_id = g.device_id AND o.session_id = g.session_id AND o.type = 'look_outcome'
     WHERE ${where.join(' AND ')}
     ORDER BY g.ts_ms, g.device_id, g.seq`,
    params,
  );
  // The centre's tables come with schema 2; an older archive is exported without them.
  const withCentre = (await schemaVersion(db)) >= 2;
  const centre = withCentre ? await centreAuditRows(db, filter) : [];
  const issued = withCentre
    ? await centreAuditRows(db, {
        ...filter,
        // A look's token is issued at most a shift before its grant.
        ...(filter.fromMs !== undefined ? { fromMs: filter.fromMs - TOKEN_LEAD_MS } : {}),
        types: ['look_token_issued'],
      })
    : [];
  const roles = new Map(issued.map((r) => [r.tokenId, r.role]));
  return {
    looks: rows.map((r) => toLook(r, roles)),
    devices: await deviceVerification(db, filter.deviceId),
    centre,
  };
}

export async function deviceVerification(db: SqlExecutor, deviceId?: string): Promise<DeviceVerification[]> {
  const rows = await db.all(
    `SELECT d.device_id, d.verified_seq, d.suspect_count, d.last_record_ms,
       (SELECT MAX(seq) FROM audit_records r WHERE r.device_id = d.device_id) AS top,
       (SELECT COUNT(*) FROM audit_records r WHERE r.device_id = d.device_id AND r.status = 'pending') AS pending
     FROM archive_devices d ${deviceId === undefined ? '' : 'WHERE d.device_id = ?'}
     ORDER BY d.device_id`,
    deviceId === undefined ? [] : [deviceId],
  );
  return rows.map((r) => {
    const verifiedSeq = asNumber(r.verified_seq);
    const highestSeq = Math.max(verifiedSeq, asNumber(r.top));
    return {
      deviceId: String(r.device_id),
      verifiedSeq,
      highestSeq,
      pendingCount: asNumber(r.pending),
      suspectCount: asNumber(r.suspect_count),
      lastRecordAt: new Date(asNumber(r.last_record_ms)).toISOString(),
      state: highestSeq > verifiedSeq ? 'behind' : 'complete',
    };
  });
}

function toLook(r: Row, roles: ReadonlyMap<string | null, string | null>): Look {
  const detail = parseDetail(asString(r.detail));
  const kind = LOOK_TYPES[String(r.type) as keyof typeof LOOK_TYPES];
  const ended = kind !== 'denied' && r.end_ts !== null && r.end_ts !== undefined;
  return {
    deviceId: String(r.device_id),
    seq: asNumber(r.seq),
    at: String(r.ts),
    staffId: asString(r.actor) ?? null,
    kind,
    scope: typeof detail.scope === 'string' ? detail.scope : null,
    emergency: typeof detail.emergency === 'boolean' ? detail.emergency : null,
    windowId: typeof detail.windowId === 'string' ? detail.windowId : null,
    endedAt: ended ? String(r.end_ts) : null,
    durationMs: ended && r.end_duration !== null ? asNumber(r.end_duration) : null,
    outcome: ended ? (asString(r.end_code) ?? null) : null,
    seen: kind === 'denied' ? null : (asString(r.seen) ?? null),
    role: typeof detail.tokenId === 'string' ? (roles.get(detail.tokenId) ?? null) : null,
    deniedReason: kind === 'denied' ? (asString(r.code) ?? null) : null,
    verified:
      r.status === 'verified' &&
      (!ended || r.end_status === 'verified') &&
      (r.seen === null || r.seen === undefined || r.seen_status === 'verified'),
  };
}

function parseDetail(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
