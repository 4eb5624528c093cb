/**
 * One look's staff token, in exactly the form the device verifies (src/policy/tokens.ts: JWT,
 * EdDSA, `iss`, one `aud`, `sub`, `jti`, `iat`, `exp`, `scope`, `reason` for emergencies). Ed25519
 * signatures are deterministic (RFC 8032, 5.1.6) and the header and claims are serialised in a
 * fixed order, so the same claims always give the same token: the centre re-mints it for a look's
 * later requests instead of storing it.
 */
import { type KeyObject, SignJWT } from 'jose';

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
