/**
 * Signed JSON documents: a compact JWS (EdDSA only) by a pinned key, with an explicit `typ`
 * (RFC 8725 §3.11) so one kind of document can never pass for another. Owns the steps every signed
 * document shares (header guard, signature, strict UTF-8, JSON, schema); what a verified document
 * means (device, version, expiry) stays with its caller. Never throws: a refusal carries a reason.
 */
import { CompactSign, compactVerify, decodeProtectedHeader, type KeyObject } from 'jose';
import type { z } from 'zod';

export type SignedJsonVerdict<T> =
  | { ok: true; value: T }
  /** Not an EdDSA JWS of this `typ` by the pinned key (or a header that could redirect trust). */
  | { ok: false; reason: 'bad_signature' }
  /** Signed, but the payload is not UTF-8 JSON. */
  | { ok: false; reason: 'malformed' }
  /** Signed JSON that the schema refuses; `issues` as `<path>: <message>`. */
  | { ok: false; reason: 'invalid'; issues: string[] };

export interface SignedJsonOptions<T> {
  typ: string;
  key: KeyObject | CryptoKey;
  schema: z.ZodType<T>;
}

/** Lists schema problems as `<path>: <message>`, the house format for every validation error. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map(
    (i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`,
  );
}

export async function verifySignedJson<T>(
  jws: string,
  { typ, key, schema }: SignedJsonOptions<T>,
): Promise<SignedJsonVerdict<T>> {
  let payload: Uint8Array;
  try {
    const header = decodeProtectedHeader(jws);
    // crit could make a verifier skip what it does not understand; jwk/jku would name another key
    if (header.alg !== 'EdDSA' || header.typ !== typ || header.crit || header.jwk || header.jku) {
      return { ok: false, reason: 'bad_signature' };
    }
    ({ payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] }));
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'invalid', issues: formatIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}

/** Signs an already validated value as a compact JWS of type `typ`. */
export function signJson(value: unknown, typ: string, privateKey: KeyObject | CryptoKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(value)))
    .setProtectedHeader({ alg: 'EdDSA', typ })
    .sign(privateKey);
}
