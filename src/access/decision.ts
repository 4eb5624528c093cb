/**
 * The decision: verifies the staff token (the one place tokens are verified), gathers the device's
 * state and asks the pure gate of the policy core. Also what a refusal says: its code, the status
 * the reason registry gives it, and one plain sentence.
 */
import {
  type ActivePolicy,
  authorize,
  type Decision,
  type DenyCode,
  type EpochMillis,
  type GateState,
  type Grant,
  type StaffClaims,
  type TokenTrust,
  verifyStaffToken,
} from '../policy/index.ts';
import { httpStatusOf } from '../reasons.ts';
import type { PolicyInForce } from './policyInForce.ts';
import type { SessionTable } from './sessionTable.ts';
import type { Refusal, RequestOrigin, SessionEndCode, SessionTicket } from './types.ts';

export interface DecisionDeps {
  trust: TokenTrust;
  policy: PolicyInForce;
  sessions: SessionTable;
  /** Latest NTP-sync reading. */
  clockSynced: () => boolean;
  auditWritable: () => boolean;
}

/** One plain sentence per deny code, sent with the code (the viewer page shows its own Swedish and English). */
export const DENY_MESSAGES: Record<DenyCode, string> = {
  no_token: 'A staff token is required.',
  bad_token: 'The staff token is not valid.',
  token_expired: 'The staff token has expired.',
  token_not_yet_valid: 'The staff token is not valid yet.',
  token_lifetime_exceeded: 'The staff token lives longer than this device allows.',
  wrong_issuer: 'The staff token is from an issuer this device does not trust.',
  wrong_device: 'The staff token is for another device.',
  wrong_scope: 'The staff token does not allow this.',
  reason_required: 'An emergency look needs a reason.',
  revoked: 'The staff token has been revoked.',
  outside_window: 'No supervision window is open now.',
  paused: 'Supervision is paused by the resident.',
  clock_unsynced: 'The device clock is not synchronised, so it cannot tell whether a window is open.',
  no_policy: 'The device has no valid supervision policy.',
  too_many_viewers: 'Someone else is already looking.',
  token_in_use: 'This token is already in use for a live session.',
  emergency_not_allowed: 'Emergency looks outside windows are not allowed for this resident.',
  audit_unavailable: 'The device cannot record this access, so it is refused.',
  unknown_session: 'No such session.',
};

export class AccessDecision {
  readonly #d: DecisionDeps;

  constructor(deps: DecisionDeps) {
    this.#d = deps;
  }

  /** Verifies a bearer token against the pinned trust. Never throws. */
  verify(token: string | undefined, now: EpochMillis): Promise<{ ok: true; claims: StaffClaims } | Refusal> {
    return verifyStaffToken(token, this.#d.trust, now).then((v) => (v.ok ? v : refusal(v.code)));
  }

  /** May these claims look now? `excludeSession`: judge a live session against the others. */
  decide(claims: StaffClaims, now: EpochMillis, excludeSession?: string): Decision {
    return authorize(claims, now, this.gateState(now, excludeSession));
  }

  gateState(now: EpochMillis, excludeSession?: string): GateState {
    const { policy } = this.#d;
    return {
      clockSynced: this.#d.clockSynced(),
      policy: policy.policy,
      pausedByResident: policy.pauseAt(now) !== undefined,
      auditWritable: this.#d.auditWritable(),
      installPreviewUntil: policy.installPreviewUntil,
      liveSessions: this.#d.sessions.gateView(excludeSession),
    };
  }
}

/** A refusal as every caller answers it: code, the registry's status, a plain sentence. */
export function refusal(code: DenyCode): Refusal {
  return { ok: false, code, status: httpStatusOf(code), message: DENY_MESSAGES[code] };
}

/** What a cut at the grant's end is audited as: whichever bound it hit. */
export function endCodeFor(
  grant: Grant,
  claims: StaffClaims,
  now: EpochMillis,
  policy: ActivePolicy | undefined,
): SessionEndCode {
  if (grant.until === claims.expiresAt) return 'token_expired';
  if (policy && grant.until === now + policy.body.maxSessionSeconds * 1000) return 'max_session';
  return 'window_end';
}

/** What a grant's audit record says besides its session: scope, token, end, transport, window, reason. */
/** How the picture would travel (WebRTC or the MPEG-1 fallback), where the transport said. */
export const mediaOf = (origin: RequestOrigin): Record<string, string> =>
  origin.media ? { media: origin.media } : {};

export function grantDetail(
  ticket: SessionTicket,
  claims: { reason: string | undefined },
  origin: RequestOrigin,
) {
  return {
    scope: ticket.scope,
    tokenId: ticket.tokenId,
    until: new Date(ticket.until).toISOString(),
    emergency: ticket.emergency,
    remote: origin.remote,
    transport: origin.transport,
    ...mediaOf(origin),
    ...(ticket.windowId ? { windowId: ticket.windowId } : {}),
    ...(claims.reason ? { reason: claims.reason } : {}),
  };
}

/** After a policy change, every live session must still pass the gate; its end can only come sooner. */
export async function recheckSessions(
  sessions: SessionTable,
  decision: AccessDecision,
  now: EpochMillis,
  policy: ActivePolicy | undefined,
): Promise<void> {
  for (const live of sessions.entries()) {
    const verdict = decision.decide(live.claims, now, live.ticket.sessionId);
    if (verdict.kind === 'deny') {
      await sessions.end(live.ticket.sessionId, verdict.code === 'revoked' ? 'revoked' : 'policy_changed');
    } else if (verdict.until < live.ticket.until) {
      sessions.cutAt(live, verdict.until, endCodeFor(verdict, live.claims, now, policy));
    }
  }
}
