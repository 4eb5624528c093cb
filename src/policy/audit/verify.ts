/**
 * Read-only check of the whole audit trail: every record's hash, the links between them, contiguous
 * `seq` across segments, and the tail against the anchors kept beside the log (the head file and
 * the delivery cursor), so an edit, a deletion, a reordering or a truncated tail is found and the
 * first bad `seq` named. A torn last line (a crash mid-write) was never committed and is ignored.
 * With the device's identity key, the signed checkpoint (checkpoint.ts) must be there, verify, and
 * name a record the chain holds with the same hash: a log cut short or re-chained after its head
 * and cursor files were deleted no longer passes.
 */

import { splitLines } from '../../platform/appendLog.ts';
import type { DurableStore, Sha256Hex } from '../ports.ts';
import { CHECKPOINT_FILE, claimedPoint, readPoint, type SigningKey, verifyCheckpoint } from './checkpoint.ts';
import {
  ANCHOR_FILE,
  type AuditRecord,
  type ChainPoint,
  CURSOR_FILE,
  GENESIS_HASH,
  HEAD_FILE,
  hashOf,
  SEGMENT_PREFIX,
  segmentFirstSeq,
} from './record.ts';

export type AuditVerdict =
  | {
      ok: true;
      records: number;
      firstSeq: number;
      lastSeq: number;
      tornBytes: number;
      /** The checkpoint the log was checked against, and whether its signature was verified. */
      checkpoint: { seq: number; signed: boolean } | null;
    }
  | { ok: false; badSeq: number; reason: string };

export interface VerifyOptions {
  /** The device's identity public key: the checkpoint must then be present and signed by it. */
  checkpointKey?: SigningKey | undefined;
}

export async function verifyAuditLog(
  store: DurableStore,
  sha256: Sha256Hex,
  options: VerifyOptions = {},
): Promise<AuditVerdict> {
  const base = readPoint(await store.read(ANCHOR_FILE)) ?? { seq: 0, hash: GENESIS_HASH };
  // Read before the segments: all are written after the records they name, so on a live log
  // they can never run ahead of what the segments hold and raise a false truncation alarm.
  const checkpoint = await readCheckpoint(await store.read(CHECKPOINT_FILE), options.checkpointKey);
  if ('problem' in checkpoint) return bad(checkpoint.seq, checkpoint.problem);
  const tailAnchors: [string, ChainPoint | undefined][] = [
    ['head', readPoint(await store.read(HEAD_FILE))],
    ['delivery cursor', readPoint(await store.read(CURSOR_FILE))],
    ['checkpoint', checkpoint.point],
  ];
  const segments = (await store.list(SEGMENT_PREFIX)).filter((n) => segmentFirstSeq(n) !== undefined);
  let prev = base;
  let records = 0;
  let tornBytes = 0;
  const hashes = new Map<number, string>();
  for (const [index, name] of segments.entries()) {
    // Wholly before the anchor: pruned, but a crash came between writing the anchor and removing it.
    const next = segments[index + 1];
    if (next !== undefined && segmentFirstSeq(next)! <= base.seq + 1) continue;
    const expected = prev.seq + 1;
    const { lines, tornBytes: torn } = splitLines((await store.read(name)) ?? '');
    if (torn > 0 && index < segments.length - 1) return bad(expected, `segment ${name} ends in a torn line`);
    tornBytes += torn;
    if (lines.length > 0 && segmentFirstSeq(name) !== expected) return bad(expected, 'record missing');
    for (const line of lines) {
      const want = prev.seq + 1;
      const record = parseRecord(line);
      if (!record) return bad(want, 'record unreadable');
      if (record.seq !== want)
        return bad(want, record.seq > want ? 'record missing' : 'records out of order');
      if (record.prev !== prev.hash) return bad(want, 'chain broken: prev does not match the record before');
      if (hashOf(record, sha256) !== record.hash) return bad(want, 'record altered: hash does not match');
      hashes.set(record.seq, record.hash);
      prev = { seq: record.seq, hash: record.hash };
      records++;
    }
  }
  const tailProblem = checkTail(prev, hashes, tailAnchors);
  if (tailProblem) return tailProblem;
  const { point } = checkpoint;
  if (options.checkpointKey && !point && prev.seq > 0) return bad(base.seq + 1, 'no signed checkpoint');
  if (point && point.seq < base.seq) return bad(point.seq, 'checkpoint older than the log kept');
  if (point && point.seq === base.seq && point.hash !== base.hash)
    return bad(point.seq, 'record differs from the checkpoint');
  return {
    ok: true,
    records,
    firstSeq: base.seq + 1,
    lastSeq: prev.seq,
    tornBytes,
    checkpoint: point ? { seq: point.seq, signed: options.checkpointKey !== undefined } : null,
  };
}

/** The checkpoint's point; with a key, only when its signature verifies. */
async function readCheckpoint(
  jws: string | undefined,
  key: SigningKey | undefined,
): Promise<{ point: ChainPoint | undefined } | { seq: number; problem: string }> {
  const claimed = claimedPoint(jws);
  if (jws !== undefined && !claimed) return { seq: 0, problem: 'checkpoint unreadable' };
  if (!key || jws === undefined) return { point: claimed };
  const verified = await verifyCheckpoint(jws, key);
  if (!verified) return { seq: claimed?.seq ?? 0, problem: 'checkpoint not signed by this device' };
  return { point: { seq: verified.seq, hash: verified.hash } };
}

function checkTail(
  last: ChainPoint,
  hashes: Map<number, string>,
  anchors: [string, ChainPoint | undefined][],
): AuditVerdict | undefined {
  for (const [what, anchor] of anchors) {
    if (!anchor) continue;
    if (anchor.seq > last.seq) return bad(last.seq + 1, `log truncated: the ${what} names seq ${anchor.seq}`);
    const hash = hashes.get(anchor.seq);
    if (hash !== undefined && hash !== anchor.hash) return bad(anchor.seq, `record differs from the ${what}`);
  }
  return undefined;
}

function parseRecord(line: string): AuditRecord | undefined {
  try {
    const v = JSON.parse(line) as AuditRecord;
    return typeof v.seq === 'number' && typeof v.hash === 'string' && typeof v.prev === 'string'
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

const bad = (badSeq: number, reason: string): AuditVerdict => ({ ok: false, badSeq, reason });
