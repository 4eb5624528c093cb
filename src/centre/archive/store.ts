/**
 * The archive's writes: each audit record judged against its device's chain and stored in one
 * transaction with the device's new state, so what the archive acknowledges is exactly what it
 * committed. The device row is locked for the transaction (PostgreSQL `FOR UPDATE`; SQLite holds
 * the database), so instances sharing the load never judge one device's records at the same time.
 * Writes are idempotent: a record is stored once per (device, seq), a suspect once per content, an
 * event once per (device, eventId).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  type ArchiveAlarmCode,
  type AuditRecordPayload,
  auditRecordIntact,
  auditRecordSchema,
  eventRecordSchema,
  GENESIS_HASH,
} from '../../protocol/index.ts';
import { type ChainHead, judge, type Verdict, walk } from './chain.ts';
import { asNumber, forUpdate, type SqlDatabase, type SqlExecutor } from './db/sql.ts';

export interface StoredAlarm {
  id: number;
  deviceId: string;
  seq: number | null;
  code: ArchiveAlarmCode;
  message: string;
  raisedMs: number;
}

export interface AuditIngest {
  outcome: Verdict['kind'] | 'malformed';
  /** The device's verified head after this record. */
  head: ChainHead;
  /** The highest `seq` stored for the device, verified or pending. */
  highestSeq: number;
  /** Alarms this record raised (none for a repeat of a suspect already stored). */
  alarms: StoredAlarm[];
}

const PROMOTE_BATCH = 500;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export class ArchiveStore {
  readonly db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  /** Judges and stores one payload received on `nattsyn/v1/<deviceId>/audit`. */
  async ingestAudit(deviceId: string, payload: string, receivedMs: number): Promise<AuditIngest> {
    const record = parseRecord(payload);
    return this.db.transaction(async (tx) => {
      let head = await lockDevice(tx, this.db.dialect, deviceId, receivedMs);
      const alarms: StoredAlarm[] = [];
      let outcome: AuditIngest['outcome'];
      if (!record) {
        outcome = 'malformed';
        const seq = seqOf(payload);
        const message = 'a payload that is not an audit record';
        const alarm = await addSuspect(tx, {
          deviceId,
          seq,
          code: 'audit_malformed',
          message,
          fingerprint: sha256(payload),
          payload,
          nowMs: receivedMs,
        });
        if (alarm) alarms.push(alarm);
      } else {
        const stored = await tx.all('SELECT hash FROM audit_records WHERE device_id = ? AND seq = ?', [
          deviceId,
          record.seq,
        ]);
        const verdict = judge(
          record,
          auditRecordIntact(record),
          head,
          stored[0] as { hash: string } | undefined,
        );
        outcome = verdict.kind;
        if (verdict.kind === 'suspect') {
          const text = canonicalize(record)!;
          const { code, message } = verdict;
          const alarm = await addSuspect(tx, {
            deviceId,
            seq: record.seq,
            code,
            message,
            fingerprint: sha256(text),
            payload: text,
            nowMs: receivedMs,
          });
          if (alarm) alarms.push(alarm);
        } else if (verdict.kind !== 'duplicate') {
          await insertRecord(tx, deviceId, record, verdict.kind, receivedMs);
          if (verdict.kind === 'verified') head = { seq: record.seq, hash: record.hash };
          head = await promote(tx, deviceId, head, receivedMs, alarms);
        }
      }
      await tx.run(
        `UPDATE archive_devices SET last_record_ms = ?, suspect_count = suspect_count + ?,
           verified_at_ms = CASE WHEN verified_seq <> ? THEN ? ELSE verified_at_ms END,
           verified_seq = ?, verified_hash = ? WHERE device_id = ?`,
        [receivedMs, alarms.length, head.seq, receivedMs, head.seq, head.hash, deviceId],
      );
      const top = await tx.all('SELECT MAX(seq) AS top FROM audit_records WHERE device_id = ?', [deviceId]);
      return { outcome, head, highestSeq: asNumber(top[0]?.top), alarms };
    });
  }

  /** Stores one payload received on `nattsyn/v1/<deviceId>/event`; a repeat of an `eventId` changes nothing. */
  async ingestEvent(
    deviceId: string,
    payload: string,
    receivedMs: number,
  ): Promise<'stored' | 'duplicate' | 'malformed'> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return 'malformed';
    }
    const event = eventRecordSchema.safeParse(parsed);
    if (!event.success) return 'malformed';
    const e = event.data;
    const changed = await this.db.run(
      `INSERT INTO archive_events (device_id, event_id, seq, code, ts, ts_ms, detail, received_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        deviceId,
        e.eventId,
        e.seq,
        e.code,
        e.ts,
        Date.parse(e.ts),
        e.detail ? JSON.stringify(e.detail) : null,
        receivedMs,
      ],
    );
    return changed > 0 ? 'stored' : 'duplicate';
  }

  /** The device's verified head and highest stored `seq`, read outside any transaction. */
  async progress(deviceId: string): Promise<{ head: ChainHead; highestSeq: number } | undefined> {
    const rows = await this.db.all(
      `SELECT verified_seq, verified_hash,
         (SELECT MAX(seq) FROM audit_records r WHERE r.device_id = d.device_id) AS top
       FROM archive_devices d WHERE device_id = ?`,
      [deviceId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      head: { seq: asNumber(row.verified_seq), hash: String(row.verified_hash) },
      highestSeq: asNumber(row.top),
    };
  }
}

function parseRecord(payload: string): AuditRecordPayload | undefined {
  try {
    const parsed = auditRecordSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The `seq` of a payload that is not a valid record, when it names one. */
function seqOf(payload: string): number | null {
  try {
    const seq = (JSON.parse(payload) as { seq?: unknown } | null)?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null;
  } catch {
    return null;
  }
}

async function lockDevice(
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

async function insertRecord(
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
async function promote(
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
interface Suspect {
  deviceId: string;
  seq: number | null;
  code: ArchiveAlarmCode;
  message: string;
  /** SHA-256 of the record's canonical JSON (of the raw payload when unreadable): one row per content. */
  fingerprint: string;
  payload: string;
  nowMs: number;
}

async function addSuspect(tx: SqlExecutor, s: Suspect): Promise<StoredAlarm | undefined> {
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
