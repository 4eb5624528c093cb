/**
 * The centre session, carried whole in a sealed cookie so any instance can serve any request:
 * staff id, groups, session id, sign-in time and last-seen time. A session ends when unused for the
 * idle timeout (sliding: each use moves last-seen), at the absolute timeout after sign-in (a
 * shift), or at sign-out (its id is revoked until the absolute timeout, so a replayed cookie fails).
 * This module also owns the cookies that carry it and the list of signed-out sessions.
 */

import { parseCookie, stringifySetCookie } from 'cookie';
import { z } from 'zod';
import type { Sealer } from '../keys/index.ts';
import type { StaffIdentity, StaffSession } from './staff.ts';

/** Why a request has no session (HTTP 401 body codes for APIs). */
export type SessionProblem = 'not_signed_in' | 'session_expired' | 'signed_out';

const sealedSession = z.strictObject({
  v: z.literal(1),
  sid: z.string().min(1),
  sub: z.string().min(1),
  grp: z.array(z.string()),
  iat: z.number().int(),
  seen: z.number().int(),
});

export interface SessionTimes {
  idleMs: number;
  absoluteMs: number;
  /** Last-seen is rewritten only once it is older than this (0: on every request). */
  touchMs: number;
}

export type SessionRead =
  | { ok: true; session: StaffSession; refreshed: string | undefined }
  | { ok: false; code: SessionProblem };

export interface SessionCodecOptions {
  sealer: Sealer;
  revocations: SessionRevocations;
  times: SessionTimes;
  now: () => number;
  randomId: () => string;
}

export class SessionCodec {
  readonly #o: SessionCodecOptions;

  constructor(options: SessionCodecOptions) {
    this.#o = options;
  }

  get times(): SessionTimes {
    return this.#o.times;
  }

  /** A new session for a staff member the IdP has just vouched for. */
  async create(identity: StaffIdentity): Promise<{ session: StaffSession; sealed: string }> {
    const now = this.#o.now();
    const session: StaffSession = {
      sessionId: this.#o.randomId(),
      staffId: identity.staffId,
      groups: [...identity.groups],
      issuedAt: now,
      lastSeen: now,
    };
    return { session, sealed: await this.#seal(session) };
  }

  /**
   * Opens and checks a cookie value; `refreshed` is the new cookie value when last-seen moved.
   * `touch: false` reads without counting as use (a page refreshing itself is not staff at work).
   */
  async read(sealed: string | undefined, options: { touch?: boolean } = {}): Promise<SessionRead> {
    if (!sealed) return { ok: false, code: 'not_signed_in' };
    const parsed = sealedSession.safeParse(await this.#o.sealer.open(sealed));
    if (!parsed.success) return { ok: false, code: 'not_signed_in' };
    const { sid, sub, grp, iat, seen } = parsed.data;
    const now = this.#o.now();
    const { idleMs, absoluteMs, touchMs } = this.#o.times;
    if (now >= iat + absoluteMs || now >= seen + idleMs) return { ok: false, code: 'session_expired' };
    if (await this.#o.revocations.isRevoked(sid)) return { ok: false, code: 'signed_out' };
    const touched = options.touch !== false && now - seen >= touchMs && now > seen;
    const session: StaffSession = {
      sessionId: sid,
      staffId: sub,
      groups: grp,
      issuedAt: iat,
      lastSeen: touched ? now : seen,
    };
    return { ok: true, session, refreshed: touched ? await this.#seal(session) : undefined };
  }

  /** Signs the session out everywhere: its id stays revoked until it would have expired anyway. */
  async end(session: StaffSession): Promise<void> {
    await this.#o.revocations.revoke(session.sessionId, this.absoluteEnd(session));
  }

  absoluteEnd(session: StaffSession): number {
    return session.issuedAt + this.#o.times.absoluteMs;
  }

  /** Seconds the cookie should live: until the absolute timeout. */
  maxAgeSeconds(session: StaffSession): number {
    return (this.absoluteEnd(session) - this.#o.now()) / 1000;
  }

  #seal(s: StaffSession): Promise<string> {
    return this.#o.sealer.seal({
      v: 1,
      sid: s.sessionId,
      sub: s.staffId,
      grp: s.groups,
      iat: s.issuedAt,
      seen: s.lastSeen,
    });
  }
}

/**
 * The centre's two cookies: the session (`SameSite=Strict`, so no other site can make a signed-in
 * request) and the short sign-in transaction (`SameSite=Lax`, because the IdP's redirect back to
 * `/auth/callback` is a cross-site navigation a Strict cookie would not ride). Both are HttpOnly,
 * Secure and host-only; over HTTPS their names carry the `__Host-` prefix, which browsers honour only
 * for cookies set Secure, with Path=/ and no Domain (RFC 6265bis, section 4.1.3.2).
 */
export interface CookieNames {
  session: string;
  signIn: string;
}

export function cookieNames(https: boolean): CookieNames {
  const prefix = https ? '__Host-' : '';
  return { session: `${prefix}nattsyn-session`, signIn: `${prefix}nattsyn-signin` };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

export function setCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  sameSite: 'strict' | 'lax',
): string {
  return stringifySetCookie({
    name,
    value,
    httpOnly: true,
    secure: true,
    sameSite,
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

export function clearCookie(name: string, sameSite: 'strict' | 'lax'): string {
  return stringifySetCookie({
    name,
    value: '',
    httpOnly: true,
    secure: true,
    sameSite,
    path: '/',
    maxAge: 0,
  });
}

/**
 * Signed-out sessions. The session cookie is self-contained, so signing out cannot delete anything
 * the cookie depends on; instead its session id is listed here until the session's absolute expiry,
 * after which the cookie is dead anyway. Every instance must see the same list: in production this
 * store lives in the database (one row per sign-out, deleted after `until`); the in-memory store
 * below serves a single instance, tests and the demo.
 */
export interface SessionRevocations {
  /** Lists `sessionId` as signed out until `until` (epoch ms). */
  revoke(sessionId: string, until: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** One instance's list, pruned as it is used. `now` is the centre's clock. */
export class MemoryRevocations implements SessionRevocations {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get size(): number {
    return this.#until.size;
  }

  async revoke(sessionId: string, until: number): Promise<void> {
    this.#prune();
    this.#until.set(sessionId, until);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const until = this.#until.get(sessionId);
    return until !== undefined && until > this.#now();
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
  }
}
