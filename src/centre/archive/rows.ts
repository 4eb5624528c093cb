/**
 * The archive's row-level writes inside one ingest transaction: locking a device's state, inserting a
 * record, promoting pending records once they link, and keeping a suspect with its one alarm.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { type ArchiveAlarmCode, type AuditRecordPayload, GENESIS_HASH } from '../../protocol/index.ts';
import { type ChainHead, walk } from './chain.ts';
import { asNumber, forUpdate, type SqlDatabase, type SqlExecutor } from './db/sql.ts';

export interface StoredAlarm {
  id: number;
  deviceId: string;
  seq: number | null;
  code: ArchiveAlarmCode;
  message: string;
  raisedMs: number;
}

const PROMOTE_BATCH = 500;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export async function lockDevice(
  tx: SqlExecutor,
  dialect: SqlDatabase['dialect'],
  deviceId: string,
  nowMs: number,
): Promise<ChainHead> {
  await tx.run(
    `INSERT INTO archive_devices (device_id, verified_seq, verified_hash, suspect_count, first_seen_ms, last_record_ms)
     VALUES (?, 0, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
    [deviceId, GENESIS_HASH, nowMs, nowMs],
  );
  const rows = await tx.all(
    `SELECT verified_seq, verified_hash FROM archive_devices WHERE device_id = ?${forUpdate(dialect)}`,
    [deviceId],
  );
  return { seq: asNumber(rows[0]?.verified_seq), hash: String(rows[0]?.verified_hash) };
}

export async function insertRecord(
  tx: SqlExecutor,
  deviceId: string,
  r: AuditRecordPayload,
  status: 'verified' | 'pending',
  receivedMs: number,
): Promise<void> {
  await tx.run(
    `INSERT INTO audit_records (device_id, seq, ts, ts_ms, type, actor, code, session_id, duration_ms,
       detail, prev, hash, record, status, received_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      deviceId,
      r.seq,
      r.ts,
      Date.parse(r.ts),
      r.type,
      r.actor ?? null,
      r.code ?? null,
      r.sessionId ?? null,
      r.durationMs ?? null,
      r.detail ? JSON.stringify(r.detail) : null,
      r.prev,
      r.hash,
      JSON.stringify(r),
      status,
      receivedMs,
    ],
  );
}

/** Verifies pending records that now link to the head; one that does not is moved to the suspects. */
export async function promote(
  tx: SqlExecutor,
  deviceId: string,
  start: ChainHead,
  nowMs: number,
  alarms: StoredAlarm[],
): Promise<ChainHead> {
  let head = start;
  for (;;) {
    const rows = await tx.all(
      `SELECT seq, prev, hash, record FROM audit_records
       WHERE device_id = ? AND status = 'pending' AND seq > ? ORDER BY seq LIMIT ${PROMOTE_BATCH}`,
      [deviceId, head.seq],
    );
    const links = rows.map((r) => ({ seq: asNumber(r.seq), prev: String(r.prev), hash: String(r.hash) }));
    const walked = walk(head, links);
    if (walked.head.seq > head.seq) {
      await tx.run(
        `UPDATE audit_records SET status = 'verified'
         WHERE device_id = ? AND status = 'pending' AND seq > ? AND seq <= ?`,
        [deviceId, head.seq, walked.head.seq],
      );
      head = walked.head;
    }
    if (walked.broken) {
      const record = String(rows.find((r) => asNumber(r.seq) === walked.broken!.seq)?.record);
      const text = canonicalize(JSON.parse(record))!;
      const message = `record ${walked.broken.seq} does not link to record ${head.seq}`;
      const seq = walked.broken.seq;
      const alarm = await addSuspect(tx, {
        deviceId,
        seq,
        code: 'audit_chain_broken',
        message,
        fingerprint: sha256(text),
        payload: text,
        nowMs,
      });
      if (alarm) alarms.push(alarm);
      await tx.run('DELETE FROM audit_records WHERE device_id = ? AND seq = ?', [
        deviceId,
        walked.broken.seq,
      ]);
      return head;
    }
    if (rows.length < PROMOTE_BATCH || walked.head.seq < asNumber(rows.at(-1)?.seq)) return head;
  }
}

/** Stores a suspect once per content; raises (and returns) an alarm only the first time. */
export interface Suspect {
  deviceId: string;
  seq: number | null;
  code: ArchiveAlarmCode;
  message: string;
  /** SHA-256 of the record's canonical JSON (of the raw payload when unreadable): one row per content. */
  fingerprint: string;
  payload: string;
  nowMs: number;
}

export async function addSuspect(tx: SqlExecutor, s: Suspect): Promise<StoredAlarm | undefined> {
  const { deviceId, seq, code, message, nowMs } = s;
  const inserted = await tx.run(
    `INSERT INTO audit_suspects (device_id, seq, reason, fingerprint, payload, received_ms)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [deviceId, seq, code, s.fingerprint, s.payload, nowMs],
  );
  if (inserted === 0) return undefined;
  const rows = await tx.all(
    'INSERT INTO archive_alarms (device_id, seq, code, message, raised_ms) VALUES (?, ?, ?, ?, ?) RETURNING id',
    [deviceId, seq, code, message, nowMs],
  );
  return { id: asNumber(rows[0]?.id), deviceId, seq, code, message, raisedMs: nowMs };
}
