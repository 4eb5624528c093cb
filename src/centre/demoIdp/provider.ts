/**
 * A real OpenID provider (oidc-provider) on loopback for the demo and the tests: one client (the
 * centre), a few users with passwords, the scope `nattsyn` carrying the claims `hsa_id` (the staff
 * id, as a Swedish healthcare IdP names it) and `groups`. Authorization code with PKCE is required;
 * consent is implied for this first-party client; RP-initiated logout is on.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { Emitter } from '../../platform/emitter.ts';
import { errorPage, handleInteraction, logoutPage, signedOutPage } from './interactions.ts';
import { memoryAdapterFactory } from './memoryAdapter.ts';

export interface DemoIdpUser {
  login: string;
  password: string;
  /** The `hsa_id` claim: the staff id the centre puts into tokens and audit. */
  staffId: string;
  groups: string[];
}

export interface DemoIdpClient {
  clientId: string;
  /** Without a secret the client is public (`none`), PKCE alone protecting the code. */
  clientSecret?: string | undefined;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface DemoIdpOptions {
  users: DemoIdpUser[];
  clients: DemoIdpClient[];
  /** Loopback only; port 0 picks a free one. */
  port?: number;
}

export const DEMO_SCOPE = 'nattsyn';
export const DEMO_CLAIMS = { staffId: 'hsa_id', groups: 'groups' } as const;

export class DemoIdp {
  /** A token request the provider refused, as `error: detail` (e.g. `invalid_grant: code_verifier does not match code_challenge`). */
  readonly onGrantError = new Emitter<[string]>();
  readonly #o: DemoIdpOptions;
  #server: http.Server | undefined;
  #issuer: string | undefined;

  constructor(options: DemoIdpOptions) {
    this.#o = options;
  }

  /** The issuer URL (http://127.0.0.1:PORT), once started. */
  get issuer(): string {
    if (!this.#issuer) throw new Error('the demo identity provider has not started');
    return this.#issuer;
  }

  async start(): Promise<void> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port ?? 0, '127.0.0.1', resolve);
    });
    this.#server = server;
    this.#issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(this.#issuer, await this.#configuration());
    provider.on('grant.error', (_ctx: unknown, error: { error?: string; error_detail?: string }) => {
      this.onGrantError.emit(`${error.error}: ${error.error_detail ?? ''}`);
    });
    const callback = provider.callback();
    const users = this.#o.users;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url?.startsWith('/interaction/')) {
        handleInteraction(provider, users, req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(errorPage({ error: (error as Error).message }));
        });
      } else callback(req, res);
    });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #configuration(): Promise<Configuration> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const users = this.#o.users;
    return {
      adapter: memoryAdapterFactory(),
      clients: this.#o.clients.map((c) => ({
        client_id: c.clientId,
        ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
        token_endpoint_auth_method: c.clientSecret ? 'client_secret_basic' : 'none',
        redirect_uris: c.redirectUris,
        post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'demo-1' }] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      claims: { openid: ['sub'], [DEMO_SCOPE]: [DEMO_CLAIMS.staffId, DEMO_CLAIMS.groups] },
      scopes: ['openid', DEMO_SCOPE],
      pkce: { required: () => true },
      responseTypes: ['code'],
      findAccount: async (_ctx, id) => {
        const user = users.find((u) => u.login === id);
        if (!user) return undefined;
        return {
          accountId: id,
          claims: async () => ({ sub: id, hsa_id: user.staffId, groups: user.groups }),
        };
      },
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            ctx.body = logoutPage(form);
          },
          postLogoutSuccessSource: async (ctx) => {
            ctx.body = signedOutPage();
          },
        },
      },
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = errorPage({ ...out });
      },
    };
  }
}
