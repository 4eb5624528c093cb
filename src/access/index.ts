/** Access control: the policy in force, live sessions and their audit trail. */
export {
  AccessController,
  type AccessControllerDeps,
  PAUSE_FILE,
  POLICY_FILE,
} from './controller.ts';
export { DENY_MESSAGES } from './messages.ts';
export {
  type AccessControl,
  type Admission,
  type RequestOrigin,
  SESSION_END_CODES,
  type SessionEndCode,
  type SessionTicket,
  type WindowState,
} from './types.ts';
