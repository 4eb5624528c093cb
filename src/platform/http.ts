/**
 * HTTP pieces both processes' WHEP faces share: the bearer token parse and the CORS preflight a
 * browser sends before a WHEP request. The device answers it for `/whep`, the centre for each
 * device's relayed `/d/<deviceId>/whep`, with the same headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** RFC 6750 §2.1; a token anywhere else (query, body) is never looked at. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header.trim());
  return m ? m[1] : undefined;
}

const preflight = (_r: FastifyRequest, reply: FastifyReply) =>
  reply
    .code(204)
    .header('Accept-Post', 'application/sdp')
    .header('Access-Control-Allow-Methods', 'OPTIONS, GET, POST, PATCH, DELETE')
    .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match')
    .header('Access-Control-Max-Age', '600')
    .send();

/** Answers OPTIONS on a WHEP endpoint and its session URLs, without authentication (RFC 9725 §4.1). */
export function answerWhepPreflight(app: FastifyInstance, endpoint: string, session: string): void {
  app.options(endpoint, preflight);
  app.options(session, preflight);
}
