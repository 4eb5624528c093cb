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
import { DENY_MESSAGES } from './messages.ts';
import type { PolicyInForce } from './policyInForce.ts';
import type { SessionTable } from './sessionTable.ts';
import type { Refusal, SessionEndCode } from './types.ts';

export interface DecisionDeps {
  trust: TokenTrust;
  policy: PolicyInForce;
  sessions: SessionTable;
  /** Latest NTP-sync reading. */
  clockSynced: () => boolean;
  auditWritable: () => boolean;
}

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
    return authorize(claims, now, this.gateState(excludeSession));
  }

  gateState(excludeSession?: string): GateState {
    const { policy } = this.#d;
    return {
      clockSynced: this.#d.clockSynced(),
      policy: policy.policy,
      pausedByResident: policy.pausedByResident,
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
