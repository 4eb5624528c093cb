/**
 * The archive's judgement of one audit record against what it already holds for that device: pure,
 * so every case is tested without a database. The chain head is the highest `seq` verified link by
 * link from the device's first record; nothing past a gap or a broken link is ever counted verified.
 */
import type { ArchiveAlarmCode, AuditRecordPayload } from '../../protocol/index.ts';

export interface ChainHead {
  seq: number;
  hash: string;
}

export type Verdict =
  | { kind: 'duplicate' }
  /** Links to the head: the head moves to it. */
  | { kind: 'verified' }
  /** Past a gap: kept, verified once the records before it arrive. */
  | { kind: 'pending' }
  | { kind: 'suspect'; code: ArchiveAlarmCode; message: string };

export function judge(
  record: AuditRecordPayload,
  intact: boolean,
  head: ChainHead,
  stored: { hash: string } | undefined,
): Verdict {
  if (!intact) return suspect('audit_hash_mismatch', `record ${record.seq} does not match its hash`);
  if (stored) {
    return stored.hash === record.hash
      ? { kind: 'duplicate' }
      : suspect('audit_conflict', `record ${record.seq} differs from the one archived`);
  }
  if (record.seq <= head.seq)
    return suspect('audit_conflict', `record ${record.seq} is behind the verified chain`);
  if (record.seq > head.seq + 1) return { kind: 'pending' };
  return record.prev === head.hash
    ? { kind: 'verified' }
    : suspect('audit_chain_broken', `record ${record.seq} does not link to record ${head.seq}`);
}

export interface PendingLink {
  seq: number;
  prev: string;
  hash: string;
}

/**
 * Walks pending records (in `seq` order) forward from the head while each links to the one before.
 * Stops at a gap, or at a record in the next place that does not link (`broken`).
 */
export function walk(
  head: ChainHead,
  pending: readonly PendingLink[],
): { head: ChainHead; broken: PendingLink | undefined } {
  let at = head;
  for (const link of pending) {
    if (link.seq !== at.seq + 1) return { head: at, broken: undefined };
    if (link.prev !== at.hash) return { head: at, broken: link };
    at = { seq: link.seq, hash: link.hash };
  }
  return { head: at, broken: undefined };
}

const suspect = (code: ArchiveAlarmCode, message: string): Verdict => ({ kind: 'suspect', code, message });
