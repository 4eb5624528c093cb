/** The policy core's public surface: pure decisions on windows, policies, tokens, access and audit. */

export {
  type SignedJsonOptions,
  type SignedJsonVerdict,
  signJson,
  verifySignedJson,
} from '../protocol/signedJson.ts';
export { CHECKPOINT_FILE, signCheckpoint } from './audit/checkpoint.ts';
export { AuditLog, type AuditLogOptions, DEFAULT_AUDIT_OPTIONS } from './audit/log.ts';
export {
  AUDIT_TYPES,
  type AuditEntry,
  type AuditRecord,
  type AuditType,
  GENESIS_HASH,
} from './audit/record.ts';
export { type AuditVerdict, type VerifyOptions, verifyAuditLog } from './audit/verify.ts';
export {
  AUTHENTICATION_CODES,
  DENY_CODES,
  type DenyCode,
  POLICY_REJECT_CODES,
  type PolicyRejectCode,
} from './codes.ts';
export { authorize, type Decision, type Deny, type GateState, type Grant, type LiveSession } from './gate.ts';
export {
  type ActivePolicy,
  activate,
  formatIssues,
  POLICY_JWS_TYPE,
  type PolicyBody,
  type PolicyInput,
  type PolicyTrust,
  type PolicyVerdict,
  policyBodySchema,
  signPolicy,
  verifyPolicy,
} from './policyDocument.ts';
export * from './ports.ts';
export * from './ports.ts';
export {
  isKnownTimeZone,
  resolveLocalStart,
  Schedule,
  type ScheduleSpec,
  WEEKDAYS,
  type Weekday,
  type WindowOccurrence,
} from './schedule.ts';
export {
  DEFAULT_MAX_LIFETIME_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type MintOptions,
  mintStaffToken,
  SCOPES,
  type Scope,
  type StaffClaims,
  type TokenTrust,
  type TokenVerdict,
  verifyStaffToken,
} from './tokens.ts';
