/**
 * Archive bench (standalone): `node bench/archive.ts [--records 2000] [--outage-records 500]`.
 * For SQLite and for PostgreSQL (each a real server started here), prints:
 *  - store throughput: records per second judged and committed one transaction each, no MQTT;
 *  - end to end: records per second from a publisher through a real mosquitto to the archive's
 *    acknowledgement of the last one (PUBACK only after each commit), the publisher staying at
 *    most 500 records ahead of the acknowledgement (past mosquitto's queue of 1000 the broker
 *    drops, and this publisher, unlike a device, does not resend), with how many acks and retained
 *    archive states went out for them (both coalesce per device);
 *  - broker restart: records appended on a device (the device's own health service and audit
 *    delivery, test/support/auditDevice.ts) while the broker is down, then the time from the
 *    broker's restart to the device holding the archive's acknowledgement of the last of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import {
  type ArchiveDatabaseConfig,
  ArchiveStore,
  loadMigrations,
  migrate,
  openDatabase,
} from '../src/centre/archive/index.ts';
import { deviceTopics } from '../src/protocol/index.ts';
import { archiveConfig, startArchive } from '../test/centre/archive/harness.ts';
import { databaseFixture } from '../test/support/archiveDb.ts';
import { AuditDevice } from '../test/support/auditDevice.ts';
import { makeRecords } from '../test/support/auditRecords.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { until } from '../test/support/until.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    'outage-records': { type: 'string', default: '500' },
  },
});
const N = Number(values.records);
const OUTAGE = Number(values['outage-records']);
const records = await makeRecords(N);

async function storeThroughput(database: ArchiveDatabaseConfig): Promise<number> {
  const db = await openDatabase(database);
  await migrate(db, await loadMigrations(), () => Date.now());
  const store = new ArchiveStore(db);
  const t0 = performance.now();
  for (const r of records) await store.ingestAudit('BNCH-STOR-0001', JSON.stringify(r), Date.now());
  const seconds = (performance.now() - t0) / 1000;
  await db.close();
  return N / seconds;
}

async function endToEnd(
  database: ArchiveDatabaseConfig,
): Promise<{ perSecond: number; acks: number; states: number }> {
  const broker = await startMosquitto();
  const archive = await startArchive(broker, database, { clientId: 'bench-e2e' });
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  let acked = 0;
  client.on('message', (_t, p) => {
    acked = JSON.parse(p.toString()).seq;
  });
  await client.subscribeAsync(deviceTopics('BNCH-E2E0-0001').auditAck, { qos: 1 });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 100) {
    // At most 500 records beyond the last ack: the broker's queue for the archive holds 1000.
    await until(() => acked >= i - 500, 'the archive to catch up', 600_000);
    await Promise.all(
      records
        .slice(i, i + 100)
        .map((r) => client.publishAsync(deviceTopics('BNCH-E2E0-0001').audit, JSON.stringify(r), { qos: 1 })),
    );
  }
  await until(() => acked === N, 'the last ack', 600_000);
  const seconds = (performance.now() - t0) / 1000;
  await client.endAsync();
  await archive.stop();
  await broker.dispose();
  const stats = archive.stats();
  return { perSecond: N / seconds, acks: stats.acks, states: stats.statesPublished };
}

async function brokerRestart(database: ArchiveDatabaseConfig): Promise<number> {
  const broker = await startMosquitto({ persistence: true });
  const archive = await startArchive(broker, database, { clientId: 'bench-restart' });
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-bench-'));
  const device = new AuditDevice({
    deviceId: 'BNCH-REST-0001',
    url: broker.url,
    stateDir: dir,
    ackTimeoutMs: 1000,
  });
  await device.start();
  await device.append(10);
  await until(() => device.acked === 10, 'the first records');
  await broker.stop();
  await device.append(OUTAGE);
  const t0 = performance.now();
  await broker.start();
  await until(() => device.acked === 10 + OUTAGE, 'the archive complete again', 600_000);
  const ms = performance.now() - t0;
  await device.stop();
  await archive.stop();
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
  return ms;
}

for (const kind of ['sqlite', 'postgres'] as const) {
  const fixture = await databaseFixture(kind);
  try {
    const store = await storeThroughput(await fixture.fresh());
    const e2e = await endToEnd(await fixture.fresh());
    const restart = await brokerRestart(await fixture.fresh());
    const reconnectMs = archiveConfig(await fixture.fresh()).mqtt.reconnectMs;
    console.log(
      JSON.stringify({
        database: kind,
        records: N,
        storeRecordsPerSecond: Math.round(store),
        endToEndRecordsPerSecond: Math.round(e2e.perSecond),
        // Acks and retained states coalesce per device: a burst costs a handful of each.
        acksPublished: e2e.acks,
        statesPublished: e2e.states,
        outageRecords: OUTAGE,
        brokerRestartToCompleteMs: Math.round(restart),
        reconnectMs,
      }),
    );
  } finally {
    await fixture.dispose();
  }
}
