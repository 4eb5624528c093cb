/**
 * The OpenID provider the centre's tests sign in at: the demo provider (oidc-provider, loopback,
 * PKCE required) with a test nurse, and the sign-in walk a browser would make, scripted over HTTP.
 * The round-page test drives the same provider with Chromium instead.
 */
import { DEMO_CLAIMS, DEMO_SCOPE, DemoIdp, type DemoIdpUser } from '../../src/centre/demoIdp/index.ts';
import type { Hop, HttpAgent } from './httpAgent.ts';

export const TEST_NURSE: DemoIdpUser = {
  login: 'nurse',
  password: 'natt-pass-4711',
  staffId: 'SE2321000016-A1B2',
  groups: ['natt-norr', 'alla-anstallda'],
};

export const TEST_CLIENT = { clientId: 'nattsyn-centre', clientSecret: 'test-secret-0123456789abcdef' };

/** What the centre's `oidc` config section needs to sign in at this provider. */
export function centreOidcConfig(issuer: string, centreOrigin: string, clientSecretFile?: string) {
  return {
    issuer,
    clientId: TEST_CLIENT.clientId,
    ...(clientSecretFile ? { clientSecretFile } : {}),
    redirectUrl: `${centreOrigin}/auth/callback`,
    postLogoutRedirectUrl: `${centreOrigin}/auth/signed-out`,
    scopes: ['openid', DEMO_SCOPE],
    claims: { staffId: DEMO_CLAIMS.staffId, groups: DEMO_CLAIMS.groups },
  };
}

export async function startTestIdp(
  centreOrigin: string,
  users: DemoIdpUser[] = [TEST_NURSE],
): Promise<DemoIdp> {
  const idp = new DemoIdp({
    users,
    clients: [
      {
        ...TEST_CLIENT,
        redirectUris: [`${centreOrigin}/auth/callback`],
        postLogoutRedirectUris: [`${centreOrigin}/auth/signed-out`],
      },
    ],
  });
  await idp.start();
  return idp;
}

const isCallback = (url: URL) => url.pathname === '/auth/callback';

/**
 * Walks from the centre's `/auth/login` through the provider's sign-in form up to (not into) the
 * centre's callback; returns the callback URL the provider redirected to.
 */
export async function walkToCallback(
  agent: HttpAgent,
  centreOrigin: string,
  user: DemoIdpUser,
  returnTo = '/',
): Promise<string> {
  const form = await agent.follow(
    `${centreOrigin}/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
    {},
    isCallback,
  );
  // The provider remembers an earlier sign-in and answers at once.
  if (form.location && isCallback(new URL(form.location))) return form.location;
  if (form.status !== 200 || !form.body.includes('name="password"'))
    throw new Error(`no sign-in form at ${form.url}`);
  const last = await agent.submit(form, { login: user.login, password: user.password }, isCallback);
  if (!last.location || !isCallback(new URL(last.location)))
    throw new Error(`sign-in did not come back: ${last.status} ${last.url}`);
  return last.location;
}

/** The whole sign-in; returns the centre's answer to the callback. */
export async function signIn(
  agent: HttpAgent,
  centreOrigin: string,
  user: DemoIdpUser = TEST_NURSE,
  returnTo = '/',
): Promise<Hop> {
  return agent.request(await walkToCallback(agent, centreOrigin, user, returnTo));
}
