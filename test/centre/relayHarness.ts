/**
 * A centre started on a real mosquitto (MQTT 5, loopback) and a device-side relay endpoint whose
 * WHEP service is given by the test: the relay's own checks meet real MQTT 5 request/response.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { loadCentreConfig } from '../../src/centre/load.ts';
import { type RunningCentre, startCentre } from '../../src/centre/main.ts';
import { silentLogger } from '../../src/platform/ports.ts';
import { systemTime } from '../../src/platform/time.ts';
import { deviceTopics, type RelayRefusalCode } from '../../src/protocol/index.ts';
import { DeviceRelay, type DeviceRelayDeps } from '../../src/relay/deviceRelay.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';

export interface RelayLab {
  broker: Broker;
  centre: RunningCentre;
  dir: string;
  centrePublicKey: CryptoKey;
  dispose(): Promise<void>;
}

/** `beforeStart` may lay files (certificates) in the lab's directory that `extra` names. */
export async function startRelayLab(
  extra: Record<string, unknown> = {},
  beforeStart?: (dir: string) => Promise<void>,
): Promise<RelayLab> {
  const broker = await startMosquitto();
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-centre-'));
  await beforeStart?.(dir);
  const { privateKey, publicKey } = await generateKeyPair('Ed25519', { extractable: true });
  await writeFile(join(dir, 'relay.key'), await exportPKCS8(privateKey), { mode: 0o600 });
  await writeFile(join(dir, 'centre.key'), randomBytes(48).toString('base64'), { mode: 0o600 });
  await writeFile(join(dir, 'turn.secret'), 'turn-secret-for-tests', { mode: 0o600 });
  const config = {
    instanceId: 'centre-test',
    keyFile: 'centre.key',
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: broker.url },
    relay: { signingKey: 'relay.key', timeoutMs: 1500 },
    turn: { urls: ['turn:198.51.100.1:3478?transport=udp'], secretFile: 'turn.secret', ttlSeconds: 600 },
    log: { level: 'silent' },
    ...extra,
  };
  await writeFile(join(dir, 'centre.json'), JSON.stringify(config));
  const centre = await startCentre(await loadCentreConfig(join(dir, 'centre.json')), silentLogger);
  return {
    broker,
    centre,
    dir,
    centrePublicKey: publicKey,
    async dispose() {
      await centre.stop();
      await broker.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface FakeDevice {
  client: MqttClient;
  relay: DeviceRelay;
  refusals: RelayRefusalCode[];
  requests: number;
  goOnline(): Promise<void>;
  stop(): Promise<void>;
}

/** A device's MQTT side: retained presence, the relay's checks, and the WHEP service the test gives. */
export async function fakeDevice(
  lab: Pick<RelayLab, 'broker' | 'centrePublicKey'>,
  deviceId: string,
  serve: DeviceRelayDeps['serve'],
  answering = true,
): Promise<FakeDevice> {
  const topics = deviceTopics(deviceId);
  const client = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: deviceId });
  const device: FakeDevice = {
    client,
    refusals: [],
    requests: 0,
    relay: new DeviceRelay({
      deviceId,
      centreKeys: [lab.centrePublicKey],
      serve: async (request) => {
        device.requests += 1;
        return serve(request);
      },
      publish: (topic, payload, correlationData) =>
        client
          .publishAsync(topic, payload, { qos: 1, properties: { correlationData } })
          .then(() => undefined),
      refused: async (code) => {
        device.refusals.push(code);
      },
      time: systemTime,
      log: silentLogger,
    }),
    async goOnline() {
      const status = { state: 'online', connection: 1, since: new Date().toISOString(), policyVersion: 1 };
      await client.publishAsync(topics.status, JSON.stringify(status), { qos: 1, retain: true });
    },
    async stop() {
      device.relay.stop();
      await client.publishAsync(topics.status, '', { qos: 1, retain: true });
      await client.endAsync();
    },
  };
  if (answering) {
    await client.subscribeAsync(topics.whepRequest, { qos: 1 });
    client.on('message', (_topic, payload, packet) => {
      void device.relay.onMessage({
        payload,
        retained: packet.retain,
        responseTopic: packet.properties?.responseTopic,
        correlationData: packet.properties?.correlationData,
        messageExpiryInterval: packet.properties?.messageExpiryInterval,
      });
    });
  }
  return device;
}
