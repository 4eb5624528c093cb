/**
 * The staff viewer page (static, same origin as WHEP) and its window-state endpoint. The page takes
 * the token from the URL fragment or a paste box and only ever sends it in an Authorization header.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '../access/types.ts';
import type { Clock } from '../platform/time.ts';
import { VIEWER_CSP, viewerAssets } from '../viewer/assets.ts';
import type { StreamConfig } from './config.ts';
import { bearerToken } from './http.ts';
import { viewerState } from './viewerState.ts';

export interface ViewerRouteDeps {
  config: StreamConfig;
  access: Pick<AccessControl, 'windowState' | 'checkToken'>;
  time: Pick<Clock, 'now'>;
}

export function registerViewerRoutes(app: FastifyInstance, deps: ViewerRouteDeps): void {
  for (const asset of viewerAssets()) {
    app.get(`/${asset.path}`, (_request, reply) =>
      reply.type(asset.type).header('Content-Security-Policy', VIEWER_CSP).send(asset.body),
    );
  }
  // One bucket for GET and the HEAD fastify derives from it (a per-route limit would give HEAD its own).
  const limiter = app.rateLimit({ max: deps.config.rateLimitPerMinute * 4, timeWindow: 60_000 });
  app.get('/api/state', { onRequest: limiter }, async (request, reply) => {
    const answer = await viewerState(deps, bearerToken(request));
    return reply.code(answer.status).type('application/json').send(answer.body);
  });
}
