import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamConfigSchema, WhepServer } from '../../src/stream/index.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

describe('WHEP over HTTPS', () => {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nattsyn-tls-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    stack = await startStack({ camera: false });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves WHEP on https with the configured certificate', async () => {
    const config = streamConfigSchema.parse({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
    });
    const server = new WhepServer({
      config,
      access: stack.access,
      hub: stack.hub,
      time: stack.time,
    });
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
