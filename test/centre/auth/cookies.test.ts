/** The centre's cookie names and attributes over HTTPS and on plain-HTTP loopback. */
import { parseSetCookie } from 'cookie';
import { describe, expect, it } from 'vitest';
import { cookieNames, safeReturnTo } from '../../../src/centre/auth/index.ts';
import { clearCookie, setCookie } from '../../../src/centre/auth/session.ts';

describe('centre cookies', () => {
  it('over_https_the_names_carry_the_host_prefix', () => {
    expect(cookieNames(true)).toEqual({ session: '__Host-nattsyn-session', signIn: '__Host-nattsyn-signin' });
    expect(cookieNames(false)).toEqual({ session: 'nattsyn-session', signIn: 'nattsyn-signin' });
  });

  it('a_session_cookie_meets_the_host_prefix_rules', () => {
    const c = parseSetCookie(setCookie('__Host-nattsyn-session', 'v', 600, 'strict'));

    expect(c).toEqual({
      name: '__Host-nattsyn-session',
      value: 'v',
      maxAge: 600,
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
    });
    expect(parseSetCookie(clearCookie('x', 'lax')).maxAge).toBe(0);
  });

  it.each([
    ['/round', '/round'],
    ['/round?lang=en', '/round?lang=en'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/a b', '/'],
    [undefined, '/'],
  ])('return_path_%s_becomes_%s', (given, expected) => {
    expect(safeReturnTo(given)).toBe(expected);
  });
});
