/**
 * The archive and the device killed with SIGKILL mid-stream, against a real mosquitto and both real
 * databases: nothing is lost, nothing is stored twice, and a second instance sharing the
 * subscription carries on alone when the first dies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveDatabaseConfig, SqlDatabase } from '../../../src/centre/archive/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { type Child, startChild } from '../../support/child.ts';
import { type Broker, startMosquitto } from '../../support/mosquitto.ts';
import { until } from '../../support/until.ts';
import { archiveConfig, chainOf, DeviceFarm, range, reader, startArchive } from './harness.ts';

const ARCHIVE_CHILD = 'test/support/archiveChild.ts';
const DEVICE_CHILD = 'test/support/auditDeviceChild.ts';

describe.each(DATABASE_KINDS)('archive crashes on %s', (kind) => {
  let broker: Broker;
  let fixture: DatabaseFixture;
  let farm: DeviceFarm;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
  });
  beforeEach(async () => {
    broker = await startMosquitto();
    farm = new DeviceFarm();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await farm.dispose();
    await broker.dispose();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  function archiveChild(
    database: ArchiveDatabaseConfig,
    clientId: string,
    sessionExpirySeconds = 600,
  ): Child {
    const child = startChild(ARCHIVE_CHILD, {
      url: broker.url,
      config: archiveConfig(database, { clientId, sessionExpirySeconds }),
    });
    cleanups.push(() => child.kill9());
    return child;
  }
  async function readerOf(database: ArchiveDatabaseConfig): Promise<SqlDatabase> {
    const db = await reader(database);
    cleanups.push(() => db.close());
    return db;
  }

  it('loses_nothing_and_stores_nothing_twice_when_the_archive_is_killed_mid_batch', async () => {
    const database = await fixture.fresh();
    const first = archiveChild(database, 'archive-kill');
    await first.line(/^ready$/);
    const db = await readerOf(database);
    const device = await farm.device(broker, 'DEV1-KILL-0001');
    const appended = device.append(2000);
    await until(async () => (await chainOf(db, 'DEV1-KILL-0001')).verifiedSeq >= 300, 'records archived');
    await first.kill9();
    const atKill = await chainOf(db, 'DEV1-KILL-0001');
    expect(atKill.verifiedSeq).toBeLessThan(2000);
    await archiveChild(database, 'archive-kill').line(/^ready$/);
    await appended;
    await until(() => device.acked === 2000, 'the ack of record 2000', 120_000);
    const chain = await chainOf(db, 'DEV1-KILL-0001');
    expect(chain.seqs).toEqual(range(2000));
    expect(chain).toMatchObject({ verified: 2000, verifiedSeq: 2000, suspects: 0, alarms: 0 });
  }, 180_000);

  it('carries_on_alone_when_one_of_two_instances_sharing_the_subscription_is_killed', async () => {
    const database = await fixture.fresh();
    const a = archiveChild(database, 'archive-one', 2);
    await a.line(/^ready$/);
    const b = await startArchive(broker, database, { clientId: 'archive-two', sessionExpirySeconds: 2 });
    cleanups.push(() => b.stop());
    const db = await readerOf(database);
    const device = await farm.device(broker, 'DEV1-PAIR-0001');
    const appended = device.append(1000, 2);
    await until(async () => (await chainOf(db, 'DEV1-PAIR-0001')).verifiedSeq >= 200, 'records archived');
    // Both instances took a share before one died.
    const handledByB = b.stats().verified + b.stats().pending + b.stats().duplicate;
    expect(handledByB).toBeGreaterThan(0);
    expect(handledByB).toBeLessThan((await chainOf(db, 'DEV1-PAIR-0001')).seqs.length);
    await a.kill9();
    await appended;
    await until(() => device.acked === 1000, 'the ack of record 1000', 120_000);
    const chain = await chainOf(db, 'DEV1-PAIR-0001');
    expect(chain.seqs).toEqual(range(1000));
    expect(chain).toMatchObject({ verified: 1000, suspects: 0, alarms: 0 });
  }, 180_000);

  it('gets_every_record_when_the_device_is_killed_mid_way_and_resends_from_the_ack', async () => {
    const database = await fixture.fresh();
    await startArchive(broker, database, { clientId: 'archive-dev' }).then((a) =>
      cleanups.push(() => a.stop()),
    );
    const stateDir = await mkdtemp(join(tmpdir(), 'nattsyn-device-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const args = {
      deviceId: 'DEV1-DKIL-0001',
      url: broker.url,
      stateDir,
      ackTimeoutMs: 1000,
      total: 400,
      paceMs: 3,
    };
    const first = startChild(DEVICE_CHILD, args);
    cleanups.push(() => first.kill9());
    await first.line(/^acked (1\d\d|[2-9]\d\d)$/);
    await first.kill9();
    const again = startChild(DEVICE_CHILD, args);
    cleanups.push(() => again.stop());
    await again.line(/^acked 400$/, 60_000);
    const chain = await chainOf(await readerOf(database), 'DEV1-DKIL-0001');
    expect(chain.seqs).toEqual(range(400));
    expect(chain).toMatchObject({ verified: 400, suspects: 0, alarms: 0 });
  }, 120_000);
});
