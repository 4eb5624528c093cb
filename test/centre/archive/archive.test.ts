/**
 * The archive against a real mosquitto (default queue limits) and both real databases: a stopped
 * archive misses nothing past the broker's queue, every ack follows its commit, gaps are asked for
 * again, and a forged record is kept as suspect with an alarm while the verified head stays.
 */
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../../src/centre/archive/index.ts';
import {
  ARCHIVE_ALARM_TOPIC,
  type ArchiveAlarm,
  auditAckSchema,
  auditRecordHash,
  deviceTopics,
} from '../../../src/protocol/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { makeRecords } from '../../support/auditRecords.ts';
import { type Broker, startMosquitto } from '../../support/mosquitto.ts';
import { until } from '../../support/until.ts';
import { chainOf, DeviceFarm, range, reader, startArchive } from './harness.ts';

describe.each(DATABASE_KINDS)('audit archive on %s', (kind) => {
  let broker: Broker;
  let fixture: DatabaseFixture;
  let farm: DeviceFarm;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
  });
  // A broker per test: it keeps a stopped archive's session (and its share of messages) for long.
  beforeEach(async () => {
    broker = await startMosquitto({ logTypes: ['error', 'warning', 'notice'] });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await farm?.dispose();
    await broker.dispose();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  async function archiveOn(database: Awaited<ReturnType<DatabaseFixture['fresh']>>, clientId = 'archive-a') {
    const archive = await startArchive(broker, database, { clientId });
    cleanups.push(() => archive.stop());
    return archive;
  }
  async function readerOf(database: Awaited<ReturnType<DatabaseFixture['fresh']>>): Promise<SqlDatabase> {
    const db = await reader(database);
    cleanups.push(() => db.close());
    return db;
  }
  async function testClient() {
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    cleanups.push(() => client.endAsync());
    return client;
  }

  it('archives_all_2000_records_appended_while_it_was_stopped_past_the_brokers_queue', async () => {
    farm = new DeviceFarm();
    const database = await fixture.fresh();
    const clientId = `archive-${kind}-stopped`;
    const first = await startArchive(broker, database, { clientId });
    await first.stop();
    const device = await farm.device(broker, 'DEV1-STOP-0001');
    await device.append(2000);
    // Nothing pruned before the archive's ack: the whole log is still on the device.
    expect(await device.log.readAfter(0, 5000)).toHaveLength(2000);
    expect(await device.log.deliveredSeq()).toBe(0);
    await until(
      () => broker.log().includes(`Outgoing messages are being dropped for client ${clientId}`),
      'drops',
    );
    await archiveOn(database, clientId);
    await until(() => device.acked === 2000, 'the ack of record 2000', 120_000);
    const chain = await chainOf(await readerOf(database), 'DEV1-STOP-0001');
    expect(chain.seqs).toEqual(range(2000));
    expect(chain).toMatchObject({ verified: 2000, verifiedSeq: 2000, suspects: 0, alarms: 0 });
    expect(device.retransmits).toBeGreaterThan(0);
  }, 180_000);

  it('publishes_each_ack_only_after_the_records_it_names_are_committed', async () => {
    farm = new DeviceFarm();
    const database = await fixture.fresh();
    await archiveOn(database, `archive-${kind}-ack`);
    const db = await readerOf(database);
    const watcher = await testClient();
    const early: number[] = [];
    let last = 0;
    watcher.on('message', (_topic, payload) => {
      const ack = auditAckSchema.parse(JSON.parse(payload.toString()));
      last = ack.seq;
      void db
        .all(
          `SELECT COUNT(*) AS n FROM audit_records WHERE device_id = ? AND status = 'verified' AND seq <= ?`,
          ['DEV1-ACKS-0001', ack.seq],
        )
        .then((rows) => {
          if (Number(rows[0]?.n) !== ack.seq) early.push(ack.seq);
        });
    });
    await watcher.subscribeAsync(deviceTopics('DEV1-ACKS-0001').auditAck, { qos: 1 });
    const device = await farm.device(broker, 'DEV1-ACKS-0001');
    await device.append(200);
    await until(() => last === 200, 'the ack of record 200');
    expect(early).toEqual([]);
    // Retained: a device that connects later learns the archive's position at once.
    const late = await testClient();
    const retained = new Promise<string>((resolve) => late.once('message', (_t, p) => resolve(p.toString())));
    await late.subscribeAsync(deviceTopics('DEV1-ACKS-0001').auditAck, { qos: 1 });
    const records = await device.log.readAfter(199, 1);
    expect(auditAckSchema.parse(JSON.parse(await retained))).toMatchObject({
      seq: 200,
      hash: records[0]!.hash,
    });
  });

  it('asks_the_device_to_resend_from_a_gap_and_verifies_once_it_fills', async () => {
    const database = await fixture.fresh();
    const archive = await archiveOn(database, `archive-${kind}-gap`);
    const device = 'DEV1-GAPS-0001';
    const publisher = await testClient();
    const requests: string[] = [];
    publisher.on('message', (_t, p) => requests.push(p.toString()));
    await publisher.subscribeAsync(deviceTopics(device).auditResend, { qos: 1 });
    const records = await makeRecords(6);
    for (const r of [...records.slice(0, 3), ...records.slice(4)])
      await publisher.publishAsync(deviceTopics(device).audit, JSON.stringify(r), { qos: 1 });
    await until(() => requests.length > 0, 'a resend request');
    expect(JSON.parse(requests[0]!)).toEqual({ fromSeq: 4 });
    await publisher.publishAsync(deviceTopics(device).audit, JSON.stringify(records[3]), { qos: 1 });
    const event = { eventId: 'e-1', seq: 1, code: 'camera_covered', ts: '2026-11-23T01:00:00.000Z' };
    for (let i = 0; i < 2; i++)
      await publisher.publishAsync(deviceTopics(device).event, JSON.stringify(event), { qos: 1 });
    const db = await readerOf(database);
    await until(async () => (await chainOf(db, device)).verifiedSeq === 6, 'the gap filled');
    // Two subscriptions are two streams: the broker keeps no order between the records and the events.
    await until(() => archive.stats().events === 1, 'the event stored');
    expect(archive.stats()).toMatchObject({ verified: 4, pending: 2, suspect: 0, events: 1 });
    expect(await db.all('SELECT event_id, code FROM archive_events')).toMatchObject([
      { event_id: 'e-1', code: 'camera_covered' },
    ]);
  });

  it('keeps_a_forged_record_as_suspect_raises_an_alarm_and_leaves_the_verified_count', async () => {
    farm = new DeviceFarm();
    const database = await fixture.fresh();
    const archive = await archiveOn(database, `archive-${kind}-forge`);
    const emitted: ArchiveAlarm[] = [];
    archive.onAlarm((a) => emitted.push(a));
    const watcher = await testClient();
    const published: string[] = [];
    watcher.on('message', (_t, p) => published.push(p.toString()));
    await watcher.subscribeAsync(ARCHIVE_ALARM_TOPIC, { qos: 1 });
    const id = 'DEV1-FORG-0001';
    const device = await farm.device(broker, id);
    await device.append(10);
    await until(() => device.acked === 10, 'ten records acknowledged');
    const db = await readerOf(database);
    const [fifth] = await device.log.readAfter(4, 1);
    const forger = await testClient();
    const edited = { ...fifth!, actor: 'staff-666' };
    const { hash: _h, ...body } = edited;
    const next = { ...body, seq: 11, prev: 'e'.repeat(64) };
    for (const forged of [
      edited,
      { ...body, hash: auditRecordHash(body) },
      { ...next, hash: auditRecordHash(next) },
    ])
      await forger.publishAsync(deviceTopics(id).audit, JSON.stringify(forged), { qos: 1 });
    await until(() => published.length === 3 && emitted.length === 3, 'three alarms');
    expect(emitted.map((a) => a.code)).toEqual([
      'audit_hash_mismatch',
      'audit_conflict',
      'audit_chain_broken',
    ]);
    expect(published.map((p) => JSON.parse(p).code)).toEqual(emitted.map((a) => a.code));
    expect(await chainOf(db, id)).toMatchObject({ verifiedSeq: 10, verified: 10, suspects: 3, alarms: 3 });
    const actor = await db.all('SELECT actor FROM audit_records WHERE device_id = ? AND seq = 5', [id]);
    expect(actor[0]?.actor).toBe(fifth!.actor);
    // The device's own record 11 still verifies: a forgery cannot block the chain.
    await device.append(1);
    await until(() => device.acked === 11, 'record 11 acknowledged');
    expect(await chainOf(db, id)).toMatchObject({ verifiedSeq: 11, suspects: 3 });
  });
});
