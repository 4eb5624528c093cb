/**
 * The device's own HTTP transport for WHEP: a thin adapter from fastify to the session manager
 * (whepService.ts). It reads the token from the Authorization header, the content type, If-Match
 * and the client's address, and writes the reply back; the CORS preflight is answered here without
 * authentication. Per-address rate limits are fastify's (whepServer.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerWhepPreflight } from '../platform/http.ts';
import { bearerToken } from './http.ts';
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
