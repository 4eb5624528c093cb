/**
 * A look's credentials: the staff token the centre mints for it, the issuer key config it is signed
 * with, and the look handle that lets any centre instance mint it again.
 *
 * The token is in exactly the form the device verifies (src/policy/tokens.ts: JWT,
 * EdDSA, `iss`, one `aud`, `sub`, `jti`, `iat`, `exp`, `scope`, `reason` for emergencies). Ed25519
 * signatures are deterministic (RFC 8032, 5.1.6) and the header and claims are serialised in a
 * fixed order, so the same claims always give the same token: the centre re-mints it for a look's
 * later requests instead of storing it.
 */
import { CompactSign, compactVerify, type KeyObject, SignJWT } from 'jose';
import { z } from 'zod';
import type { CentreKey } from '../keys/index.ts';

export const LOOK_SCOPES = ['view', 'emergency'] as const;
export type LookScope = (typeof LOOK_SCOPES)[number];

/** Everything a look token says. Times are epoch seconds, as in the JWT. */
export interface LookClaims {
  /** Staff id from the IdP. */
  readonly sub: string;
  /** The one device looked at. */
  readonly aud: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly scope: LookScope;
  readonly reason?: string | undefined;
}

export interface SigningKey {
  readonly issuer: string;
  readonly keyId: string;
  readonly privateKey: KeyObject | CryptoKey;
}

export function signLookToken(claims: LookClaims, key: SigningKey): Promise<string> {
  return new SignJWT({ scope: claims.scope, ...(claims.reason ? { reason: claims.reason } : {}) })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.keyId })
    .setIssuer(key.issuer)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key.privateKey);
}

/** A look token lives at most this long, however long its window stays open. */
export const MAX_LOOK_TOKEN_SECONDS = 600;

/** The `staffTokens` config section: the issuer key the centre mints look tokens with. */
export const staffTokensConfigSchema = z.strictObject({
  /** `iss` of every token: the issuer the devices pin (`tokens.issuer` in the device config). */
  issuer: z.string().min(1),
  /** The issuer's Ed25519 private key (PKCS#8 PEM, mode 0600 or stricter). */
  privateKeyFile: z.string().min(1),
  /** `kid` header naming the key, so devices can pin the next key before the switch. */
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, . _ or -'),
  maxLifetimeSeconds: z.number().int().min(30).max(MAX_LOOK_TOKEN_SECONDS).default(MAX_LOOK_TOKEN_SECONDS),
});
export type StaffTokensConfig = z.output<typeof staffTokensConfigSchema>;

/**
 * The look handle: a look's token claims (never the token), signed with the centre key's
 * look-handle subkey (HMAC-SHA256 as a compact JWS, RFC 7515), so it can travel in the look's
 * session URL and any centre instance can re-mint the token from it. It carries the issuer key's
 * `kid`, so a handle outlives no key rotation, and it is no use to anyone but the staff member and
 * device it names: the centre checks both before re-minting.
 */
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
