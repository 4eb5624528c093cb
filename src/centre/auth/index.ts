/** Staff sign-in at the centre: OpenID Connect, the sealed session cookie, sign-out and revocation. */
export { loadClientSecret } from './clientSecret.ts';
export { type OidcConfig, oidcConfigSchema, type SessionConfig, sessionConfigSchema } from './config.ts';
export { cookieNames } from './cookies.ts';
export { LogAuditSink } from './logAudit.ts';
export { MemoryRevocations, type SessionRevocations } from './revocations.ts';
export { authRoutes, safeReturnTo } from './routes.ts';
export type { SessionProblem } from './session.ts';
export { StaffAuth, type StaffAuthOptions } from './staffAuth.ts';
export {
  type CentreAuditEvent,
  type CentreAuditSink,
  MemoryAuditSink,
  type StaffIdentity,
  type StaffSession,
} from './types.ts';
