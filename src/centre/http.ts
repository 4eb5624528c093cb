/** Small HTTP pieces of the centre: bearer parsing, the error shape, ICE server links. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RelayIceServer } from '../protocol/index.ts';

/** RFC 6750 §2.1; a token anywhere else (query, body) is never looked at. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header.trim());
  return m ? m[1] : undefined;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ code, message });
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** `Link: <turn:…>; rel="ice-server"` values (RFC 9725 §4.6), one per URL. */
export function iceServerLinks(servers: readonly RelayIceServer[]): string[] {
  return servers.flatMap((s) =>
    s.urls.map((url) => {
      let link = `<${url}>; rel="ice-server"`;
      if (s.username !== undefined) link += `; username=${quote(s.username)}`;
      if (s.credential !== undefined)
        link += `; credential=${quote(s.credential)}; credential-type="password"`;
      return link;
    }),
  );
}
