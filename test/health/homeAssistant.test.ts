import { generateKeyPair } from 'jose';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { startCentre } from './fixtures/centre.ts';
import { startDevice } from './fixtures/inProcess.ts';

let broker: Broker;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.dispose();
});

describe('Home Assistant discovery', () => {
  it('is off unless enabled, and when enabled leaves retained configs reading the device topics', async () => {
    const keys = await generateKeyPair('EdDSA');
    const watch = await startCentre(broker.url);
    const plain = await startDevice('dev-plain', broker.url, keys.publicKey);
    const device = await startDevice('dev-ha', broker.url, keys.publicKey, {
      mqtt: { homeAssistant: { enabled: true, prefix: 'homeassistant' } },
    });
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-ha/status' && x.text.includes('online')),
    );
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-plain/status' && x.text.includes('online')),
    );
    const ha = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const configs = new Map<string, Record<string, unknown>>();
    ha.on('message', (topic, payload) => configs.set(topic, JSON.parse(payload.toString())));
    await ha.subscribeAsync('homeassistant/#');
    await expect.poll(() => configs.size, { timeout: 5000 }).toBe(5);
    expect([...configs.keys()].sort()).toEqual([
      'homeassistant/binary_sensor/dev-ha/connectivity/config',
      'homeassistant/binary_sensor/dev-ha/problem/config',
      'homeassistant/sensor/dev-ha/camera/config',
      'homeassistant/sensor/dev-ha/next_window/config',
      'homeassistant/sensor/dev-ha/temperature/config',
    ]);
    for (const c of configs.values()) {
      expect(String(c.state_topic)).toMatch(/^nattsyn\/v1\/dev-ha\/(status|health)$/);
      expect(c.device).toMatchObject({ identifiers: ['nattsyn_dev-ha'] });
    }
    await ha.endAsync();
    await watch.stop();
    await device.dispose();
    await plain.dispose();
  });
});
