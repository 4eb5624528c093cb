/**
 * The gate: the single answer to "may this verified token look into the room now?".
 * Pure: the caller brings the claims, the wall-clock instant and the device state. Guards run in a
 * fixed order, the device's own state first, so a denial names the most basic reason.
 */
import type { DenyCode } from './codes.ts';
import { type ActivePolicy, policyBodySchema } from './policyDocument.ts';
import { type EpochMillis, epochMillis } from './ports.ts';
import { Schedule } from './schedule.ts';
import type { StaffClaims } from './tokens.ts';

export interface LiveSession {
  sessionId: string;
  tokenId: string;
}

export interface GateState {
  /** The clock is trusted only once NTP has synced: the board has no RTC. */
  clockSynced: boolean;
  policy: ActivePolicy | undefined;
  /** The resident's own pause button (the policy's dated pauses are checked separately). */
  pausedByResident: boolean;
  /** False after an audit write failed: nothing may open that could not be audited. */
  auditWritable: boolean;
  liveSessions: readonly LiveSession[];
  /** End of the installer's aiming preview, when one is open (issue: installer and operations). */
  installPreviewUntil?: EpochMillis | undefined;
}

export type Grant = {
  kind: 'grant';
  until: EpochMillis;
  scope: StaffClaims['scope'];
  /** The window the look happens in; undefined for emergency and install looks. */
  windowId: string | undefined;
  /** Emergency looks outside a window are flagged in the audit trail and events. */
  emergency: boolean;
};
export type Deny = { kind: 'deny'; code: DenyCode };
export type Decision = Grant | Deny;

const deny = (code: DenyCode): Deny => ({ kind: 'deny', code });

/**
 * What an installer's preview is held to before the centre has sent the resident's policy (aiming
 * comes right after registration): no windows, no pauses, one viewer, the preview window as bound.
 */
const BEFORE_ANY_POLICY: ActivePolicy = {
  body: policyBodySchema.parse({ deviceId: 'unregistered', version: 1, issuedAt: '1970-01-01T00:00:00Z' }),
  schedule: new Schedule({ timeZone: 'UTC', windows: [], oneOff: [], pauses: [] }),
  revoked: new Set(),
  jws: '',
};

export function authorize(claims: StaffClaims, now: EpochMillis, state: GateState): Decision {
  if (!state.clockSynced) return deny('clock_unsynced');
  const policy = state.policy ?? (claims.scope === 'install' ? BEFORE_ANY_POLICY : undefined);
  if (!policy) return deny('no_policy');
  if (!state.auditWritable) return deny('audit_unavailable');
  if (now >= claims.expiresAt) return deny('token_expired');
  if (policy.revoked.has(claims.tokenId)) return deny('revoked');
  if (state.pausedByResident || policy.schedule.isPausedAt(now)) return deny('paused');
  if (state.liveSessions.some((s) => s.tokenId === claims.tokenId)) return deny('token_in_use');

  const sessionCap = now + policy.body.maxSessionSeconds * 1000;
  let windowEnd: number;
  let windowId: string | undefined;
  switch (claims.scope) {
    case 'view': {
      const open = policy.schedule.openWindowAt(now);
      if (!open) return deny('outside_window');
      windowEnd = open.end;
      windowId = open.windowId;
      break;
    }
    case 'emergency': {
      // Inside a window an emergency token looks like any other; outside, only where the policy allows.
      const open = policy.schedule.openWindowAt(now);
      if (!open && !policy.body.emergencyAllowed) return deny('emergency_not_allowed');
      windowEnd = open ? open.end : Number.POSITIVE_INFINITY;
      windowId = open?.windowId;
      break;
    }
    case 'install':
      if (state.installPreviewUntil === undefined || now >= state.installPreviewUntil)
        return deny('wrong_scope');
      windowEnd = state.installPreviewUntil;
      break;
  }
  if (state.liveSessions.length >= policy.body.maxViewers) return deny('too_many_viewers');
  return {
    kind: 'grant',
    until: epochMillis(Math.min(windowEnd, claims.expiresAt, sessionCap)),
    scope: claims.scope,
    windowId,
    emergency: claims.scope === 'emergency',
  };
}
