/**
 * The centre session after sign-in: idle and absolute timeouts driven by the test's clock, sign-out
 * (here and at the IdP) with the old cookie refused on replay, and a session that any instance
 * holding the same centre key serves.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRevocations, StaffAuth, sessionConfigSchema } from '../../../src/centre/auth/index.ts';
import { loadCentreKey } from '../../../src/centre/keys/index.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import { HttpAgent } from '../../support/httpAgent.ts';
import { signIn, TEST_NURSE } from '../../support/oidcProvider.ts';
import { type CentreHarness, startCentre } from '../harness.ts';

const MINUTE = 60_000;
let centre: CentreHarness;
let agent: HttpAgent;
beforeEach(async () => {
  centre = await startCentre();
  agent = new HttpAgent();
  await signIn(agent, centre.origin);
});
afterEach(async () => {
  await centre.close();
});

const me = () => agent.request(`${centre.origin}/api/me`);
const round = () => agent.request(`${centre.origin}/round`);

describe('centre session timeouts', () => {
  it('an_idle_session_redirects_pages_to_sign_in_and_answers_apis_401', async () => {
    centre.time.advance(30 * MINUTE - 1);
    expect((await round()).status).toBe(200);

    centre.time.advance(30 * MINUTE);
    const page = await round();
    const api = await me();

    expect(page.status).toBe(302);
    expect(page.location).toBe(`${centre.origin}/auth/login?returnTo=%2Fround`);
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ code: 'not_signed_in' });
  });

  it('the_expired_cookie_is_cleared_and_the_api_says_why', async () => {
    const cookie = agent.cookie(centre.origin, 'nattsyn-session')!;
    centre.time.advance(30 * MINUTE);

    const api = await me();

    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toEqual({ code: 'session_expired', message: expect.any(String) });
    expect(agent.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
    agent.setCookie(centre.origin, 'nattsyn-session', cookie);
    expect(JSON.parse((await me()).body).code).toBe('session_expired');
  });

  it('use_slides_the_idle_timeout', async () => {
    for (let i = 0; i < 4; i++) {
      centre.time.advance(25 * MINUTE);
      expect((await me()).status).toBe(200);
    }
  });

  it('the_absolute_timeout_ends_even_a_session_in_constant_use', async () => {
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      centre.time.advance(20 * MINUTE);
      expect((await me()).status).toBe(200);
    }
    centre.time.advance(20 * MINUTE);

    const page = await round();

    expect(page.status).toBe(302);
    expect(new URL(page.location!).pathname).toBe('/auth/login');
  });

  it('signing_in_again_after_expiry_gives_a_new_session', async () => {
    const first = JSON.parse((await me()).body).sessionId;
    centre.time.advance(12 * 60 * MINUTE);

    await signIn(agent, centre.origin);
    const second = JSON.parse((await me()).body);

    expect(second.staffId).toBe(TEST_NURSE.staffId);
    expect(second.sessionId).not.toBe(first);
  });
});

describe('sign-out', () => {
  it('signing_out_ends_the_session_and_a_replayed_cookie_is_refused', async () => {
    const cookie = agent.cookie(centre.origin, 'nattsyn-session')!;
    const sessionId = JSON.parse((await me()).body).sessionId;

    const out = await agent.request(`${centre.origin}/auth/logout`, {
      method: 'POST',
      headers: { origin: centre.origin },
    });

    expect(out.status).toBe(303);
    expect(agent.cookie(centre.origin, 'nattsyn-session')).toBeUndefined();
    agent.setCookie(centre.origin, 'nattsyn-session', cookie);
    const replay = await me();
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body).code).toBe('signed_out');
    expect(centre.audit.events.map((e) => e.type)).toEqual(['sign_in', 'sign_out']);
    expect(centre.audit.events[1]).toMatchObject({ staffId: TEST_NURSE.staffId, sessionId });
  });

  it('sign_out_continues_at_the_idp_which_ends_its_own_session_too', async () => {
    const out = await agent.request(`${centre.origin}/auth/logout`, { method: 'POST' });
    const idpEnd = new URL(out.location!);
    expect(idpEnd.origin).toBe(centre.idp.issuer);
    expect(idpEnd.searchParams.get('post_logout_redirect_uri')).toBe(`${centre.origin}/auth/signed-out`);

    const question = await agent.follow(out.location!);
    const back = await agent.submit(question, { logout: 'yes' }, (url) => url.origin === centre.origin);
    const landing = await agent.request(back.location!);

    expect(back.location).toMatch(new RegExp(`^${centre.origin}/auth/signed-out`));
    expect(landing.body).toContain('signed_out');
    // The IdP asks for the password again: its session is gone as well.
    const again = await agent.follow(`${centre.origin}/auth/login`);
    expect(again.body).toContain('name="password"');
  });

  it('sign_out_from_another_site_is_refused_and_the_session_stays', async () => {
    const out = await agent.request(`${centre.origin}/auth/logout`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.2:8080' },
    });

    expect(out.status).toBe(403);
    expect((await me()).status).toBe(200);
  });

  it('a_revoked_session_stays_listed_only_until_its_absolute_expiry', async () => {
    await agent.request(`${centre.origin}/auth/logout`, { method: 'POST' });
    expect(centre.revocations.size).toBe(1);

    centre.time.advance(12 * 60 * MINUTE);
    await centre.revocations.revoke('another', centre.time.now() + MINUTE);

    expect(centre.revocations.size).toBe(1);
  });
});

describe('a stateless centre', () => {
  it('another_instance_with_the_same_key_serves_the_session_and_one_with_another_key_does_not', async () => {
    const cookie = agent.cookie(centre.origin, 'nattsyn-session')!;
    const otherKeyFile = path.join(centre.dir, 'other.key');
    await writeFile(otherKeyFile, randomBytes(48).toString('base64'), { mode: 0o600 });
    const instance = async (keyFile: string) =>
      new StaffAuth({
        oidc: centre.auth.oidcConfig,
        session: sessionConfigSchema.parse({}),
        centreKey: await loadCentreKey(keyFile),
        clientSecret: undefined,
        revocations: new MemoryRevocations(centre.time.now),
        audit: centre.audit,
        now: centre.time.now,
        randomId: randomUUID,
        logger: silentLogger,
      });

    const same = await (await instance(centre.centreKeyFile)).sessions.read(cookie);
    const other = await (await instance(otherKeyFile)).sessions.read(cookie);

    expect(same).toMatchObject({ ok: true, session: { staffId: TEST_NURSE.staffId } });
    expect(other).toEqual({ ok: false, code: 'not_signed_in' });
  });
});
