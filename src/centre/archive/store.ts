/**
 * The archive's writes: each audit record judged against its device's chain and stored in one
 * transaction with the device's new state, so what the archive acknowledges is exactly what it
 * committed. The device row is locked for the transaction (PostgreSQL `FOR UPDATE`; SQLite holds
 * the database), so instances sharing the load never judge one device's records at the same time.
 * Writes are idempotent: a record is stored once per (device, seq), a suspect once per content, an
 * event once per (device, eventId).
 */
import canonicalize from 'canonicalize';
import {
  type AuditRecordPayload,
  auditRecordIntact,
  auditRecordSchema,
  eventRecordSchema,
} from '../../protocol/index.ts';
import { type ChainHead, judge, type Verdict } from './chain.ts';
import { asNumber, type SqlDatabase } from './db/sql.ts';
import { addSuspect, insertRecord, lockDevice, promote, type StoredAlarm, sha256 } from './rows.ts';

export type { StoredAlarm } from './rows.ts';

export interface AuditIngest {
  outcome: Verdict['kind'] | 'malformed';
  /** The device's verified head after this record. */
  head: ChainHead;
  /** The highest `seq` stored for the device, verified or pending. */
  highestSeq: number;
  /** Alarms this record raised (none for a repeat of a suspect already stored). */
  alarms: StoredAlarm[];
}

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
