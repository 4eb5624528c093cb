/**
 * The policy core's reason codes: subsets of the one registry (src/reasons.ts), which also gives
 * each its HTTP status. They appear in HTTP bodies, audit records and MQTT events.
 */
import { httpStatusOf, type ReasonCode, TOKEN_REFUSALS } from '../reasons.ts';

export const DENY_CODES = [
  ...TOKEN_REFUSALS,
  'outside_window',
  'paused',
  'clock_unsynced',
  'no_policy',
  'too_many_viewers',
  'token_in_use',
  'emergency_not_allowed',
  'audit_unavailable',
  'unknown_session',
] as const satisfies readonly ReasonCode[];
export type DenyCode = (typeof DENY_CODES)[number];

export const POLICY_REJECT_CODES = [
  'policy_malformed',
  'policy_bad_signature',
  'policy_wrong_device',
  'policy_rollback',
  'policy_invalid',
  /** Valid, but the change could not be audited or stored: the policy in force stays. */
  'audit_unavailable',
  'state_unwritable',
] as const satisfies readonly ReasonCode[];
export type PolicyRejectCode = (typeof POLICY_REJECT_CODES)[number];

/** Token problems are authentication failures (HTTP 401 in the registry); the rest authorization. */
export const AUTHENTICATION_CODES: ReadonlySet<DenyCode> = new Set(
  DENY_CODES.filter((code) => httpStatusOf(code) === 401),
);
