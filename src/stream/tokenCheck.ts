/** The state endpoint's token check from the pinned trust: verification only, no session, no audit. */
import {
  AUTHENTICATION_CODES,
  type EpochMillis,
  type TokenTrust,
  verifyStaffToken,
} from '../policy/index.ts';
import type { TokenCheck } from './whepServer.ts';

export function tokenCheckFrom(trust: TokenTrust, now: () => EpochMillis): TokenCheck {
  return async (token) => {
    const verdict = await verifyStaffToken(token, trust, now());
    if (verdict.ok) return { ok: true, scope: verdict.claims.scope };
    return {
      ok: false,
      code: verdict.code,
      status: AUTHENTICATION_CODES.has(verdict.code) ? 401 : 403,
      message: verdict.message,
    };
  };
}
