/**
 * What a look leaves behind for a while after it ends: why it ended (the viewer asks when its
 * picture stops, so it can say so in words) and the staff member's one-tap outcome, appended to
 * the audit chain as its own record linked to the session. Only the token that opened the session
 * may ask or answer, for FOLLOW_UP_MS after the end; a look token may have expired by then, and its
 * expiry (nothing else about it) is forgiven for these two questions. Nothing here opens a stream.
 */
import type { Time } from '../platform/time.ts';
import { type AuditEntry, type EpochMillis, epochMillis, type StaffClaims } from '../policy/index.ts';
import { LOOK_OUTCOMES } from '../protocol/schedule.ts';
import type { ReasonCode } from '../reasons.ts';
import type { AccessDecision } from './decision.ts';
import type { EndedLook, SessionTable } from './sessionTable.ts';
import type { RequestOrigin, SessionEndCode, SessionTicket } from './types.ts';

/** How long after its end a look can still be asked why it ended and be given its outcome. */
export const FOLLOW_UP_MS = 15 * 60_000;

export interface LookStatus {
  live: boolean;
  until: EpochMillis;
  endCode: SessionEndCode | null;
}

export type FollowUpRefusal = { ok: false; code: ReasonCode; message: string };

interface Ended extends EndedLook {
  code: SessionEndCode;
  endedAt: EpochMillis;
  outcomeRecorded: boolean;
}

export interface FollowUpDeps {
  time: Time;
  sessions: SessionTable;
  decision: AccessDecision;
  /** Appends an audit record durably; throws when it cannot (the outcome is then not taken). */
  append: (entry: AuditEntry) => Promise<unknown>;
}

export class LookFollowUp {
  readonly #d: FollowUpDeps;
  readonly #ended = new Map<string, Ended>();
  /** Looks given their outcome while still live; carried over when they end. */
  readonly #recordedLive = new Set<string>();
  #off: (() => void) | undefined;

  constructor(deps: FollowUpDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#off ??= this.#d.sessions.onEnded((sessionId, code, look) => {
      this.#forgetOld();
      const outcomeRecorded = this.#recordedLive.delete(sessionId);
      this.#ended.set(sessionId, { ...look, code, endedAt: this.#d.time.now(), outcomeRecorded });
    });
  }

  stop(): void {
    this.#off?.();
    this.#off = undefined;
    this.#ended.clear();
    this.#recordedLive.clear();
  }

  /** Live with its end, or ended with why; refused for any token but the one that opened it. */
  async status(
    token: string | undefined,
    sessionId: string,
  ): Promise<{ ok: true; status: LookStatus } | FollowUpRefusal> {
    const owner = await this.#owner(token, sessionId);
    if (!owner.ok) return owner;
    const live = this.#d.sessions.get(sessionId);
    if (live) return { ok: true, status: { live: true, until: live.ticket.until, endCode: null } };
    const e = owner.ended!;
    return { ok: true, status: { live: false, until: e.endedAt, endCode: e.code } };
  }

  /** Records the outcome once, as an audit record linked to the session (fsync before it is taken). */
  async outcome(
    token: string | undefined,
    sessionId: string,
    outcome: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true; seq: number } | FollowUpRefusal> {
    if (!(LOOK_OUTCOMES as readonly string[]).includes(outcome)) {
      return { ok: false, code: 'bad_outcome', message: 'the outcome is not one of the three answers' };
    }
    const owner = await this.#owner(token, sessionId);
    if (!owner.ok) return owner;
    const live = this.#d.sessions.get(sessionId);
    const ticket: SessionTicket = live?.ticket ?? owner.ended!.ticket;
    const ended = owner.ended;
    if (ended?.outcomeRecorded || this.#recordedLive.has(sessionId)) {
      return { ok: false, code: 'outcome_recorded', message: 'this look already has its outcome' };
    }
    const durationMs = ended?.durationMs ?? Math.round(this.#d.time.monotonic() - ticket.startedAt);
    const detail = {
      scope: ticket.scope,
      transport: origin.transport,
      ...(ticket.windowId ? { windowId: ticket.windowId } : {}),
    };
    let record: unknown;
    try {
      record = await this.#d.append({
        type: 'look_outcome',
        actor: ticket.staffId,
        code: outcome,
        sessionId,
        durationMs,
        detail,
      });
    } catch {
      return { ok: false, code: 'audit_unavailable', message: 'the device cannot record the outcome now' };
    }
    if (ended) ended.outcomeRecorded = true;
    else this.#recordedLive.add(sessionId);
    const seq = (record as { seq?: number } | undefined)?.seq ?? 0;
    return { ok: true, seq };
  }

  /** Ended looks are forgotten lazily, a little after FOLLOW_UP_MS: no timer outlives a look. */
  #forgetOld(): void {
    const now = this.#d.time.now();
    for (const [id, e] of this.#ended) if (now > e.endedAt + 2 * FOLLOW_UP_MS) this.#ended.delete(id);
  }

  async #owner(
    token: string | undefined,
    sessionId: string,
  ): Promise<{ ok: true; claims: StaffClaims; ended: Ended | undefined } | FollowUpRefusal> {
    this.#forgetOld();
    const claims = await this.#verifyForgivingExpiry(token);
    if (!claims.ok) return claims;
    const live = this.#d.sessions.get(sessionId);
    const ended = this.#ended.get(sessionId);
    const tokenId = live?.claims.tokenId ?? ended?.ticket.tokenId;
    if (tokenId === undefined || tokenId !== claims.claims.tokenId) {
      return { ok: false, code: 'unknown_session', message: 'No such session.' };
    }
    if (ended && this.#d.time.now() > ended.endedAt + FOLLOW_UP_MS) {
      return { ok: false, code: 'outcome_too_late', message: 'the look ended too long ago' };
    }
    return { ok: true, claims: claims.claims, ended };
  }

  async #verifyForgivingExpiry(
    token: string | undefined,
  ): Promise<{ ok: true; claims: StaffClaims } | FollowUpRefusal> {
    const now = this.#d.time.now();
    const verdict = await this.#d.decision.verify(token, now);
    if (verdict.ok) return verdict;
    if (verdict.code !== 'token_expired' || token === undefined) return verdict;
    const exp = expiryOf(token);
    if (exp === undefined || now - exp > FOLLOW_UP_MS) return verdict;
    // Everything else about the token is checked as if it were asked just before it expired.
    const again = await this.#d.decision.verify(token, epochMillis(exp - 1000));
    return again.ok ? again : verdict;
  }
}

/** The token's `exp` in ms, read unverified: only ever used to re-verify it at that instant. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
