/**
 * The installer's "this is the right view" (issue 5, aiming without recording): during an install
 * preview session, `POST /whep/:id/reference` takes the camera's next keyframe in memory and hands
 * it to the install window, which stores its perceptual hash only, never the picture, and closes;
 * the preview session ends with it, so a second install look needs a new aiming window.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessControl } from '../access/types.ts';
import type { AccessUnit } from '../camera/index.ts';
import { bearerToken, sendError } from './http.ts';
import type { StreamHub } from './hub.ts';

const KEYFRAME_WAIT_MS = 5000;

export interface ReferenceRouteDeps {
  access: Pick<AccessControl, 'authenticateFor' | 'end'>;
  hub: Pick<StreamHub, 'nextKeyframe'>;
  confirm: (keyframe: AccessUnit, actor: string) => Promise<string>;
  rateLimitPerMinute: number;
}

export function registerReferenceRoute(app: FastifyInstance, deps: ReferenceRouteDeps): void {
  const limited = { config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: 60_000 } } };
  app.post<{ Params: { id: string } }>('/whep/:id/reference', limited, async (request, reply) => {
    const auth = await deps.access.authenticateFor(bearerToken(request), request.params.id, {
      remote: request.ip,
      transport: 'http',
    });
    if (!auth.ok) return sendError(reply, auth.code, auth.message);
    if (auth.session.scope !== 'install') {
      return sendError(reply, 'wrong_scope', 'only an installer preview can set the reference view');
    }
    const keyframe = await deps.hub.nextKeyframe(KEYFRAME_WAIT_MS);
    if (!keyframe) return sendError(reply, 'no_frames', 'the camera delivered no picture; try again');
    const hash = await deps.confirm(keyframe, auth.session.staffId);
    // The confirmation closes the aiming window; the preview it was for ends with it (issue 13, item 10).
    await deps.access.end(auth.session.sessionId, 'window_end');
    return reply.send({ hash });
  });
}
