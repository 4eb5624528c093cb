import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { spawnDevice } from './fixtures/spawnDevice.ts';

let broker: Broker;
let centre: Centre;
let dir: string;

beforeAll(async () => {
  broker = await startMosquitto();
  centre = await startCentre(broker.url);
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-leak-'));
});
afterAll(async () => {
  await centre.stop();
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('stopping the health service', () => {
  it('leaves no timer, socket or child process behind: the process ends by itself', async () => {
    const keys = await generateKeyPair('EdDSA', { extractable: true });
    const device = await spawnDevice({
      deviceId: 'dev-leak',
      url: broker.url,
      stateDir: dir,
      policyKey: await exportJWK(keys.publicKey),
    });
    await device.waitForLine((l) => l === 'online');
    device.send('append 3');
    device.send('event window_ready');
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-leak/event'));
    const exited = new Promise<number | null>((resolve) =>
      device.child.once('exit', (code) => resolve(code)),
    );
    device.send('stop');
    await device.waitForLine((l) => l === 'stopped');
    const outcome = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r('still running'), 5000)),
    ]);
    if (outcome === 'still running') await device.kill9();
    expect(outcome).toBe(0);
    await centre.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-leak/status' && x.text.includes('stopped')),
    );
  });
});
