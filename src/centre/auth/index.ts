/** Staff sign-in at the centre: OpenID Connect, the sealed session cookie, sign-out and revocation. */
export {
  loadClientSecret,
  type OidcConfig,
  oidcConfigSchema,
  type SessionConfig,
  sessionConfigSchema,
} from './config.ts';
export { authRoutes, safeReturnTo } from './routes.ts';
export { cookieNames, MemoryRevocations, type SessionProblem, type SessionRevocations } from './session.ts';
export {
  type CentreAuditEvent,
  type CentreAuditSink,
  LogAuditSink,
  MemoryAuditSink,
  type StaffIdentity,
  type StaffSession,
} from './staff.ts';
export { StaffAuth, type StaffAuthOptions } from './staffAuth.ts';
