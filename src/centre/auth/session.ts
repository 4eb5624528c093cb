/**
 * The centre session, carried whole in a sealed cookie so any instance can serve any request:
 * staff id, groups, session id, sign-in time and last-seen time. A session ends when unused for the
 * idle timeout (sliding: each use moves last-seen), at the absolute timeout after sign-in (a
 * shift), or at sign-out (its id is revoked until the absolute timeout, so a replayed cookie fails).
 */
import { z } from 'zod';
import type { Sealer } from '../keys/index.ts';
import type { SessionRevocations } from './revocations.ts';
import type { StaffIdentity, StaffSession } from './types.ts';

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
