/**
 * The device's HTTP face: WHEP (draft-ietf-wish-whep) on /whep, the viewer page on /, and a small
 * window-state endpoint for the page. Every verb but OPTIONS is authenticated; the offer guard runs
 * before werift; every session is admitted, ended and audited through access control. Plain HTTP
 * is only ever served on loopback (the config refuses anything else).
 */
import { readFile } from 'node:fs/promises';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AccessControl, RequestOrigin } from '../access/types.ts';
import { type AccessUnit, type Logger, silentLogger } from '../camera/index.ts';
import { NattsynError } from '../errors.ts';
import type { Time } from '../platform/time.ts';
import { type StreamConfig, streamConfigSchema } from './config.ts';
import { registerFallbackRoutes } from './fallbackRoutes.ts';
import { FallbackService } from './fallbackService.ts';
import { applyCors, bearerToken, hasTokenInQuery, sendError } from './http.ts';
import type { StreamHub } from './hub.ts';
import type { Mpeg1Options } from './mpeg1Encoder.ts';
import { registerViewerRoutes } from './viewerRoutes.ts';
import { iceServerLinks } from './whepMessages.ts';
import { registerReferenceRoute, registerWhepRoutes } from './whepRoutes.ts';
import { WhepService } from './whepService.ts';

export interface WhepServerDeps {
  config: StreamConfig;
  access: AccessControl;
  hub: StreamHub;
  logger?: Logger;
  /** The access controller's time (grant ends are on its wall clock). */
  time: Time;
  /** PEM key and certificate; read from config.tls files at start when absent. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Stores the installer's confirmed reference view (its hash only); absent: no such route. */
  confirmReference?: (keyframe: AccessUnit, actor: string) => Promise<string>;
  /** The camera's picture for the MPEG-1 fallback's encoder; absent: no fallback routes. */
  fallback?: Omit<Mpeg1Options, 'onFailed'>;
}

export class WhepServer {
  readonly #deps: WhepServerDeps;
  readonly #config: StreamConfig;
  #app: FastifyInstance | undefined;
  #sessions: WhepService | undefined;
  #fallback: FallbackService | undefined;
  #closeFallback: (() => Promise<void>) | undefined;
  #url: string | undefined;
  #started = false;

  constructor(deps: WhepServerDeps) {
    this.#deps = deps;
    this.#config = streamConfigSchema.parse(deps.config);
  }

  /** The validated stream config, defaults filled in. */
  get config(): StreamConfig {
    return this.#config;
  }

  /** The base URL once listening, e.g. http://127.0.0.1:8443. */
  get url(): string {
    if (!this.#url) throw new NattsynError('not_started', 'the WHEP server is not listening');
    return this.#url;
  }

  /** The session manager: also what the centre's relay hands requests to. */
  get sessions(): WhepService {
    if (!this.#sessions) throw new NattsynError('not_started', 'the WHEP server is not started');
    return this.#sessions;
  }

  /** The MPEG-1 fallback's session manager (also what the centre's relay hands requests to). */
  get fallback(): FallbackService | undefined {
    return this.#fallback;
  }

  /** Builds the fastify app (also used by tests through `app.inject`). */
  async build(): Promise<FastifyInstance> {
    if (this.#app) return this.#app;
    const config = this.#config;
    const tls = await this.#tlsOptions();
    // Node checks both timeouts on an interval (30 s by default): short, so a slow sender is cut on time.
    const timeouts = {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 2)),
    };
    const app = Fastify({
      logger: false,
      bodyLimit: config.maxBodyBytes,
      trustProxy: false,
      connectionTimeout: 10_000,
      requestTimeout: config.requestTimeoutMs,
      ...(tls ? { https: { ...tls, ...timeouts } } : { http: timeouts }),
      // A URL fastify cannot decode gets our error shape, never its default body echoing the input.
      frameworkErrors: (_error, _request, reply) =>
        sendError(reply, 'bad_request', 'the request URL is malformed'),
    }) as unknown as FastifyInstance;
    const logger = this.#deps.logger ?? silentLogger;
    const sessions = new WhepService({ ...this.#deps, config, logger });
    this.#sessions = sessions;
    if (this.#deps.fallback) {
      const { access, hub, time } = this.#deps;
      this.#fallback = new FallbackService({
        config,
        access,
        hub,
        time,
        logger,
        encoder: this.#deps.fallback,
      });
    }
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
    app.addHook('onRequest', async (request, reply) => {
      reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'no-referrer');
      if (hasTokenInQuery(request.url)) {
        return sendError(reply, 'token_in_query', 'tokens are only accepted in the Authorization header');
      }
    });
    app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      if (error instanceof NattsynError) return sendError(reply, error.code, error.message);
      const status = error.statusCode ?? 500;
      if (status === 413) return sendError(reply, 'body_too_large', 'the request body is too large');
      if (status === 429) return sendError(reply, 'rate_limited', 'too many requests; try again shortly');
      if (status === 415) return sendError(reply, 'unsupported_media_type', 'unsupported content type');
      if (status < 500) return sendError(reply, 'bad_request', 'the request is malformed');
      (this.#deps.logger ?? silentLogger).error({ err: String(error) }, 'request failed');
      return sendError(reply, 'internal', 'the device could not handle the request');
    });
    app.setNotFoundHandler((_request, reply) => sendError(reply, 'not_found', 'no such resource'));
    await app.register(rateLimit, {
      global: false,
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: () => ({ statusCode: 429, code: 'rate_limited', message: 'too many requests' }),
    });
    this.#screenTokens(app);
    const links = iceServerLinks(config.iceServers);
    app.addHook('onSend', async (request, reply) => {
      if (request.url.startsWith('/whep')) {
        applyCors(request, reply, config);
        // A 201 carries the session's own servers (whepService.ts); every other reply the configured ones.
        if (links.length > 0 && request.method !== 'DELETE' && !reply.hasHeader('Link'))
          reply.header('Link', links);
      }
    });
    registerWhepRoutes(app, sessions, config.rateLimitPerMinute);
    if (this.#fallback) {
      const o = { rateLimitPerMinute: config.rateLimitPerMinute, time: this.#deps.time };
      this.#closeFallback = registerFallbackRoutes(app, this.#fallback, o);
    }
    if (this.#deps.confirmReference) {
      registerReferenceRoute(app, {
        access: this.#deps.access,
        hub: this.#deps.hub,
        confirm: this.#deps.confirmReference,
        rateLimitPerMinute: config.rateLimitPerMinute,
      });
    }
    registerViewerRoutes(app, {
      config,
      access: this.#deps.access,
      time: this.#deps.time,
    });
    this.#app = app;
    return app;
  }

  /** Whether the device's own listener is open (`stream.listen` is not `off`). */
  get listening(): boolean {
    return this.#url !== undefined;
  }

  async start(): Promise<void> {
    const app = await this.build();
    if (this.#url || this.#started) return;
    this.#started = true;
    this.#sessions?.start();
    this.#fallback?.start();
    const { listen, host, port } = this.#config;
    // With the listener off the session manager still serves the centre's relay.
    if (listen === 'off') return;
    this.#url = await app.listen({ host: listen === 'loopback' ? '127.0.0.1' : host, port });
  }

  /**
   * Takes no new request first (fastify answers 503 while it closes; requests in hand finish), then
   * ends every session (audited as `shutdown`) and closes the peers. Idempotent.
   */
  async stop(): Promise<void> {
    // The fallback's sockets first: the listener's close waits for every upgraded socket. Its
    // sessions end as `shutdown`, and the socket server takes no new one.
    await this.#fallback?.stop();
    await this.#closeFallback?.();
    this.#closeFallback = undefined;
    const app = this.#app;
    this.#app = undefined;
    this.#url = undefined;
    this.#started = false;
    await app?.close();
    await this.#sessions?.stop();
  }

  /**
   * The token is checked from the headers before a body is read (issue 13, item 9): a refusal is
   * audited and answered at once, and the connection closed rather than left to a slow body.
   * Runs after the per-route rate limit (onRequest), so refusals stay limited per address.
   */
  #screenTokens(app: FastifyInstance): void {
    const access = this.#deps.access;
    app.addHook('preParsing', async (request, reply, payload) => {
      const screened = request.url.startsWith('/whep') || request.url === '/fallback';
      if (!screened || ['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
        return payload;
      }
      // An admission's refusal says how the picture would have travelled, as the route's would.
      const origin: RequestOrigin = { remote: request.ip, transport: 'http' };
      if (request.url === '/fallback') origin.media = 'mpeg1';
      if (request.url === '/whep') origin.media = 'webrtc';
      const check = await access.checkToken(bearerToken(request), origin);
      if (check.ok) return payload;
      reply.header('Connection', 'close').header('WWW-Authenticate', 'Bearer error="invalid_token"');
      await sendError(reply, check.code, check.message);
      return payload;
    });
  }

  async #tlsOptions(): Promise<{ key: string | Buffer; cert: string | Buffer } | undefined> {
    if (this.#deps.tls) return this.#deps.tls;
    const tls = this.#config.tls;
    if (!tls) return undefined;
    const [key, cert] = await Promise.all([readFile(tls.keyFile), readFile(tls.certFile)]);
    return { key, cert };
  }
}
