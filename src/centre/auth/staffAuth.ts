/**
 * Staff sign-in as one service: the OIDC client, the sealed session and sign-in cookies, the
 * revocation list and the centre audit. The composition root builds it, registers `routes` and
 * puts `requirePage` or `requireApi` in front of every staff route; those routes read the signed-in
 * staff member with `staffOf(request)`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NattsynError } from '../../errors.ts';
import type { Logger } from '../../platform/ports.ts';
import { type CentreKey, Sealer } from '../keys/index.ts';
import type { OidcConfig, SessionConfig } from './config.ts';
import { OidcClient, type SignInTransaction } from './oidc.ts';
import type { SessionRevocations } from './session.ts';
import {
  type CookieNames,
  clearCookie,
  cookieNames,
  readCookie,
  SessionCodec,
  type SessionProblem,
  setCookie,
} from './session.ts';
import type { CentreAuditEvent, CentreAuditSink, StaffIdentity, StaffSession } from './staff.ts';
import { staffFromClaims } from './staff.ts';

export interface StaffAuthOptions {
  oidc: OidcConfig;
  session: SessionConfig;
  centreKey: CentreKey;
  /** The client secret (read with `loadClientSecret`); undefined for a public client (PKCE only). */
  clientSecret: string | undefined;
  revocations: SessionRevocations;
  audit: CentreAuditSink;
  /** Which IdP groups the session keeps (the roster's); default all. */
  keepGroup?: (group: string) => boolean;
  now: () => number;
  randomId: () => string;
  logger: Logger;
}

const MESSAGES: Record<SessionProblem, string> = {
  not_signed_in: 'Sign in first.',
  session_expired: 'The session has expired; sign in again.',
  signed_out: 'The session was signed out; sign in again.',
};

export class StaffAuth {
  readonly oidc: OidcClient;
  readonly sessions: SessionCodec;
  readonly cookies: CookieNames;
  /** This centre's origin (from the redirect URL), for the sign-out Origin check. */
  readonly origin: string;
  readonly logger: Logger;
  readonly #o: StaffAuthOptions;
  readonly #signIn: Sealer;
  readonly #staff = new WeakMap<FastifyRequest, StaffSession>();

  constructor(options: StaffAuthOptions) {
    this.#o = options;
    this.logger = options.logger;
    const redirect = new URL(options.oidc.redirectUrl);
    this.origin = redirect.origin;
    this.cookies = cookieNames(redirect.protocol === 'https:');
    this.oidc = new OidcClient({
      config: options.oidc,
      clientSecret: options.clientSecret,
      logger: options.logger,
    });
    this.#signIn = new Sealer(options.centreKey, 'signin');
    this.sessions = new SessionCodec({
      sealer: new Sealer(options.centreKey, 'session'),
      revocations: options.revocations,
      times: {
        idleMs: options.session.idleMinutes * 60_000,
        absoluteMs: options.session.absoluteHours * 3_600_000,
        touchMs: options.session.touchSeconds * 1000,
      },
      now: options.now,
      randomId: options.randomId,
    });
  }

  get oidcConfig(): OidcConfig {
    return this.#o.oidc;
  }

  async start(): Promise<void> {
    await this.oidc.start();
  }

  async stop(): Promise<void> {
    this.oidc.stop();
  }

  /** preHandler for pages: without a live session, a redirect to sign-in that comes back here. */
  requirePage = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if ((await this.#admit(request, reply)) === undefined) return;
    const returnTo = encodeURIComponent(request.url);
    await reply.code(302).header('Location', `/auth/login?returnTo=${returnTo}`).send();
  };

  /** preHandler for APIs: without a live session, 401 with the reason code. */
  requireApi = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const problem = await this.#admit(request, reply);
    if (problem === undefined) return;
    await reply.code(401).send({ code: problem, message: MESSAGES[problem] });
  };

  /**
   * preHandler for an API a page calls by itself (the round's refresh): like `requireApi`, but the
   * call does not count as use, so a phone left on the round still reaches the idle timeout.
   */
  requireApiQuiet = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const problem = await this.#admit(request, reply, false);
    if (problem === undefined) return;
    await reply.code(401).send({ code: problem, message: MESSAGES[problem] });
  };

  /** The signed-in staff member of a request that passed `requirePage` or `requireApi`. */
  staffOf(request: FastifyRequest): StaffSession {
    const staff = this.#staff.get(request);
    if (!staff) throw new NattsynError('not_signed_in', MESSAGES.not_signed_in);
    return staff;
  }

  /** The session of a request without requiring one (sign-out). */
  async sessionOf(request: FastifyRequest): Promise<StaffSession | undefined> {
    const read = await this.sessions.read(readCookie(request.headers.cookie, this.cookies.session));
    return read.ok ? read.session : undefined;
  }

  identityFrom(claims: Record<string, unknown>): StaffIdentity {
    return staffFromClaims(claims, this.#o.oidc.claims, this.#o.keepGroup);
  }

  async sealTransaction(tx: SignInTransaction): Promise<string> {
    return this.#signIn.seal({ ...tx, exp: this.#o.now() + this.#o.session.signInMinutes * 60_000 });
  }

  async openTransaction(sealed: string | undefined): Promise<SignInTransaction | undefined> {
    if (!sealed) return undefined;
    const value = (await this.#signIn.open(sealed)) as (SignInTransaction & { exp?: unknown }) | undefined;
    if (!value || typeof value.exp !== 'number' || value.exp <= this.#o.now()) return undefined;
    const { state, nonce, verifier, returnTo } = value;
    if (![state, nonce, verifier, returnTo].every((v) => typeof v === 'string')) return undefined;
    return { state, nonce, verifier, returnTo };
  }

  get signInMaxAgeSeconds(): number {
    return this.#o.session.signInMinutes * 60;
  }

  /** Records a centre audit event; a failure is logged, never lets a refused request through. */
  async audit(event: CentreAuditEvent): Promise<void> {
    try {
      await this.#o.audit.record(event);
    } catch (error) {
      this.#o.logger.error({ type: event.type, err: (error as Error).message }, 'centre audit record failed');
    }
  }

  now(): number {
    return this.#o.now();
  }

  async #admit(
    request: FastifyRequest,
    reply: FastifyReply,
    touch = true,
  ): Promise<SessionProblem | undefined> {
    const read = await this.sessions.read(readCookie(request.headers.cookie, this.cookies.session), {
      touch,
    });
    if (!read.ok) {
      if (read.code !== 'not_signed_in')
        reply.header('Set-Cookie', clearCookie(this.cookies.session, 'strict'));
      reply.header('Cache-Control', 'no-store');
      return read.code;
    }
    this.#staff.set(request, read.session);
    if (read.refreshed) {
      const maxAge = this.sessions.maxAgeSeconds(read.session);
      reply.header('Set-Cookie', setCookie(this.cookies.session, read.refreshed, maxAge, 'strict'));
    }
    return undefined;
  }
}
