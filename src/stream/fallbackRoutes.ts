/**
 * The MPEG-1 fallback on the device's own HTTPS: `POST /fallback` (Bearer, like a WHEP offer)
 * answers a one-time ticket, and the WebSocket at `/fallback/ws` carries the picture once its first
 * message is that ticket, so the token is never in a URL or a WebSocket header. The socket takes
 * nothing from the page but that one message; the session ends when it closes. For a viewer on the
 * centre's page, the device dials the same socket out to the centre instead (below).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../camera/index.ts';
import type { Timers } from '../platform/time.ts';
import {
  type FallbackRequest,
  type FallbackService,
  type FallbackSocket,
  TICKET_MS,
} from './fallbackService.ts';
import { bearerToken } from './http.ts';
import { errorReply, type WhepReply } from './whepMessages.ts';
import { send } from './whepRoutes.ts';

export const FALLBACK_WS_PATH = '/fallback/ws';
/** How long an opened socket may take to present its ticket. */
const FIRST_MESSAGE_MS = 5000;

export function registerFallbackRoutes(
  app: FastifyInstance,
  service: FallbackService,
  o: { rateLimitPerMinute: number; time: Pick<Timers, 'timeout'> },
): () => Promise<void> {
  const { rateLimitPerMinute, time } = o;
  const limited = { config: { rateLimit: { max: rateLimitPerMinute, timeWindow: 60_000 } } };
  app.post('/fallback', limited, async (request, reply) =>
    send(
      reply,
      await service.open({ token: bearerToken(request), origin: { transport: 'http', remote: request.ip } }),
    ),
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 });
  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url !== FALLBACK_WS_PATH) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => admitSocket(ws, service, time));
  };
  app.server.on('upgrade', upgrade);
  return async () => {
    app.server.off('upgrade', upgrade);
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

/** The first message must be a live ticket; anything else closes the socket (4401). */
export function admitSocket(
  ws: WebSocket,
  service: Pick<FallbackService, 'connect'>,
  time: Pick<Timers, 'timeout'>,
): void {
  const timer = time.timeout('fallback-first-message', FIRST_MESSAGE_MS, () =>
    ws.close(4401, 'ticket_invalid'),
  );
  ws.once('message', (data, isBinary) => {
    timer.cancel();
    const ticket = isBinary ? '' : String(data);
    if (!service.connect(ticket, socketOf(ws))) ws.close(4401, 'ticket_invalid');
    else ws.on('message', () => ws.close(4400, 'viewer_sends'));
  });
  ws.once('close', () => timer.cancel());
}

/** A `ws` socket as the fallback's picture sink. */
export function socketOf(ws: WebSocket): FallbackSocket {
  return {
    send: (chunk) => ws.send(chunk, { binary: true }),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    close: (code, reason) => ws.close(code, reason),
    onClose: (listener) => void ws.once('close', listener),
  };
}

/**
 * The MPEG-1 fallback through the centre. Nothing can connect to a device in a home, so for a
 * viewer on the centre's page the device dials out: after access control admitted the relayed
 * request (fallbackService.ts: the same gate, audit and cut), it opens a WebSocket to the centre
 * instance's `mediaUrl` with its own client certificate (the broker's CA, the identity the broker
 * knows it by) and presents the one-time ticket; the centre pairs it with the viewer's socket that
 * presents the same ticket, and says `start`. Only then does the picture flow. The centre decides
 * nothing and keeps nothing: a ticket it does not pair is simply never started, and the device's
 * ticket timer ends the session.
 */
/** The device's client certificate and the CA its centre's server certificate chains to. */
export interface DialTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

export interface FallbackDialDeps {
  fallback: Pick<FallbackService, 'open' | 'connect'>;
  tls: DialTls;
  time: Pick<Timers, 'timeout'>;
  logger: Logger;
}

/** The device's answer to a relayed `fallback` request: admit, then dial `mediaUrl` with the ticket. */
export async function relayFallback(
  deps: FallbackDialDeps,
  request: FallbackRequest & { mediaUrl: string | undefined },
): Promise<WhepReply> {
  if (!request.mediaUrl)
    return errorReply('bad_request', 'a fallback request names where to send the picture');
  const reply = await deps.fallback.open(request);
  if (reply.status !== 201) return reply;
  const { ticket } = JSON.parse(reply.body) as { ticket: string };
  dial(deps, request.mediaUrl, ticket);
  return reply;
}

function dial(deps: FallbackDialDeps, url: string, ticket: string): void {
  const { tls, time, logger } = deps;
  const ws = new WebSocket(url, { ...tls, maxPayload: 64, handshakeTimeout: 5000 });
  const giveUp = time.timeout('fallback-dial', TICKET_MS, () => ws.terminate());
  ws.on('error', (error) => logger.warn({ err: String(error) }, 'fallback dial-out failed'));
  ws.once('close', () => giveUp.cancel());
  ws.once('open', () => ws.send(ticket));
  ws.once('message', (data, isBinary) => {
    giveUp.cancel();
    if (isBinary || String(data) !== 'start' || !deps.fallback.connect(ticket, socketOf(ws))) {
      ws.close(4401, 'ticket_invalid');
      return;
    }
    ws.on('message', () => ws.close(4400, 'viewer_sends'));
  });
}
