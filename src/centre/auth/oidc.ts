/**
 * The relying-party side of OpenID Connect (authorization code flow with PKCE S256, state and
 * nonce; RFC 7636, OIDC Core 3.1) through openid-client. Owns discovery, the authorization URL,
 * the code exchange and the end-session URL; it never logs or returns a token, only claims.
 */
import * as client from 'openid-client';
import { NattsynError } from '../../errors.ts';
import type { Logger } from '../../platform/ports.ts';
import type { OidcConfig } from './config.ts';

/** What must survive the round trip to the IdP (sealed in the sign-in cookie). */
export interface SignInTransaction {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface OidcClientOptions {
  config: OidcConfig;
  clientSecret: string | undefined;
  logger: Logger;
}

export class OidcClient {
  readonly #o: OidcClientOptions;
  #configuration: client.Configuration | undefined;
  #discovering: Promise<client.Configuration> | undefined;

  constructor(options: OidcClientOptions) {
    this.#o = options;
  }

  /** Reads the IdP's metadata. An IdP that is down does not stop the centre: sign-in retries. */
  async start(): Promise<void> {
    await this.#discovered().catch((error: unknown) => {
      this.#o.logger.warn({ err: describe(error) }, 'identity provider discovery failed; retried at sign-in');
    });
  }

  stop(): void {
    this.#discovering = undefined;
  }

  /** The IdP's authorization URL for a new sign-in, and the transaction to keep until the callback. */
  async begin(returnTo: string): Promise<{ url: URL; transaction: SignInTransaction }> {
    const configuration = await this.#discovered();
    const transaction: SignInTransaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#o.config.redirectUrl,
      scope: this.#o.config.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /**
   * Checks the IdP's answer (state, issuer, code with the PKCE verifier, ID token signature, nonce,
   * audience, expiry) and returns the staff member's claims: the ID token's, completed from the
   * userinfo endpoint when the staff-id or groups claim is not in the ID token.
   */
  async complete(query: string, transaction: SignInTransaction): Promise<Record<string, unknown>> {
    const configuration = await this.#discovered();
    const currentUrl = new URL(this.#o.config.redirectUrl);
    currentUrl.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new NattsynError('sign_in_failed', 'The identity provider did not confirm the sign-in.', {
        cause: new Error(describe(error)),
      });
    }
    const claims: Record<string, unknown> = { ...tokens.claims() };
    const { staffId, groups } = this.#o.config.claims;
    if ((claims[staffId] === undefined || claims[groups] === undefined) && this.#hasUserInfo(configuration)) {
      const info = await client.fetchUserInfo(configuration, tokens.access_token, String(claims.sub));
      for (const [name, value] of Object.entries(info)) if (claims[name] === undefined) claims[name] = value;
    }
    return claims;
  }

  /** The IdP's end-session URL (RP-initiated logout), when it offers one. */
  async endSessionUrl(): Promise<URL | undefined> {
    const configuration = await this.#discovered().catch(() => undefined);
    if (!configuration?.serverMetadata().end_session_endpoint) return undefined;
    const { clientId, postLogoutRedirectUrl } = this.#o.config;
    return client.buildEndSessionUrl(configuration, {
      client_id: clientId,
      ...(postLogoutRedirectUrl ? { post_logout_redirect_uri: postLogoutRedirectUrl } : {}),
    });
  }

  #hasUserInfo(configuration: client.Configuration): boolean {
    return configuration.serverMetadata().userinfo_endpoint !== undefined;
  }

  #discovered(): Promise<client.Configuration> {
    if (this.#configuration) return Promise.resolve(this.#configuration);
    this.#discovering ??= this.#discover().then(
      (configuration) => {
        this.#configuration = configuration;
        return configuration;
      },
      (error: unknown) => {
        this.#discovering = undefined;
        throw new NattsynError('idp_unavailable', 'The identity provider cannot be reached; try again.', {
          cause: new Error(describe(error)),
        });
      },
    );
    return this.#discovering;
  }

  #discover(): Promise<client.Configuration> {
    const { issuer, clientId, requestTimeoutSeconds } = this.#o.config;
    const secret = this.#o.clientSecret;
    const url = new URL(issuer);
    return client.discovery(
      url,
      clientId,
      secret === undefined ? undefined : { client_secret: secret },
      secret === undefined ? client.None() : client.ClientSecretBasic(secret),
      {
        timeout: requestTimeoutSeconds,
        // Plain HTTP is accepted only for a loopback issuer (the schema refuses it elsewhere).
        ...(url.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      },
    );
  }
}

/**
 * An error's class, code, the IdP's `error` and `error_description`, and the inner cause, for a log
 * line; openid-client's errors hold no token values.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { code?: unknown; error?: unknown; error_description?: unknown };
  const parts = [`${e.name}${typeof e.code === 'string' ? ` ${e.code}` : ''}: ${e.message}`];
  if (typeof e.error === 'string')
    parts.push(`${e.error}${typeof e.error_description === 'string' ? ` (${e.error_description})` : ''}`);
  if (e.cause instanceof Error) parts.push(e.cause.message);
  return parts.join('; ');
}
