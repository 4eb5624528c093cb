/**
 * An HTTP server on 127.0.0.1 that listens before the app it serves exists: the centre's redirect
 * URL must be registered at the OpenID provider before the centre (which needs the provider's
 * issuer URL) can be built.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface LoopbackServer {
  origin: string;
  /** Routes every request to the (ready) fastify app from now on. */
  serve(app: FastifyInstance): void;
  close(): Promise<void>;
}

export async function listenLoopback(): Promise<LoopbackServer> {
  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve: (app) => {
      handler = (req, res) => app.routing(req, res);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
