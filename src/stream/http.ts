/** Small HTTP pieces of the device's web face: bearer parsing, CORS, error bodies, tokens in URLs. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf, type ReasonCode } from '../reasons.ts';
import type { StreamConfig } from './config.ts';

export { bearerToken } from '../platform/http.ts';

export function applyCors(request: FastifyRequest, reply: FastifyReply, config: StreamConfig): void {
  const origin = request.headers.origin;
  reply.header('Vary', 'Origin');
  if (typeof origin === 'string' && config.corsOrigins.includes(origin)) {
    reply.header('Access-Control-Allow-Origin', origin);
  }
  reply.header(
    'Access-Control-Expose-Headers',
    'Location, ETag, Link, Retry-After, Nattsyn-Session-Until, Nattsyn-Session-Remaining-Ms',
  );
}

/** The JSON error body `{ code, message }`, with the status the reason registry gives the code. */
export function sendError(reply: FastifyReply, code: ReasonCode, message: string): FastifyReply {
  return reply.code(httpStatusOf(code)).type('application/json').send({ code, message });
}

const TOKEN_PARAMS = /(^|[?&])(access_token|token|jwt|bearer|auth)=/i;

/** RFC 6750 §2.3 query tokens leak into logs and history: refused outright. */
export function hasTokenInQuery(url: string): boolean {
  const q = url.indexOf('?');
  return q >= 0 && TOKEN_PARAMS.test(url.slice(q));
}
