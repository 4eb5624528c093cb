/** Small HTTP pieces of the centre: bearer parsing, the error shape, ICE server links. */
import type { FastifyReply } from 'fastify';
import type { RelayIceServer } from '../protocol/index.ts';

export { bearerToken } from '../platform/http.ts';

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
