/** Access control: the policy in force, live sessions and their cuts, decisions, all audited. */
export { AccessController, type AccessControllerDeps } from './controller.ts';
export { AccessDecision, DENY_MESSAGES, refusal } from './decision.ts';
export { type PauseSource, type PauseState, pauseInForce } from './pause.ts';
export { PAUSE_FILE, POLICY_FILE, PolicyInForce } from './policyInForce.ts';
export { type RefusalDetail, RefusalRecorder, type RefusalRecorderDeps } from './refusals.ts';
export { SessionTable } from './sessionTable.ts';
export {
  type AccessControl,
  type Admission,
  type CameraSchedule,
  type PauseOptions,
  type Refusal,
  type RequestOrigin,
  SESSION_END_CODES,
  type SessionEndCode,
  type SessionTicket,
  type TokenCheck,
  type WindowState,
} from './types.ts';
