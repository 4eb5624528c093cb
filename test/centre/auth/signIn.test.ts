/**
 * Staff sign-in against a real OpenID provider (oidc-provider on loopback): the session carries the
 * IdP's staff id and groups, and the authorization code flow's checks (state, PKCE, nonce, the
 * sign-in cookie) each refuse a tampered or replayed answer.
 */
import { parseSetCookie } from 'cookie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpAgent } from '../../support/httpAgent.ts';
import { signIn, TEST_NURSE, walkToCallback } from '../../support/oidcProvider.ts';
import { type CentreHarness, startCentre } from '../harness.ts';

let centre: CentreHarness;
beforeEach(async () => {
  centre = await startCentre();
});
afterEach(async () => {
  await centre.close();
});

describe('staff sign-in at the OpenID provider', () => {
  it('sign_in_yields_a_session_with_the_idps_staff_id_and_roster_groups', async () => {
    const agent = new HttpAgent();

    const callback = await signIn(agent, centre.origin, TEST_NURSE, '/round?x=1');
    const me = await agent.request(`${centre.origin}/api/me`);

    expect(callback.status).toBe(200);
    expect(callback.body).toContain('url=/round?x=1');
    expect(me.status).toBe(200);
    const session = JSON.parse(me.body);
    expect(session.staffId).toBe(TEST_NURSE.staffId);
    // The IdP also says "alla-anstallda"; only groups the roster knows ride in the cookie.
    expect(session.groups).toEqual(['natt-norr']);
    expect(centre.audit.events).toEqual([
      expect.objectContaining({ type: 'sign_in', staffId: TEST_NURSE.staffId, sessionId: session.sessionId }),
    ]);
    // Nothing the IdP issued (code, ID or access token) reaches a log line.
    expect(centre.logs.text).not.toMatch(/eyJ|code=/);
    const round = await agent.request(`${centre.origin}/round`);
    expect(JSON.parse(round.body)).toEqual({
      staffId: TEST_NURSE.staffId,
      devices: ['dev-norr-0002', 'dev-norr-0001'],
    });
  });

  it('the_session_cookie_is_httponly_secure_strict_host_only_and_lives_one_shift', async () => {
    const agent = new HttpAgent();

    const callback = await signIn(agent, centre.origin);

    const cookies = callback.setCookies.map((c) => parseSetCookie(c));
    const session = cookies.find((c) => c.name === 'nattsyn-session')!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
    expect(session.domain).toBeUndefined();
    expect(session.maxAge).toBe(12 * 3600);
    expect(cookies.find((c) => c.name === 'nattsyn-signin')?.maxAge).toBe(0);
    expect(callback.setCookies.join()).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('the_authorization_request_carries_pkce_s256_state_and_nonce', async () => {
    const agent = new HttpAgent();

    const login = await agent.request(`${centre.origin}/auth/login`);

    const url = new URL(login.location!);
    expect(url.origin).toBe(centre.idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('scope')).toBe('openid nattsyn');
    expect(parseSetCookie(login.setCookies[0]!)).toMatchObject({
      name: 'nattsyn-signin',
      sameSite: 'lax',
      httpOnly: true,
    });
  });

  it('a_tampered_state_is_refused', async () => {
    const agent = new HttpAgent();
    const callback = new URL(await walkToCallback(agent, centre.origin, TEST_NURSE));

    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const answer = await agent.request(callback.href);

    expect(answer.status).toBe(400);
    expect(answer.body).toContain('sign_in_failed');
    expect(agent.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
    expect((await agent.request(`${centre.origin}/api/me`)).status).toBe(401);
    expect(centre.audit.events).toEqual([
      expect.objectContaining({ type: 'sign_in_failed', code: 'sign_in_failed' }),
    ]);
    const refusal = centre.logs.lines.find((l) => l.msg === 'staff sign-in refused');
    expect(String(refusal?.obj.cause)).toMatch(/state/i);
  });

  it('a_code_redeemed_without_its_pkce_verifier_is_refused', async () => {
    const agent = new HttpAgent();
    const first = new URL(await walkToCallback(agent, centre.origin, TEST_NURSE));
    // A second sign-in replaces the sign-in cookie (new state, nonce and verifier).
    const second = new URL(await walkToCallback(agent, centre.origin, TEST_NURSE));

    // The first code with the second state: the state check passes, the code's PKCE binding does not.
    first.searchParams.set('state', second.searchParams.get('state')!);
    const idpRefusals: string[] = [];
    centre.idp.onGrantError.on((e) => idpRefusals.push(e));
    const answer = await agent.request(first.href);

    expect(answer.status).toBe(400);
    expect(agent.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
    expect(idpRefusals).toEqual(['invalid_grant: code_verifier does not match code_challenge']);
    const refusal = centre.logs.lines.find((l) => l.msg === 'staff sign-in refused');
    expect(String(refusal?.obj.cause)).toContain('invalid_grant');
  });

  it('a_callback_without_the_sign_in_cookie_is_refused', async () => {
    const victim = new HttpAgent();
    const attacker = new HttpAgent();
    const callback = await walkToCallback(attacker, centre.origin, TEST_NURSE);

    const answer = await victim.request(callback);

    expect(answer.status).toBe(400);
    expect(answer.body).toContain('sign_in_expired');
    expect(victim.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
  });

  it('a_sign_in_left_at_the_idp_longer_than_ten_minutes_is_refused', async () => {
    const agent = new HttpAgent();
    const callback = await walkToCallback(agent, centre.origin, TEST_NURSE);

    centre.time.advance(10 * 60_000);
    const answer = await agent.request(callback);

    expect(answer.status).toBe(400);
    expect(answer.body).toContain('sign_in_expired');
  });

  it('a_return_path_off_this_centre_is_replaced_by_the_root', async () => {
    const agent = new HttpAgent();

    const callback = await signIn(agent, centre.origin, TEST_NURSE, '//evil.example/steal');

    expect(callback.body).toContain('url=/"');
  });

  it('a_wrong_password_at_the_idp_gives_no_session', async () => {
    const agent = new HttpAgent();
    const form = await agent.follow(`${centre.origin}/auth/login`);

    const answer = await agent.submit(form, { login: TEST_NURSE.login, password: 'wrong' });

    expect(answer.status).toBe(401);
    expect(agent.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
  });
});
