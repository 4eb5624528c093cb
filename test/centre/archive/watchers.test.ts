/**
 * What the archive tells whoever watches, on a real mosquitto: each device's state retained under
 * the centre's own topic space (complete, behind a gap, broken by a record that does not link) and
 * each instance's presence (online, stopped, or its Last Will when killed), and `nattsyn monitor`,
 * which has only the broker, showing both. The state's SQL is tested on both databases in
 * centreStore.test.ts; here SQLite stands behind the archive.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../src/health/fleet.ts';
import { runMonitor } from '../../../src/health/monitor.ts';
import {
  ARCHIVE_INSTANCE_TOPICS,
  archiveDeviceStateSchema,
  archiveInstanceTopic,
  archiveStateTopic,
  auditRecordHash,
  deviceTopics,
} from '../../../src/protocol/index.ts';
import { type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { makeRecords } from '../../support/auditRecords.ts';
import { startChild } from '../../support/child.ts';
import { type Broker, startMosquitto } from '../../support/mosquitto.ts';
import { until } from '../../support/until.ts';
import { archiveConfig, DeviceFarm, startArchive } from './harness.ts';

let fixture: DatabaseFixture;
let broker: Broker;
let farm: DeviceFarm;
let watcher: MqttClient;
const retained = new Map<string, string>();
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  fixture = await databaseFixture('sqlite');
});
beforeEach(async () => {
  broker = await startMosquitto();
  farm = new DeviceFarm();
  retained.clear();
  watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic, payload) => retained.set(topic, payload.toString()));
  await watcher.subscribeAsync(['nattsyn/v1/_centre/archive/device/+', ARCHIVE_INSTANCE_TOPICS], { qos: 1 });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await watcher.endAsync();
  await farm.dispose();
  await broker.dispose();
});
afterAll(async () => {
  await fixture.dispose();
});

const stateOf = (deviceId: string) => {
  const text = retained.get(archiveStateTopic(deviceId));
  return text === undefined ? undefined : archiveDeviceStateSchema.parse(JSON.parse(text));
};

async function monitor(args: string[]): Promise<string> {
  let out = '';
  const code = await runMonitor(['--mqtt', broker.url, '--wait', '0.5', '--tz', 'UTC', ...args], {
    out: (t) => {
      out += t;
    },
    err: () => undefined,
  });
  expect(code).toBe(0);
  return out;
}

/** A device the monitor lists (its retained status) whose records a test client publishes. */
async function deviceRecords(client: MqttClient, deviceId: string, records: object[]) {
  const status = JSON.stringify({ state: 'online', connection: 1, since: new Date().toISOString() });
  await client.publishAsync(deviceTopics(deviceId).status, status, { qos: 1, retain: true });
  for (const r of records)
    await client.publishAsync(deviceTopics(deviceId).audit, JSON.stringify(r), { qos: 1 });
}

describe('the archive for its watchers', () => {
  it('publishes_each_devices_state_retained_and_the_monitor_shows_complete_behind_and_broken', async () => {
    const archive = await startArchive(broker, await fixture.fresh(), { clientId: 'archive-watch' });
    cleanups.push(() => archive.stop());
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-devices' });
    cleanups.push(() => client.endAsync());

    const device = await farm.device(broker, 'dev-watch-ok');
    await client.publishAsync(
      deviceTopics('dev-watch-ok').status,
      JSON.stringify({ state: 'online', connection: 1, since: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    await device.append(5);
    const gap = await makeRecords(4, '2026-11-24T01:00:00Z');
    await deviceRecords(client, 'dev-watch-gap', [gap[0]!, gap[1]!, gap[3]!]);
    const bad = await makeRecords(4, '2026-11-24T01:00:00Z');
    const { hash: _drop, ...forged } = { ...bad[3]!, prev: 'e'.repeat(64) };
    await deviceRecords(client, 'dev-watch-bad', [
      bad[0]!,
      bad[1]!,
      bad[2]!,
      { ...forged, hash: auditRecordHash(forged) },
    ]);

    await until(() => stateOf('dev-watch-ok')?.verifiedSeq === 5, 'the complete state');
    await until(() => stateOf('dev-watch-gap')?.state === 'behind', 'the state behind a gap');
    await until(() => stateOf('dev-watch-bad')?.state === 'broken', 'the broken state');
    expect(stateOf('dev-watch-gap')).toMatchObject({ verifiedSeq: 2, highestSeq: 4, pending: 1 });
    expect(stateOf('dev-watch-bad')).toMatchObject({ verifiedSeq: 3, brokenAt: 4, suspects: 1 });
    expect(JSON.parse(retained.get(archiveInstanceTopic('archive-watch'))!)).toEqual({ state: 'online' });

    const views = JSON.parse(await monitor(['--json'])) as DeviceView[];
    const archiveOf = (id: string) => views.find((v) => v.deviceId === id)?.archive;
    expect(archiveOf('dev-watch-ok')).toMatchObject({ state: 'complete', verifiedSeq: 5 });
    expect(archiveOf('dev-watch-gap')).toMatchObject({ state: 'behind', verifiedSeq: 2, highestSeq: 4 });
    expect(archiveOf('dev-watch-bad')).toMatchObject({ state: 'broken', brokenAt: 4, suspects: 1 });
    const table = await monitor([]);
    const row = (id: string) => table.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    expect(row('dev-watch-ok')).toMatch(/\sok 5( |$)/);
    expect(row('dev-watch-gap')).toMatch(/\sbehind 2\/4( |$)/);
    expect(row('dev-watch-bad')).toMatch(/\sbroken at 4 \(1 suspect\)/);
    expect(table).toContain('archive: 1 of 1 instances online');

    // The device's own record for seq 4 arrives: the chain moves on, the suspect stays counted.
    await client.publishAsync(deviceTopics('dev-watch-bad').audit, JSON.stringify(bad[3]), { qos: 1 });
    await until(() => stateOf('dev-watch-bad')?.state === 'complete', 'the repaired state');
    expect(stateOf('dev-watch-bad')).toMatchObject({ verifiedSeq: 4, suspects: 1, brokenAt: null });
    await archive.stop();
    await until(
      () => retained.get(archiveInstanceTopic('archive-watch')) === '{"state":"stopped"}',
      'stopped',
    );
  });

  it('leaves_its_will_when_killed_and_the_monitor_says_the_archive_is_down', async () => {
    const child = startChild('test/support/archiveChild.ts', {
      url: broker.url,
      config: archiveConfig(await fixture.fresh(), { clientId: 'archive-kill-w' }),
    });
    cleanups.push(() => child.kill9());
    await child.line(/^ready$/);
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-devices' });
    cleanups.push(() => client.endAsync());
    await deviceRecords(client, 'dev-watch-down', await makeRecords(3, '2026-11-24T01:00:00Z'));
    await until(() => stateOf('dev-watch-down')?.verifiedSeq === 3, 'the state');
    await until(
      () => retained.get(archiveInstanceTopic('archive-kill-w')) === '{"state":"online"}',
      'online',
    );

    await child.kill9();
    await until(
      () => retained.get(archiveInstanceTopic('archive-kill-w')) === '{"state":"offline"}',
      'the will',
    );
    const table = await monitor([]);
    expect(table.split('\n').find((l) => l.startsWith('dev-watch-down '))).toMatch(/\sdown 3( |$)/);
    expect(table).toContain('ARCHIVE DOWN: no archive instance is running');
  });
});
