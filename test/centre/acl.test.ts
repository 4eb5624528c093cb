/**
 * The broker ACL nattsyn ships (deploy/mosquitto/nattsyn.acl), on a real mosquitto with client
 * certificates: only the centre may publish relayed requests, policies and commands; each device
 * only to its own subtree, and only in the direction its topics flow.
 */
import { readFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_ALARM_TOPIC,
  archiveInstanceTopic,
  archiveStateTopic,
  deviceTopics,
} from '../../src/protocol/index.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';

let broker: Broker;
let centre: MqttClient;
let devA: MqttClient;
let devB: MqttClient;
const seenByCentre: string[] = [];
const seenByA: string[] = [];

async function connect(cn: string): Promise<MqttClient> {
  const cert = await broker.tls!.clientCert(cn);
  return mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    clientId: `${cn}-${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 0,
    ca: [await readFile(broker.tls!.caFile, 'utf8')],
    cert: await readFile(cert.certFile, 'utf8'),
    key: await readFile(cert.keyFile, 'utf8'),
    rejectUnauthorized: true,
  });
}

/** A QoS 1 publish the broker refused comes back as PUBACK 0x87 (not authorised). */
const refused = (client: MqttClient, topic: string) =>
  client.publishAsync(topic, 'x', { qos: 1 }).then(
    () => false,
    () => true,
  );

beforeAll(async () => {
  broker = await startMosquitto({ tls: true });
  centre = await connect('nattsyn-centre');
  devA = await connect('dev-acl-a');
  devB = await connect('dev-acl-b');
  centre.on('message', (t) => seenByCentre.push(t));
  devA.on('message', (t) => seenByA.push(t));
  await centre.subscribeAsync('nattsyn/v1/#', { qos: 1 });
  await devA.subscribeAsync('nattsyn/v1/#', { qos: 1 });
});

afterAll(async () => {
  for (const c of [centre, devA, devB]) await c?.endAsync();
  await broker?.dispose();
});

describe('the shipped broker ACL', () => {
  const a = deviceTopics('dev-acl-a');
  const b = deviceTopics('dev-acl-b');

  it('lets_a_device_publish_what_it_reports_in_its_own_subtree', async () => {
    for (const topic of [
      a.status,
      a.health,
      a.audit,
      a.event,
      a.schedule,
      a.whepResponse('c-1'),
      a.cmdResult('ping'),
    ]) {
      expect(await refused(devA, topic), topic).toBe(false);
    }
  });

  it('refuses_a_device_publishing_what_only_the_centre_sends', async () => {
    for (const topic of [
      a.whepRequest,
      a.policy,
      'nattsyn/v1/dev-acl-a/cmd/pause',
      a.auditAck,
      a.auditResend,
    ]) {
      expect(await refused(devA, topic), topic).toBe(true);
    }
  });

  it('refuses_a_device_publishing_into_another_device_subtree', async () => {
    for (const topic of [b.status, b.audit, b.whepResponse('c-1'), b.whepRequest]) {
      expect(await refused(devA, topic), topic).toBe(true);
    }
  });

  it('refuses_a_device_publishing_the_archives_state_presence_or_alarms_in_the_centres_space', async () => {
    for (const topic of [
      archiveStateTopic('dev-acl-a'),
      archiveInstanceTopic('nattsyn-archive-host'),
      ARCHIVE_ALARM_TOPIC,
    ]) {
      expect(await refused(devA, topic), topic).toBe(true);
    }
  });

  it('lets_the_centre_send_relayed_requests_and_acks', async () => {
    expect(await refused(centre, a.whepRequest)).toBe(false);
    expect(await refused(centre, a.auditAck)).toBe(false);
    expect(await refused(centre, archiveStateTopic('dev-acl-a'))).toBe(false);
  });

  it('delivers_a_device_only_its_own_inbound_topics', async () => {
    await centre.publishAsync(b.whepRequest, 'for-b', { qos: 1 });
    await centre.publishAsync(a.whepRequest, 'for-a', { qos: 1 });
    await devA.publishAsync(a.event, 'marker', { qos: 1 });
    await until(() => seenByCentre.includes(a.event) && seenByA.includes(a.whepRequest));
    expect(seenByA).not.toContain(b.whepRequest);
    expect(seenByA.every((t) => t.startsWith(a.base))).toBe(true);
  });
});

async function until(predicate: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
