/**
 * The device-facing listener of the MPEG-1 fallback: HTTPS with mutual TLS on its own port. Only a
 * client certificate from the broker's CA gets a TLS session at all, and its common name, the
 * device id the broker knows it by, is the only identity the bridge pairs a dial-out under. Nothing
 * else is served here.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { TOPIC_ID } from '../../protocol/index.ts';
import type { FallbackBridge } from './bridge.ts';

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
