import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { streamConfigSchema, WhepServer } from '../../src/stream/index.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

/** A folder holding a fresh self-signed P-256 certificate for 127.0.0.1 (cert.pem, key.pem). */
async function selfSignedCert(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-tls-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ],
    { stdio: 'ignore' },
  );
  return dir;
}

/** The device's WHEP server on HTTPS with that certificate, over the stack's access and hub. */
function tlsServer(
  dir: string,
  stack: Stack,
  extra: { fallback?: { fps: number; bitrateKbps: number } } = {},
) {
  const config = streamConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
  });
  return new WhepServer({ config, access: stack.access, hub: stack.hub, time: stack.time, ...extra });
}

describe('WHEP over HTTPS', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = await selfSignedCert();
    stack = await startStack({ camera: false });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves WHEP on https with the configured certificate', async () => {
    const server = tlsServer(dir, stack);
    await server.start();
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = await readFile(join(dir, 'cert.pem'));
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(`${server.url}/whep`, { method: 'OPTIONS', ca }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(204);
    } finally {
      await server.stop();
      await server.stop();
    }
  });
});

describe('the MPEG-1 fallback over the device own HTTPS', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = await selfSignedCert();
    stack = await startStack({ window: 'open' });
    await stack.hub.waitForKeyframe(8000);
  }, 20_000);
  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands_out_its_ticket_over_https_and_sends_the_picture_over_wss', async () => {
    const server = tlsServer(dir, stack, { fallback: { fps: 15, bitrateKbps: 600 } });
    await server.start();
    try {
      const ca = await readFile(join(dir, 'cert.pem'));
      const token = await stack.token();
      const opened = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = request(
          `${server.url}/fallback`,
          { method: 'POST', ca, headers: { Authorization: `Bearer ${token}` } },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(opened.status).toBe(201);
      const { ticket } = JSON.parse(opened.body) as { ticket: string };
      const ws = new WebSocket(`${server.url.replace(/^https/, 'wss')}/fallback/ws`, { ca });
      const first = new Promise<Buffer>((resolve) => ws.once('message', (d: Buffer) => resolve(d)));
      ws.on('open', () => ws.send(ticket));
      expect((await first)[0]).toBe(0x47);
      ws.close();
    } finally {
      await server.stop();
    }
  }, 20_000);
});
