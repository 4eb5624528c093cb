import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttConfigSchema } from '../../src/health/config.ts';
import { MqttLink } from '../../src/health/link.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { startCentre } from './fixtures/centre.ts';

let broker: Broker;
let dir: string;

beforeAll(async () => {
  broker = await startMosquitto();
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-link-'));
});
afterAll(async () => {
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
});

const config = (url: string) =>
  mqttConfigSchema.parse({ url, backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0.5 } });

describe('MqttLink', () => {
  it('announces online only after the connect hooks ran, and stopped on a clean stop', async () => {
    const centre = await startCentre(broker.url);
    const link = new MqttLink({ deviceId: 'dev-a', config: config(broker.url), store: new FsStore(dir) });
    link.onConnect(async () => {
      await link.publish(link.topics.info, '{"hello":1}', { retain: true });
    });
    await link.start();
    await centre.waitFor((m) => m.some((x) => x.topic.endsWith('/status') && x.text.includes('online')));
    const topics = centre.messages.map((m) => m.topic.split('/').pop());
    expect(topics.indexOf('info')).toBeLessThan(topics.indexOf('status'));
    await link.stop();
    await centre.waitFor((m) => m.some((x) => x.text.includes('stopped')));
    expect(centre.json('/status').map((s) => (s as { state: string }).state)).toEqual(['online', 'stopped']);
    await centre.stop();
  });

  it('reconnects with back-off after the broker comes back and announces again with a higher counter', async () => {
    const centre = await startCentre(broker.url);
    const link = new MqttLink({ deviceId: 'dev-b', config: config(broker.url), store: new FsStore(dir) });
    await link.start();
    await centre.waitFor((m) => m.some((x) => x.text.includes('online')));
    await broker.stop();
    await broker.start();
    await centre.waitFor(
      (m) => m.filter((x) => x.text.includes('online') && x.topic.includes('dev-b')).length >= 2,
    );
    const online = centre.json('dev-b/status') as Array<{ connection: number }>;
    expect(online.at(-1)!.connection).toBeGreaterThan(online[0]!.connection);
    await link.stop();
    await centre.stop();
  });

  it('drops and retries a connection whose announcement failed instead of staying silent', async () => {
    const centre = await startCentre(broker.url);
    const link = new MqttLink({ deviceId: 'dev-c', config: config(broker.url), store: new FsStore(dir) });
    let calls = 0;
    link.onConnect(async () => {
      calls += 1;
      if (calls === 1) throw new Error('inventory unavailable');
    });
    await link.start();
    await centre.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-c/status' && x.text.includes('online')),
    );
    const online = centre.json('dev-c/status') as Array<{ state: string; connection: number }>;
    expect(calls).toBe(2);
    expect(online.map((s) => s.state)).toEqual(['offline', 'online']);
    expect(online[1]!.connection).toBe(online[0]!.connection + 1);
    await link.stop();
    await centre.stop();
  });
});
