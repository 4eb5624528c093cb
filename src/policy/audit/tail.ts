/**
 * What the files beside the log say about its tail: the head file (written after every append),
 * the delivery cursor (the last record the archive acknowledged) and the checkpoint (signed every so
 * many records). Each is written only after the record it names is on disk, so none may name a
 * record the log does not hold. If one does, committed records were lost (issue 9: start-up used to
 * cut such a tail as torn and issue its `seq` again with another hash, and verification passed).
 */
import type { DurableStore } from '../ports.ts';
import { CHECKPOINT_FILE, claimedPoint } from './checkpoint.ts';
import { type ChainPoint, CURSOR_FILE, HEAD_FILE, parseChainPoint } from './record.ts';

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

function readPoint(text: string | undefined): ChainPoint | undefined {
  try {
    return parseChainPoint(text);
  } catch {
    return undefined;
  }
}
