/**
 * The viewer's side of the MPEG-1 fallback at the centre: `POST /d/<deviceId>/fallback` is relayed
 * to the device with the viewer's token exactly as received (route `fallback`, with the URL of this
 * instance's device-facing listener), and the device's answer, a one-time ticket or a refusal,
 * becomes the response, its session URL signed as for WHEP. The page's WebSocket on
 * `/d/<deviceId>/fallback/ws` presents that ticket and gets the device's picture through the bridge.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { NattsynError } from '../../errors.ts';
import { TOPIC_ID } from '../../protocol/index.ts';
import { bearerToken } from '../http.ts';
import { deviceOf, type RelayRouteDeps, relayed } from '../relay/face.ts';
import type { FallbackBridge } from './bridge.ts';

type DeviceParams = { Params: { deviceId: string } };
const VIEWER_SOCKET = /^\/d\/([^/?#]+)\/fallback\/ws$/;

export function registerFallbackRoutes(
  app: FastifyInstance,
  deps: RelayRouteDeps,
  bridge: Pick<FallbackBridge, 'viewer'>,
  mediaUrl: string,
): () => void {
  const limited = { config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: 60_000 } } };
  app.post<DeviceParams>('/d/:deviceId/fallback', limited, async (request, reply) => {
    const deviceId = deviceOf(request);
    const token = bearerToken(request);
    const answer = await deps.relay.request({ deviceId, route: 'fallback', body: '', token, mediaUrl });
    if (answer.status !== 201) return relayed(reply, answer);
    const handle = deps.sessionUrls.handleFor(deviceId, answer.headers.location);
    if (!handle) throw new NattsynError('device_bad_reply', 'the device sent a malformed answer');
    return relayed(reply.header('Location', `/d/${deviceId}/whep/${handle}`), answer, ['location', 'link']);
  });
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
