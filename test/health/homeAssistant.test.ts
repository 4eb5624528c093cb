import { generateKeyPair } from 'jose';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthConfigSchema } from '../../src/health/config.ts';
import { discoveryMessages, discoveryTopics } from '../../src/health/homeAssistant.ts';
import { topicsFor } from '../../src/health/payloads.ts';
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

  it('speaks current discovery: default_entity_id, origin, expire_after on health entities, never "unknown" to a timestamp', async () => {
    const keys = await generateKeyPair('EdDSA');
    const device = await startDevice('QJ42-6TN0-CY6M', broker.url, keys.publicKey, {
      mqtt: { homeAssistant: { enabled: true, prefix: 'ha-test' } },
      health: healthConfigSchema.parse({ periodSeconds: 20 }),
    });
    const ha = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const configs = new Map<string, Record<string, unknown>>();
    ha.on('message', (topic, payload) => configs.set(topic, JSON.parse(payload.toString())));
    await ha.subscribeAsync('ha-test/#');
    await expect.poll(() => configs.size, { timeout: 5000 }).toBe(5);
    expect([...configs.keys()].sort()).toEqual(discoveryTopics('QJ42-6TN0-CY6M', 'ha-test').sort());
    for (const [topic, c] of configs) {
      const [, component, , object] = topic.split('/');
      expect(c).not.toHaveProperty('object_id');
      expect(c.default_entity_id).toBe(`${component}.nattsyn_qj42_6tn0_cy6m_${object}`);
      expect(c.origin).toEqual({ name: 'nattsyn', sw_version: '0.1.0-test' });
      // Entities fed by the retained health go stale when it expires (3 periods); connectivity has the will.
      if (c.state_topic === 'nattsyn/v1/QJ42-6TN0-CY6M/health') expect(c.expire_after).toBe(60);
      else expect(c).not.toHaveProperty('expire_after');
    }
    const timestamps = [...configs.values()].filter((c) => c.device_class === 'timestamp');
    expect(timestamps).toHaveLength(1);
    for (const c of timestamps) {
      expect(String(c.value_template)).not.toMatch(/unknown/i);
      // Home Assistant's MQTT sensor reads the payload `None` as "unknown" (PAYLOAD_NONE).
      expect(String(c.value_template)).toMatch(/ else 'None' \}\}$/);
    }
    await ha.endAsync();
    await device.dispose();
  });

  it('names the same five config topics it publishes, for the wipe to clear', () => {
    const messages = discoveryMessages(
      { deviceId: 'dev-x', softwareVersion: '1', prefix: 'homeassistant', expireAfterSeconds: 180 },
      topicsFor('dev-x'),
    );
    expect(messages.map((m) => m.topic)).toEqual(discoveryTopics('dev-x', 'homeassistant'));
  });
});
