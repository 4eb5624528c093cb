/** One plain sentence per deny code, sent with the code (the viewer page shows its own Swedish and English). */
import type { DenyCode } from '../policy/index.ts';

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
