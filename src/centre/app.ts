/**
 * The centre's HTTP face (fastify): explicit limits, one error shape (`{code, message}`, never a
 * stack or a token), tokens refused in a URL, security headers on every answer, the viewer page per
 * device and the WHEP relay. Feature routes (sign-in, the round, the archive's pages) register on it.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { NattsynError } from '../errors.ts';
import type { Logger } from '../platform/ports.ts';
import { TOPIC_ID } from '../protocol/index.ts';
import { VIEWER_CSP, viewerAssets } from '../viewer/assets.ts';
import type { CentreConfig } from './config.ts';
import { sendError } from './http.ts';

const TOKEN_PARAMS = /(^|[?&])(access_token|token|jwt|bearer|auth|id_token)=/i;

export interface CentreAppOptions {
  http: CentreConfig['http'];
  tls: { key: Buffer; cert: Buffer } | undefined;
  log: Logger;
}

export async function buildCentreApp(options: CentreAppOptions): Promise<FastifyInstance> {
  const { http, tls, log } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: http.maxBodyBytes,
    trustProxy: http.trustProxy,
    connectionTimeout: 10_000,
    requestTimeout: 15_000,
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser(
    ['application/sdp', 'application/trickle-ice-sdpfrag'],
    { parseAs: 'string', bodyLimit: http.maxBodyBytes },
    (_req, body, done) => done(null, body),
  );
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer').header('X-Frame-Options', 'DENY');
    if (tls) reply.header('Strict-Transport-Security', 'max-age=31536000');
    const q = request.url.indexOf('?');
    if (q >= 0 && TOKEN_PARAMS.test(request.url.slice(q))) {
      return sendError(reply, 400, 'token_in_query', 'tokens are only accepted in the Authorization header');
    }
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof NattsynError) return sendError(reply, error.status, error.code, error.message);
    const status = error.statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, 'body_too_large', 'the request body is too large');
    if (status === 429) return sendError(reply, 429, 'rate_limited', 'too many requests; try again shortly');
    if (status === 415) return sendError(reply, 415, 'unsupported_media_type', 'unsupported content type');
    if (status < 500) return sendError(reply, status, 'bad_request', 'the request is malformed');
    log.error({ err: String(error) }, 'request failed');
    return sendError(reply, 500, 'internal', 'the centre could not handle the request');
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'not_found', 'no such resource'));
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: () => ({ statusCode: 429, code: 'rate_limited', message: 'too many requests' }),
  });
  registerViewerPages(app);
  return app;
}

/** The device's own viewer page under `/d/<deviceId>/`: its relative URLs then reach the relay. */
function registerViewerPages(app: FastifyInstance): void {
  type P = { Params: { deviceId: string } };
  const known = (id: string) => TOPIC_ID.test(id);
  app.get<P>('/d/:deviceId', (request, reply) =>
    known(request.params.deviceId)
      ? reply.redirect(`/d/${request.params.deviceId}/`)
      : sendError(reply, 404, 'not_found', 'no such device'),
  );
  for (const asset of viewerAssets()) {
    app.get<P>(`/d/:deviceId/${asset.path}`, (request, reply) =>
      known(request.params.deviceId)
        ? reply.type(asset.type).header('Content-Security-Policy', VIEWER_CSP).send(asset.body)
        : sendError(reply, 404, 'not_found', 'no such device'),
    );
  }
}
