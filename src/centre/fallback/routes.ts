/**
 * The two ways into the MPEG-1 fallback at the centre, each handing its WebSocket to the bridge: the
 * viewer's socket on the page origin, and the device-facing listener with its config section.
 *
 * The look itself is asked for on either relay face (`POST /d/<deviceId>/fallback`,
 * `POST /round/look/<deviceId>/fallback`: relay/face.ts), whose answer is the device's one-time
 * ticket; the page's WebSocket on `<face>/fallback/ws` presents that ticket and gets the device's
 * picture through the bridge.
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
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

/**
 * The `fallback` section of the centre's config: the device-facing listener the MPEG-1 fallback's
 * pictures arrive on (devices dial out to it with their client certificates), and the URL devices
 * are told to dial, which names this instance, so the picture reaches the instance the viewer is on.
 */
const file = () => z.string().min(1);

export const centreFallbackSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8445),
  /** What devices dial: `wss://<this instance>:<port>/media` as they reach it. */
  publicUrl: z.string().regex(/^wss:\/\/[^\s<>"]{1,180}\/media$/, 'expected wss://host:port/media'),
  tls: z.strictObject({
    certFile: file(),
    keyFile: file(),
    /** The CA the devices' client certificates chain to: the broker's. */
    clientCaFile: file(),
  }),
});
export type CentreFallbackConfig = z.output<typeof centreFallbackSchema>;

/**
 * The device-facing listener of the MPEG-1 fallback: HTTPS with mutual TLS on its own port. Only a
 * client certificate from the broker's CA gets a TLS session at all, and its common name, the
 * device id the broker knows it by, is the only identity the bridge pairs a dial-out under. Nothing
 * else is served here.
 */
export interface DeviceListenerTls {
  key: Buffer;
  cert: Buffer;
  clientCa: Buffer;
}

export interface DeviceListener {
  port: number;
  stop(): Promise<void>;
}

export async function startDeviceListener(
  bridge: Pick<FallbackBridge, 'device'>,
  o: { host: string; port: number; tls: DeviceListenerTls },
): Promise<DeviceListener> {
  const server: Server = createServer({
    key: o.tls.key,
    cert: o.tls.cert,
    ca: o.tls.clientCa,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
  server.on('request', (_req, res) => res.writeHead(404).end());
  // The device's messages are the picture (MPEG-TS chunks as ffmpeg writes them, well under 1 MiB).
  const wss = new WebSocketServer({ server, path: '/media', maxPayload: 1 << 20 });
  wss.on('connection', (ws, request) => {
    const cn = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
    const deviceId = Array.isArray(cn) ? undefined : cn;
    if (!deviceId || !TOPIC_ID.test(deviceId)) ws.close(4403, 'not_a_device');
    else bridge.device(deviceId, ws);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
