/**
 * The viewer's socket of the MPEG-1 fallback at the centre. The look itself is asked for on either
 * relay face (`POST /d/<deviceId>/fallback`, `POST /round/look/<deviceId>/fallback`: relay/face.ts),
 * whose answer is the device's one-time ticket; the page's WebSocket on `<face>/fallback/ws`
 * presents that ticket and gets the device's picture through the bridge.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { TOPIC_ID } from '../../protocol/index.ts';
import type { FallbackBridge } from './bridge.ts';

const VIEWER_SOCKET = /^\/(?:d|round\/look)\/([^/?#]+)\/fallback\/ws$/;

export function registerFallbackRoutes(
  app: FastifyInstance,
  bridge: Pick<FallbackBridge, 'viewer'>,
): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 });
  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deviceId = VIEWER_SOCKET.exec(request.url ?? '')?.[1];
    if (deviceId === undefined || !TOPIC_ID.test(deviceId)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => bridge.viewer(deviceId, ws));
  };
  app.server.on('upgrade', upgrade);
  return () => {
    app.server.off('upgrade', upgrade);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  };
}
