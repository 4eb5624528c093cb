import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttConfigSchema } from '../../src/health/config.ts';
import { MqttLink } from '../../src/health/link.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { startDevice } from './fixtures/inProcess.ts';

let broker: Broker;
let centre: Centre;
let dir: string;

const tlsOptions = async (cert: { certFile: string; keyFile: string }, caFile = broker.tls!.caFile) => ({
  ca: [await readFile(caFile, 'utf8')],
  cert: await readFile(cert.certFile, 'utf8'),
  key: await readFile(cert.keyFile, 'utf8'),
  rejectUnauthorized: true,
});

beforeAll(async () => {
  broker = await startMosquitto({ tls: true });
  centre = await startCentre(broker.url, await tlsOptions(await broker.tls!.clientCert('nattsyn-centre')));
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-tls-'));
});

afterAll(async () => {
  await centre.stop();
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('MQTT over TLS with client certificates and an ACL', () => {
  it('a device with its own certificate goes online over mqtts', async () => {
    const keys = await generateKeyPair('EdDSA');
    const cert = await broker.tls!.clientCert('dev-a');
    const device = await startDevice('dev-a', broker.url, keys.publicKey, {
      mqtt: { tls: { caFile: broker.tls!.caFile, ...cert } },
    });
    await centre.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-a/status' && x.text.includes('online')),
    );
    expect(centre.messages.some((m) => m.topic === 'nattsyn/v1/dev-a/info')).toBe(true);
    await device.dispose();
  });

  it("the ACL keeps a device out of another device's subtree", async () => {
    const client = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      clientId: 'dev-a',
      reconnectPeriod: 0,
      ...(await tlsOptions(await broker.tls!.clientCert('dev-a'))),
    });
    await client
      .publishAsync('nattsyn/v1/dev-b/status', '{"state":"stopped"}', { qos: 1 })
      .catch(() => undefined);
    await client.publishAsync('nattsyn/v1/dev-a/event', 'after', { qos: 1 });
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-a/event' && x.text === 'after'));
    expect(centre.messages.some((m) => m.topic.startsWith('nattsyn/v1/dev-b/'))).toBe(false);
    await client.endAsync();
  });

  it('a client without a certificate is refused', async () => {
    const attempt = mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ca: [await readFile(broker.tls!.caFile, 'utf8')],
      rejectUnauthorized: true,
    });
    await expect(attempt).rejects.toThrow();
  });

  it('the link refuses a broker whose certificate is not from the pinned CA', async () => {
    const warnings: Array<{ code?: string }> = [];
    const cert = await broker.tls!.clientCert('dev-c');
    const link = new MqttLink({
      deviceId: 'dev-c',
      config: mqttConfigSchema.parse({
        url: broker.url,
        tls: { caFile: broker.tls!.foreignCaFile, ...cert },
      }),
      store: new FsStore(dir),
      log: {
        debug: () => undefined,
        info: () => undefined,
        error: () => undefined,
        warn: (o) => warnings.push(o),
      },
    });
    await link.start();
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(link.online).toBe(false);
    expect(String(warnings[0]!.code)).toMatch(/CERT|SIGNATURE|ISSUER/);
    await link.stop();
  });

  it('has no setting that turns certificate checking off', () => {
    const tls = { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' };
    expect(mqttConfigSchema.safeParse({ url: 'mqtts://127.0.0.1:8883', tls }).success).toBe(true);
    expect(
      mqttConfigSchema.safeParse({
        url: 'mqtts://127.0.0.1:8883',
        tls: { ...tls, rejectUnauthorized: false },
      }).success,
    ).toBe(false);
    expect(mqttConfigSchema.safeParse({ url: 'mqtts://127.0.0.1:8883' }).success).toBe(false);
  });

  it('names the unreadable TLS file as a configuration error', async () => {
    const link = new MqttLink({
      deviceId: 'dev-d',
      config: mqttConfigSchema.parse({
        url: broker.url,
        tls: { caFile: join(dir, 'missing-ca.pem'), certFile: 'c.pem', keyFile: 'k.pem' },
      }),
      store: new FsStore(dir),
    });
    await expect(link.start()).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/^mqtt\.tls\.caFile: /),
    });
    await link.stop();
  });
});
