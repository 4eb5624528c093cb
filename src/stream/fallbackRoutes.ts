/**
 * The MPEG-1 fallback on the device's own HTTPS: `POST /fallback` (Bearer, like a WHEP offer)
 * answers a one-time ticket, and the WebSocket at `/fallback/ws` carries the picture once its first
 * message is that ticket, so the token is never in a URL or a WebSocket header. The socket takes
 * nothing from the page but that one message; the session ends when it closes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Timers } from '../platform/time.ts';
import type { FallbackService, FallbackSocket } from './fallbackService.ts';
import { bearerToken } from './http.ts';
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
