/**
 * The device's own HTTP transport for WHEP: a thin adapter from fastify to the session manager
 * (whepService.ts). It reads the token from the Authorization header, the content type, If-Match
 * and the client's address, and writes the reply back; the CORS preflight is answered here without
 * authentication. Per-address rate limits are fastify's (whepServer.ts). The installer's reference
 * route on a WHEP session (below) is here too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl } from '../access/types.ts';
import type { AccessUnit } from '../camera/index.ts';
import { answerWhepPreflight } from '../platform/http.ts';
import { bearerToken, sendError } from './http.ts';
import type { StreamHub } from './hub.ts';
import type { FollowUpRequest, WhepReply, WhepRequest } from './whepMessages.ts';
import type { WhepService } from './whepService.ts';

type Params = { Params: { id: string } };

export function registerWhepRoutes(
  app: FastifyInstance,
  service: WhepService,
  rateLimitPerMinute: number,
): void {
  const limited = { config: { rateLimit: { max: rateLimitPerMinute, timeWindow: 60_000 } } };
  answerWhepPreflight(app, '/whep', '/whep/:id');
  app.post('/whep', limited, async (request, reply) =>
    send(reply, await service.handle(toWhepRequest(request, 'POST'))),
  );
  app.patch<Params>('/whep/:id', limited, async (request, reply) =>
    send(reply, await service.handle(toWhepRequest(request, 'PATCH', request.params.id))),
  );
  app.delete<Params>('/whep/:id', limited, async (request, reply) =>
    send(reply, await service.handle(toWhepRequest(request, 'DELETE', request.params.id))),
  );
  app.get<Params>('/whep/:id', limited, async (request, reply) =>
    send(reply, await service.status(toFollowUp(request))),
  );
  app.post<Params>('/whep/:id/outcome', limited, async (request, reply) =>
    send(reply, await service.outcome(toFollowUp(request))),
  );
}

function toFollowUp(request: FastifyRequest<Params>): FollowUpRequest {
  return {
    sessionId: request.params.id,
    token: bearerToken(request),
    body: typeof request.body === 'string' ? request.body : '',
    origin: { transport: 'http', remote: request.ip },
  };
}

function toWhepRequest(
  request: FastifyRequest,
  method: WhepRequest['method'],
  sessionId?: string,
): WhepRequest {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    method,
    sessionId,
    contentType: header('content-type'),
    ifMatch: header('if-match'),
    body: typeof request.body === 'string' ? request.body : '',
    token: bearerToken(request),
    origin: { transport: 'http', remote: request.ip },
  };
}

export function send(reply: FastifyReply, answer: WhepReply): FastifyReply {
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!Array.isArray(value) || value.length > 0) reply.header(name, value);
  }
  return answer.body === '' ? reply.send() : reply.send(answer.body);
}

/**
 * The installer's "this is the right view" (issue 5, aiming without recording): during an install
 * preview session, `POST /whep/:id/reference` takes the camera's next keyframe in memory and hands
 * it to the install window, which stores its perceptual hash only, never the picture, and closes;
 * the preview session ends with it, so a second install look needs a new aiming window.
 */
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
