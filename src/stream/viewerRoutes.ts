/**
 * The staff viewer page (static, same origin as WHEP) and its window state. The page takes
 * the token from the URL fragment or a paste box and only ever sends it in an Authorization header.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '../access/types.ts';
import type { Clock } from '../platform/time.ts';
import { VIEWER_CSP, viewerAssets } from '../viewer/assets.ts';
import type { StreamConfig } from './config.ts';
import { bearerToken } from './http.ts';
import { errorReply, jsonReply, type WhepReply } from './whepMessages.ts';

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

/**
 * The viewer page's window state (GET /api/state, and the relay's `state` route): what the page
 * shows before a look, for a token that verifies. No session, no audit: it only reads.
 */
export interface ViewerStateDeps {
  config: Pick<StreamConfig, 'deviceLabel' | 'timeZone'>;
  access: Pick<AccessControl, 'windowState' | 'checkToken'>;
  time: Pick<Clock, 'now'>;
}

export async function viewerState(deps: ViewerStateDeps, token: string | undefined): Promise<WhepReply> {
  const auth = await deps.access.checkToken(token);
  if (!auth.ok) return errorReply(auth.code, auth.message);
  const state = deps.access.windowState();
  const span = (w: typeof state.open) => (w ? { windowId: w.windowId, start: w.start, end: w.end } : null);
  return jsonReply(200, {
    deviceLabel: deps.config.deviceLabel,
    // Times read in the resident's zone (the policy's) unless the device config names another.
    timeZone: deps.config.timeZone ?? state.timeZone ?? null,
    now: deps.time.now(),
    open: span(state.open),
    next: span(state.next),
    paused: state.paused,
    // Who paused (resident, centre, policy), since and until when (null: not known, or until resumed).
    pause: state.pause
      ? { by: state.pause.by, since: state.pause.since ?? null, until: state.pause.until ?? null }
      : null,
    clockSynced: state.clockSynced,
    hasPolicy: state.policyVersion !== undefined,
    installPreviewUntil: auth.scope === 'install' ? (state.installPreviewUntil ?? null) : null,
  });
}
