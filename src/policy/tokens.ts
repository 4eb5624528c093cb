/**
 * Staff tokens: JWTs signed with EdDSA by the care organisation's issuer, whose identity and keys
 * the device pins in its config (RFC 8725: one algorithm, explicit checks, no keys from headers).
 * Owns verification and minting; whether a verified token may look *now* is the gate's question.
 */
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, type KeyObject, SignJWT } from 'jose';
import type { DenyCode } from './codes.ts';
import type { EpochMillis } from './ports.ts';

export const SCOPES = ['view', 'emergency', 'install'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600;
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;
/** Headers that would let a token name its own key or demand unknown processing. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

export interface StaffClaims {
  /** Token id (`jti`), used for revocation and the one-live-session rule. */
  tokenId: string;
  /** Staff id (`sub`). */
  staffId: string;
  scope: Scope;
  /** Why an emergency look is needed; required for `emergency`. */
  reason: string | undefined;
  issuedAt: EpochMillis;
  expiresAt: EpochMillis;
}

export interface TokenTrust {
  issuer: string;
  /** Pinned issuer public keys (more than one during a key rotation). */
  keys: readonly (KeyObject | CryptoKey)[];
  /**
   * Keys pinned for install tokens alone (config `tokens.installKeys`). When given, an install token
   * must be signed by one of them and they sign nothing else, so the installers' tooling, which holds
   * such a key, cannot mint a token that looks into a bedroom.
   */
  installKeys?: readonly (KeyObject | CryptoKey)[] | undefined;
  /** This device: the required audience. */
  deviceId: string;
  maxLifetimeSeconds: number;
  clockToleranceSeconds: number;
}

export type TokenVerdict = { ok: true; claims: StaffClaims } | { ok: false; code: DenyCode; message: string };

/** Verifies a bearer token. Never throws: every refusal has a stable code. */
export async function verifyStaffToken(
  token: string | undefined,
  trust: TokenTrust,
  now: EpochMillis,
): Promise<TokenVerdict> {
  if (!token) return deny('no_token', 'a staff token is required');
  const headerProblem = checkHeader(token);
  if (headerProblem) return deny('bad_token', headerProblem);
  const tolerance = Math.min(trust.clockToleranceSeconds, MAX_CLOCK_TOLERANCE_SECONDS);
  const signed = await verifySignature(token, trust, tolerance, now);
  if (!signed.payload) return mapJoseError(signed.error);
  const verdict = checkClaims(signed.payload, trust, now, tolerance);
  if (!verdict.ok || (trust.installKeys ?? []).length === 0) return verdict;
  return keyMatchesScope(verdict, signed.byInstallKey);
}

type Signed =
  | { payload: JWTPayload; byInstallKey: boolean; error?: never }
  | { payload?: never; error: unknown };

/** Tries each pinned key, the issuer's then the install keys, and says which kind signed. */
async function verifySignature(
  token: string,
  trust: TokenTrust,
  tolerance: number,
  now: EpochMillis,
): Promise<Signed> {
  const candidates = [
    ...trust.keys.map((key) => ({ key, install: false })),
    ...(trust.installKeys ?? []).map((key) => ({ key, install: true })),
  ];
  let lastError: unknown;
  for (const { key, install } of candidates) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: trust.issuer,
        audience: trust.deviceId,
        clockTolerance: tolerance,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      });
      return { payload, byInstallKey: install };
    } catch (error) {
      lastError = error;
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  return { error: lastError };
}

/** With install keys pinned, install tokens and all other tokens come from separate keys. */
function keyMatchesScope(verdict: TokenVerdict & { ok: true }, byInstallKey: boolean): TokenVerdict {
  const install = verdict.claims.scope === 'install';
  if (byInstallKey && !install)
    return deny('wrong_scope', 'a key pinned for install tokens may sign install tokens only');
  if (!byInstallKey && install)
    return deny('wrong_scope', 'an install token must be signed by a key pinned for install tokens');
  return verdict;
}

function checkHeader(token: string): string | undefined {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return 'the token is not a signed JWT';
  }
  if (header.alg !== 'EdDSA') return 'the token must be signed with EdDSA';
  const forbidden = FORBIDDEN_HEADERS.find((h) => h in header);
  if (forbidden) return `the token header may not carry "${forbidden}"`;
  if (header.typ !== undefined && header.typ !== 'JWT') return 'the token type must be JWT';
  return undefined;
}

function checkClaims(p: JWTPayload, trust: TokenTrust, now: EpochMillis, tolerance: number): TokenVerdict {
  const { exp, iat, jti, sub } = p as Required<Pick<JWTPayload, 'exp' | 'iat' | 'jti' | 'sub'>>;
  // jose accepts an audience list that contains this device; a token must name one bedroom only.
  if (p.aud !== trust.deviceId) return deny('wrong_device', 'the token must be for this device alone');
  if (typeof jti !== 'string' || jti.length === 0 || typeof sub !== 'string' || sub.length === 0) {
    return deny('bad_token', 'the token needs a non-empty jti and sub');
  }
  if (iat * 1000 > now + tolerance * 1000)
    return deny('token_not_yet_valid', 'the token was issued in the future');
  if (exp - iat > trust.maxLifetimeSeconds) {
    return deny('token_lifetime_exceeded', `the token lives longer than ${trust.maxLifetimeSeconds} s`);
  }
  const scope = p.scope;
  if (typeof scope !== 'string' || !(SCOPES as readonly string[]).includes(scope)) {
    return deny('wrong_scope', 'the token scope must be one of view, emergency, install');
  }
  const reason = typeof p.reason === 'string' && p.reason.trim() !== '' ? p.reason.trim() : undefined;
  if (scope === 'emergency' && !reason)
    return deny('reason_required', 'an emergency token must give a reason');
  return {
    ok: true,
    claims: {
      tokenId: jti,
      staffId: sub,
      scope: scope as Scope,
      reason,
      issuedAt: (iat * 1000) as EpochMillis,
      expiresAt: (exp * 1000) as EpochMillis,
    },
  };
}

function mapJoseError(error: unknown): TokenVerdict {
  if (error instanceof errors.JWTExpired) return deny('token_expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss')
      return deny('wrong_issuer', 'the token is from an issuer this device does not trust');
    if (error.claim === 'aud') return deny('wrong_device', 'the token is for another device');
    if (error.claim === 'nbf' || (error.claim === 'iat' && error.reason === 'check_failed')) {
      return deny('token_not_yet_valid', 'the token is not valid yet');
    }
    return deny('bad_token', `the token claim "${error.claim}" is missing or invalid`);
  }
  return deny('bad_token', 'the token signature or format is invalid');
}

function deny(code: DenyCode, message: string): TokenVerdict {
  return { ok: false, code, message };
}

export interface MintOptions {
  issuer: string;
  deviceId: string;
  staffId: string;
  scope: Scope;
  ttlSeconds: number;
  reason?: string | undefined;
  tokenId: string;
  now: EpochMillis;
  keyId?: string | undefined;
}

/** Mints a staff token (the `nattsyn token` verb, the demo and tests). */
export async function mintStaffToken(o: MintOptions, privateKey: KeyObject | CryptoKey): Promise<string> {
  const iat = Math.floor(o.now / 1000);
  const jwt = new SignJWT({ scope: o.scope, ...(o.reason ? { reason: o.reason } : {}) })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(o.keyId ? { kid: o.keyId } : {}) })
    .setIssuer(o.issuer)
    .setAudience(o.deviceId)
    .setSubject(o.staffId)
    .setJti(o.tokenId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlSeconds);
  return jwt.sign(privateKey);
}
