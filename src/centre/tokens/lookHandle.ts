/**
 * The look handle: a look's token claims (never the token), signed with the centre key's
 * look-handle subkey (HMAC-SHA256 as a compact JWS, RFC 7515), so it can travel in the look's
 * session URL and any centre instance can re-mint the token from it. It carries the issuer key's
 * `kid`, so a handle outlives no key rotation, and it is no use to anyone but the staff member and
 * device it names: the centre checks both before re-minting.
 */
import { CompactSign, compactVerify } from 'jose';
import { z } from 'zod';
import type { CentreKey } from '../keys/index.ts';
import { LOOK_SCOPES, type LookClaims } from './lookToken.ts';

const TYPE = 'nattsyn-look+jws';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const handleSchema = z.strictObject({
  kid: z.string(),
  sub: z.string().min(1),
  aud: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  scope: z.enum(LOOK_SCOPES),
  reason: z.string().optional(),
});

export class LookHandles {
  readonly #key: Uint8Array;

  constructor(key: CentreKey) {
    this.#key = key.subkey('look-handle');
  }

  sign(claims: LookClaims, keyId: string): Promise<string> {
    const body = { kid: keyId, ...claims };
    if (body.reason === undefined) delete body.reason;
    return new CompactSign(encoder.encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'HS256', typ: TYPE })
      .sign(this.#key);
  }

  /** The claims and key id, or undefined when the handle was not signed by this centre key. */
  async open(handle: string): Promise<{ claims: LookClaims; keyId: string } | undefined> {
    try {
      const { payload, protectedHeader } = await compactVerify(handle, this.#key, { algorithms: ['HS256'] });
      if (protectedHeader.typ !== TYPE) return undefined;
      const parsed = handleSchema.safeParse(JSON.parse(decoder.decode(payload)));
      if (!parsed.success) return undefined;
      const { kid, ...claims } = parsed.data;
      return { claims, keyId: kid };
    } catch {
      return undefined;
    }
  }
}
