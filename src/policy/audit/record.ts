/**
 * One audit record and its place in the hash chain. `hash` is SHA-256 over the RFC 8785 canonical
 * JSON of every other field, `prev` the hash before it, so an edit, a deletion or a reordering
 * anywhere breaks the chain from that record on.
 */
import canonicalize from 'canonicalize';
import type { Sha256Hex } from '../ports.ts';

/** The genesis hash and the record types are the wire format's (src/protocol/audit.ts), shared with the archive. */
export { AUDIT_TYPES, type AuditType, GENESIS_HASH } from '../../protocol/audit.ts';

import type { AuditType } from '../../protocol/audit.ts';

/** What a caller records; the log adds `seq`, `ts`, `prev` and `hash`. */
export interface AuditEntry {
  type: AuditType;
  /** Who: a staff id, `resident`, `installer`, `centre` or `device`. Never a resident's name. */
  actor?: string | undefined;
  /** Stable reason code: why denied, why a session ended. */
  code?: string | undefined;
  sessionId?: string | undefined;
  durationMs?: number | undefined;
  /** Small, flat context: scope, window id, policy version, remote address. Nothing from the room. */
  detail?: Record<string, string | number | boolean> | undefined;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  /** Wall-clock time, ISO 8601 UTC. */
  ts: string;
  prev: string;
  hash: string;
}

/** Drops undefined fields so the canonical form (and the hash) does not depend on them. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function sealRecord(
  entry: AuditEntry,
  seq: number,
  ts: string,
  prev: string,
  sha256: Sha256Hex,
): AuditRecord {
  const unsealed = defined({ ...entry, seq, ts, prev });
  return { ...unsealed, hash: hashOf(unsealed, sha256) };
}

export function hashOf(record: Omit<AuditRecord, 'hash'> | AuditRecord, sha256: Sha256Hex): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  const text = canonicalize(rest);
  if (text === undefined) throw new TypeError('audit record cannot be canonicalised');
  return sha256(text);
}

/** Segment files are named for the first `seq` they hold, so their order is their name order. */
export const SEGMENT_PREFIX = 'audit-';
export const SEGMENT_SUFFIX = '.jsonl';
export const HEAD_FILE = 'audit.head.json';
export const ANCHOR_FILE = 'audit.anchor.json';
export const CURSOR_FILE = 'audit.cursor.json';

export const segmentName = (firstSeq: number): string =>
  `${SEGMENT_PREFIX}${String(firstSeq).padStart(12, '0')}${SEGMENT_SUFFIX}`;

export function segmentFirstSeq(name: string): number | undefined {
  const m = /^audit-(\d{12})\.jsonl$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

export function parseChainPoint(text: string | undefined): ChainPoint | undefined {
  if (text === undefined) return undefined;
  const v = JSON.parse(text) as Partial<ChainPoint>;
  if (typeof v.seq !== 'number' || typeof v.hash !== 'string') throw new TypeError('bad chain point');
  return { seq: v.seq, hash: v.hash };
}
