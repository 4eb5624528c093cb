/**
 * The staff viewer page (static, same origin as WHEP) and its window-state endpoint. The page takes
 * the token from the URL fragment or a paste box and only ever sends it in an Authorization header.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '../access/types.ts';
import type { Clock } from '../platform/time.ts';
import type { StreamConfig } from './config.ts';
import { bearerToken, sendError } from './http.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/viewer.js': 'viewer.js',
  '/viewer.css': 'viewer.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export interface ViewerRouteDeps {
  config: StreamConfig;
  access: Pick<AccessControl, 'windowState' | 'checkToken'>;
  time: Pick<Clock, 'now'>;
}

export function registerViewerRoutes(app: FastifyInstance, deps: ViewerRouteDeps): void {
  const dir = join(import.meta.dirname, 'viewer');
  for (const [path, file] of Object.entries(ASSETS)) {
    const body = readFileSync(join(dir, file), 'utf8');
    const type = TYPES[file.split('.').pop()!]!;
    app.get(path, (_request, reply) => reply.type(type).header('Content-Security-Policy', CSP).send(body));
  }
  const limited = { config: { rateLimit: { max: deps.config.rateLimitPerMinute * 4, timeWindow: 60_000 } } };
  app.get('/api/state', limited, async (request, reply) => {
    const auth = await deps.access.checkToken(bearerToken(request));
    if (!auth.ok) return sendError(reply, auth.code, auth.message);
    const state = deps.access.windowState();
    const span = (w: typeof state.open) => (w ? { windowId: w.windowId, start: w.start, end: w.end } : null);
    return reply.send({
      deviceLabel: deps.config.deviceLabel,
      // Times read in the resident's zone (the policy's) unless the device config names another.
      timeZone: deps.config.timeZone ?? state.timeZone ?? null,
      now: deps.time.now(),
      open: span(state.open),
      next: span(state.next),
      paused: state.paused,
      clockSynced: state.clockSynced,
      hasPolicy: state.policyVersion !== undefined,
      installPreviewUntil: auth.scope === 'install' ? (state.installPreviewUntil ?? null) : null,
    });
  });
}
