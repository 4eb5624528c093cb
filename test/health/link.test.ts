import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttConfigSchema } from '../../src/health/config.ts';
import { MqttLink } from '../../src/health/link.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { silentLogger } from '../../src/platform/ports.ts';
import { FaultyStore } from '../fixtures/faultyStore.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { until } from '../support/until.ts';
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

describe('MqttLink on a state directory that refuses writes', () => {
  // Issue 9 item 1: the attempt saved the counter before dialling, and a failed save ended MQTT for good.
  it('keeps_dialling_when_the_connection_counter_cannot_be_saved_and_comes_back_with_the_counter_in_memory', async () => {
    const centre = await startCentre(broker.url);
    const store = new FaultyStore(new FsStore(join(dir, 'full')));
    const time = new ManualTime();
    const warnings: object[] = [];
    const log = { ...silentLogger, warn: (o: object) => void warnings.push(o) };
    const link = new MqttLink({
      deviceId: 'dev-full',
      config: config(broker.url),
      store,
      time,
      log,
      random: () => 0,
    });
    await link.start();
    await until(() => link.online, 'online');
    store.failing.add('writeAtomic');
    await broker.stop();
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = await withDeadline(time.next('mqtt-reconnect'), 'the next reconnect attempt');
      time.advance(next.inMs);
    }
    await until(() => warnings.length >= 3, 'three unsaved counters');
    expect(warnings.filter((w) => (w as { code?: string }).code === 'EIO').length).toBeGreaterThanOrEqual(3);
    await broker.start();
    while (!link.online) {
      const next = await Promise.race([time.next('mqtt-reconnect'), settle(50).then(() => undefined)]);
      if (next && !link.online) time.advance(next.inMs);
    }
    await centre.waitFor(
      (m) => m.filter((x) => x.topic.endsWith('dev-full/status') && x.text.includes('online')).length >= 2,
    );
    const online = (centre.json('dev-full/status') as Array<{ state: string; connection: number }>).filter(
      (s) => s.state === 'online',
    );
    // Every attempt counted in memory tried to save its number and was refused: as many as there
    // were refusals, however many attempts the reconnect timer made on a loaded machine.
    const refused = warnings.filter((w) => (w as { code?: string }).code === 'EIO').length;
    expect(online.at(-1)!.connection).toBe(online[0]!.connection + refused);
    expect(await store.inner.read('mqtt.connection.json')).toBe(JSON.stringify({ connection: 1 }));
    await link.stop();
    await centre.stop();
  });

  it('starts_and_dials_when_the_saved_counter_cannot_even_be_read', async () => {
    const store = new FaultyStore(new FsStore(dir));
    store.failing.add('read');
    store.failing.add('writeAtomic');
    const link = new MqttLink({ deviceId: 'dev-eio', config: config(broker.url), store });
    await link.start();
    await until(() => link.online, 'online');
    expect(link.connection).toBe(1);
    await link.stop();
  });
});

/** Rejects when `promise` has not settled within a few real seconds (a timer the code never set). */
function withDeadline<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`never came: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
