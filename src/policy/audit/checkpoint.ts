/**
 * A signed checkpoint of the audit log's head: the last `seq` and its hash, signed with the device's
 * Ed25519 identity key (compact JWS, `typ` nattsyn-audit-checkpoint+json) every so many records and
 * on shutdown. The head and cursor files beside the log show a truncated tail only while they are
 * there; a checkpoint also survives their deletion and cannot be rewritten to match a shortened or
 * re-chained log without the identity key, so `audit verify` no longer calls such a log intact.
 * It proves what the device held when it signed, not what came after: the archive is the record.
 * Reading the tail the head, cursor and checkpoint files claim is here too (below).
 */
import { base64url, type KeyObject } from 'jose';
import { z } from 'zod';
import { signJson, verifySignedJson } from '../../protocol/signedJson.ts';
import type { DurableStore } from '../ports.ts';
import { type ChainPoint, CURSOR_FILE, HEAD_FILE, parseChainPoint } from './record.ts';

export const CHECKPOINT_FILE = 'audit.checkpoint.jws';
export const CHECKPOINT_JWS_TYPE = 'nattsyn-audit-checkpoint+json';
/** Records between two checkpoints (and one after the first record of every start). */
export const DEFAULT_CHECKPOINT_EVERY = 100;

const checkpointSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** When it was signed (wall clock, ISO 8601): for people, not for the check. */
  ts: z.iso.datetime({ offset: true }),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export type SigningKey = KeyObject | CryptoKey;

export function signCheckpoint(point: ChainPoint, ts: string, key: SigningKey): Promise<string> {
  return signJson(checkpointSchema.parse({ seq: point.seq, hash: point.hash, ts }), CHECKPOINT_JWS_TYPE, key);
}

export async function verifyCheckpoint(jws: string, key: SigningKey): Promise<Checkpoint | undefined> {
  const verdict = await verifySignedJson(jws.trim(), {
    typ: CHECKPOINT_JWS_TYPE,
    key,
    schema: checkpointSchema,
  });
  return verdict.ok ? verdict.value : undefined;
}

/** The point a checkpoint names, signature unchecked: for the device's own start-up comparison. */
export function claimedPoint(jws: string | undefined): ChainPoint | undefined {
  if (jws === undefined) return undefined;
  try {
    const payload = base64url.decode(jws.trim().split('.')[1] ?? '');
    const parsed = checkpointSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    return parsed.success ? { seq: parsed.data.seq, hash: parsed.data.hash } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the files beside the log say about its tail: the head file (written after every append),
 * the delivery cursor (the last record the archive acknowledged) and the checkpoint (signed every so
 * many records). Each is written only after the record it names is on disk, so none may name a
 * record the log does not hold. If one does, committed records were lost (issue 9: start-up used to
 * cut such a tail as torn and issue its `seq` again with another hash, and verification passed).
 */
export type TailClaims = [what: string, point: ChainPoint | undefined][];

export async function readTailClaims(store: DurableStore): Promise<TailClaims> {
  return [
    ['head file', readPoint(await store.read(HEAD_FILE))],
    ['delivery cursor', readPoint(await store.read(CURSOR_FILE))],
    ['checkpoint', claimedPoint(await store.read(CHECKPOINT_FILE))],
  ];
}

/** Why the log's last record cannot be its true tail, or undefined when every claim agrees. */
export function lostTail(last: ChainPoint, claims: TailClaims): string | undefined {
  for (const [what, claim] of claims) {
    if (!claim) continue;
    if (claim.seq > last.seq) return `the ${what} names seq ${claim.seq} but the log ends at seq ${last.seq}`;
    if (claim.seq === last.seq && claim.hash !== last.hash)
      return `record ${last.seq} differs from the one the ${what} names`;
  }
  return undefined;
}

/** A head, cursor or anchor file's chain point, or nothing when it is absent or unreadable. */
export function readPoint(text: string | undefined): ChainPoint | undefined {
  try {
    return parseChainPoint(text);
  } catch {
    return undefined;
  }
}
