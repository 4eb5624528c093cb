/**
 * The config sections of staff sign-in: `oidc` (the municipality's identity provider) and `session`
 * (the centre's own sign-in cookie), and the OIDC client secret the `oidc` section names, read from
 * its own file so it never sits in the config file or a log. Paths are as the composition root
 * resolved them.
 */
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { nodeSecretFs, readSecretFile, type SecretFs } from '../../platform/startupFiles.ts';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const isLoopback = (url: URL): boolean => LOOPBACK.has(url.hostname);

/** HTTPS, or plain HTTP on loopback only (tests and the demo). */
const secureUrl = z.url().refine((text) => {
  const url = new URL(text);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
}, 'must be https:// (http:// only on loopback)');

const claimName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'expected a claim name');

export const oidcConfigSchema = z.strictObject({
  /** The IdP's issuer identifier; its metadata is read from `/.well-known/openid-configuration`. */
  issuer: secureUrl,
  clientId: z.string().min(1).max(256),
  /** File holding the client secret; refused when other users may read it. Without it: PKCE only. */
  clientSecretFile: z.string().min(1).optional(),
  /** Where the IdP sends staff back: this centre's `/auth/callback` as the IdP has it registered. */
  redirectUrl: secureUrl.refine((text) => new URL(text).pathname === '/auth/callback', {
    message: 'must end in /auth/callback',
  }),
  /** Where the IdP sends staff after signing out there (RP-initiated logout); registered at the IdP. */
  postLogoutRedirectUrl: secureUrl.optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'expected a scope token'))
    .refine((s) => s.includes('openid'), 'must include openid')
    .default(['openid', 'profile']),
  claims: z
    .strictObject({
      /** The claim naming the staff member (e.g. an HSA-id); it becomes `sub` of every staff token. */
      staffId: claimName.default('sub'),
      /** The claim listing the staff member's groups (matched against the roster). */
      groups: claimName.default('groups'),
    })
    .prefault({}),
  /** Upper bound of every request to the IdP (discovery, token, userinfo). */
  requestTimeoutSeconds: z.number().int().min(1).max(60).default(10),
});
export type OidcConfig = z.output<typeof oidcConfigSchema>;

/** The sign-in cookie's lifetimes; it is sealed with the centre key (the config's `keyFile`). */
export const sessionConfigSchema = z.strictObject({
  /** A session unused this long ends (sliding). */
  idleMinutes: z.number().int().min(1).max(240).default(30),
  /** A session ends this long after sign-in whatever happens: one shift. */
  absoluteHours: z.number().min(1).max(24).default(12),
  /** The cookie's last-seen time is rewritten at most this often (fewer Set-Cookie headers). */
  touchSeconds: z.number().int().min(0).max(300).default(60),
  /** Longest time between leaving for the IdP and coming back. */
  signInMinutes: z.number().int().min(1).max(30).default(10),
});
export type SessionConfig = z.output<typeof sessionConfigSchema>;

/** The secret, or undefined for a public client; refused when other users may read the file. */
export async function loadClientSecret(
  config: OidcConfig,
  fs: SecretFs = nodeSecretFs,
): Promise<string | undefined> {
  if (config.clientSecretFile === undefined) return undefined;
  const secret = (await readSecretFile(config.clientSecretFile, 'not-world', fs)).toString('utf8').trim();
  if (secret.length === 0)
    throw new UsageError(`${config.clientSecretFile}: the client secret file is empty`);
  return secret;
}
