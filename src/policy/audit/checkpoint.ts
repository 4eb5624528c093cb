/**
 * A signed checkpoint of the audit log's head: the last `seq` and its hash, signed with the device's
 * Ed25519 identity key (compact JWS, `typ` nattsyn-audit-checkpoint+json) every so many records and
 * on shutdown. The head and cursor files beside the log show a truncated tail only while they are
 * there; a checkpoint also survives their deletion and cannot be rewritten to match a shortened or
 * re-chained log without the identity key, so `audit verify` no longer calls such a log intact.
 * It proves what the device held when it signed, not what came after: the archive is the record.
 */
import { base64url, type KeyObject } from 'jose';
import { z } from 'zod';
import { signJson, verifySignedJson } from '../../protocol/signedJson.ts';
import type { ChainPoint } from './record.ts';

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
