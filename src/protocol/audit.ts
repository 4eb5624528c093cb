/**
 * The audit trail on the wire, shared by the device that writes it and the centre that archives it:
 * one record of the hash chain, how its hash is computed, the archive's two answers (the
 * acknowledgement and the resend request), and the device events the archive stores beside it.
 * `hash` is SHA-256 over the RFC 8785 canonical JSON of every other field, so any verifier in any
 * language recomputes it from the record alone.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';

/** The `prev` of a device's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit record records. Add types, never rename one: archived records keep their type. */
export const AUDIT_TYPES = [
  'grant',
  'deny',
  'session_end',
  'pause',
  'resume',
  'policy_applied',
  'policy_rejected',
  'install_preview',
  'reference_view_set',
  'command',
  'decommissioned',
  'service_start',
  /** What staff saw on a look, linked to its session (docs/round.md): `code` is the outcome. */
  'look_outcome',
  'audit_restored',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

const isoTime = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const flat = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** One record exactly as the device's chain holds it and publishes it on `nattsyn/v1/<id>/audit`. */
export const auditRecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  ts: isoTime,
  type: z.enum(AUDIT_TYPES),
  /** A staff id, `resident`, `installer`, `centre` or `device`; never a resident's name. */
  actor: z.string().optional(),
  /** Stable reason code: why denied, why a session ended. */
  code: z.string().optional(),
  sessionId: z.string().optional(),
  durationMs: z.number().optional(),
  detail: flat.optional(),
  prev: sha256Hex,
  hash: sha256Hex,
});
export type AuditRecordPayload = z.infer<typeof auditRecordSchema>;

/** A record before its hash: what `auditRecordHash` is computed over. */
export type UnsealedAuditRecord = Omit<AuditRecordPayload, 'hash'>;

/**
 * SHA-256 (lower-case hex) of the RFC 8785 canonical JSON of every field but `hash`. Fields that are
 * undefined are left out, exactly as JSON leaves them out, so a record hashes the same before and
 * after a trip through the wire.
 */
export function auditRecordHash(record: UnsealedAuditRecord | AuditRecordPayload): string {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'hash' && value !== undefined) rest[key] = value;
  }
  const text = canonicalize(rest);
  if (text === undefined) throw new TypeError('audit record cannot be canonicalised');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Whether the record's own `hash` matches its content (its link to `prev` is the chain's business). */
export const auditRecordIntact = (record: AuditRecordPayload): boolean =>
  auditRecordHash(record) === record.hash;

/**
 * The archive's acknowledgement on `nattsyn/v1/<id>/audit/ack` (retained, QoS 1): every record up to
 * `seq` is stored in the archive and verified link by link from the device's first record. `hash`
 * is that record's hash, so the device confirms the archive holds the same chain it does.
 */
export const auditAckSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: sha256Hex,
  /** When the archive acknowledged, ISO 8601. */
  at: isoTime,
});
export type AuditAck = z.infer<typeof auditAckSchema>;

/** The archive's request on `nattsyn/v1/<id>/audit/resend` (QoS 1, not retained): send again from `fromSeq`. */
export const auditResendSchema = z.strictObject({
  fromSeq: z.number().int().positive(),
});
export type AuditResend = z.infer<typeof auditResendSchema>;

/** Why the archive refused to count a record as verified: stable codes the centre's alarms carry. */
export const ARCHIVE_ALARM_CODES = [
  /** Not JSON, or not an audit record. */
  'audit_malformed',
  /** The record's hash does not match its content: altered on the way. */
  'audit_hash_mismatch',
  /** The record's `prev` is not the hash of the record before it. */
  'audit_chain_broken',
  /** A different record for a `seq` the archive already holds. */
  'audit_conflict',
] as const;
export type ArchiveAlarmCode = (typeof ARCHIVE_ALARM_CODES)[number];

/** An alarm the archive raises on `nattsyn/v1/_centre/archive/alarm` (QoS 1, not retained). */
export const archiveAlarmSchema = z.strictObject({
  id: z.number().int().positive(),
  code: z.enum(ARCHIVE_ALARM_CODES),
  deviceId: z.string(),
  seq: z.number().int().nullable(),
  message: z.string(),
  at: isoTime,
});
export type ArchiveAlarm = z.infer<typeof archiveAlarmSchema>;

/**
 * How far the archive holds one device's chain, retained on `nattsyn/v1/_centre/archive/device/<id>`:
 * `complete` when every record archived is verified, `behind` when records wait past a gap (the
 * device is asked to resend), `broken` when a record that does not verify sits past the verified
 * head (the chain cannot move until the device's own record for that `seq` arrives).
 */
export const ARCHIVE_STATES = ['complete', 'behind', 'broken'] as const;
export type ArchiveState = (typeof ARCHIVE_STATES)[number];

export const archiveDeviceStateSchema = z.strictObject({
  deviceId: z.string().min(1).max(64),
  state: z.enum(ARCHIVE_STATES),
  /** Every record up to here is archived and verified link by link. */
  verifiedSeq: z.number().int().nonnegative(),
  /** The highest record archived, verified or past a gap. */
  highestSeq: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  /** Records refused as suspect for this device, ever (each raised an alarm). */
  suspects: z.number().int().nonnegative(),
  /** The lowest `seq` of a suspect past the verified head, when `broken`. */
  brokenAt: z.number().int().positive().nullable(),
  /** When the archive last stored a record of this device. */
  lastRecordAt: isoTime,
  /** When this state was read from the archive's database. */
  at: isoTime,
});
export type ArchiveDeviceState = z.infer<typeof archiveDeviceStateSchema>;

/** An archive instance's presence (its Last Will says `offline`). */
export const archiveInstanceSchema = z.strictObject({
  state: z.enum(['online', 'stopped', 'offline']),
});
export type ArchiveInstance = z.infer<typeof archiveInstanceSchema>;

/**
 * A device event as the archive stores it (`nattsyn/v1/<id>/event`). The device's own schema
 * (src/health/payloads.ts) names the closed list of codes; the archive keeps any well-formed code,
 * so a newer device's event is stored rather than dropped.
 */
export const eventRecordSchema = z.strictObject({
  /** Unique per event and kept on a re-send: the archive stores each once. */
  eventId: z.string().min(1).max(128),
  seq: z.number().int().positive(),
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  ts: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type EventRecord = z.infer<typeof eventRecordSchema>;
