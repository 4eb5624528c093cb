/**
 * The centre's two cookies: the session (`SameSite=Strict`, so no other site can make a signed-in
 * request) and the short sign-in transaction (`SameSite=Lax`, because the IdP's redirect back to
 * `/auth/callback` is a cross-site navigation a Strict cookie would not ride). Both are HttpOnly,
 * Secure and host-only; over HTTPS their names carry the `__Host-` prefix, which browsers honour only
 * for cookies set Secure, with Path=/ and no Domain (RFC 6265bis, section 4.1.3.2).
 */
import { parseCookie, stringifySetCookie } from 'cookie';

export interface CookieNames {
  session: string;
  signIn: string;
}

export function cookieNames(https: boolean): CookieNames {
  const prefix = https ? '__Host-' : '';
  return { session: `${prefix}nattsyn-session`, signIn: `${prefix}nattsyn-signin` };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

export function setCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  sameSite: 'strict' | 'lax',
): string {
  return stringifySetCookie({
    name,
    value,
    httpOnly: true,
    secure: true,
    sameSite,
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

export function clearCookie(name: string, sameSite: 'strict' | 'lax'): string {
  return stringifySetCookie({
    name,
    value: '',
    httpOnly: true,
    secure: true,
    sameSite,
    path: '/',
    maxAge: 0,
  });
}
