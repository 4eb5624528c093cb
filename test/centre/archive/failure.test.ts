/**
 * A database that refuses writes: the archive sends no PUBACK for the record it could not commit,
 * drops the connection so the broker redelivers it, and stores it once the database is back. Also
 * the config section's defaults and refusals.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditArchive,
  archiveConfigSchema,
  openDatabase,
  type SqlDatabase,
} from '../../../src/centre/archive/index.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import { deviceTopics } from '../../../src/protocol/index.ts';
import { makeRecords } from '../../support/auditRecords.ts';
import { startMosquitto } from '../../support/mosquitto.ts';
import { until } from '../../support/until.ts';
import { archiveConfig } from './harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The real database, with writes that throw while `broken` is set. */
function breakable(db: SqlDatabase, state: { broken: boolean }): SqlDatabase {
  return {
    dialect: db.dialect,
    all: (sql, params) => db.all(sql, params),
    run: (sql, params) => db.run(sql, params),
    exec: (script) => db.exec(script),
    close: () => db.close(),
    transaction: (fn) => (state.broken ? Promise.reject(new Error('disk I/O error')) : db.transaction(fn)),
  };
}

describe('archive with a failing database', () => {
  it('withholds_the_puback_and_stores_the_record_after_redelivery', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const dir = await mkdtemp(join(tmpdir(), 'nattsyn-archive-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const state = { broken: false };
    const archive = new AuditArchive({
      config: archiveConfigSchema.parse(archiveConfig({ kind: 'sqlite', file: join(dir, 'a.db') })),
      mqtt: { url: broker.url },
      log: silentLogger,
      clock: { now: () => Date.now() },
      openDatabase: async (c) => breakable(await openDatabase(c), state),
    });
    await archive.start();
    cleanups.push(() => archive.stop());
    await archive.ready();
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    cleanups.push(() => client.endAsync());
    const acks: number[] = [];
    client.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).seq));
    await client.subscribeAsync(deviceTopics('DEV1-FAIL-0001').auditAck, { qos: 1 });
    const records = await makeRecords(3);
    await client.publishAsync(deviceTopics('DEV1-FAIL-0001').audit, JSON.stringify(records[0]), { qos: 1 });
    await until(() => acks.includes(1), 'the ack of record 1');
    state.broken = true;
    await client.publishAsync(deviceTopics('DEV1-FAIL-0001').audit, JSON.stringify(records[1]), { qos: 1 });
    await until(() => archive.stats().failures > 0, 'a failed write');
    expect(acks).toEqual([1]);
    state.broken = false;
    await client.publishAsync(deviceTopics('DEV1-FAIL-0001').audit, JSON.stringify(records[2]), { qos: 1 });
    // Record 2 comes back from the broker's session (no PUBACK was sent), so the chain completes.
    await until(() => acks.includes(3), 'the ack of record 3');
    const rows = await archive.store.db.all('SELECT seq FROM audit_records ORDER BY seq');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
  });
});

describe('archive config', () => {
  it('defaults_to_one_sqlite_file_and_a_persistent_shared_session', () => {
    expect(archiveConfigSchema.parse({})).toMatchObject({
      database: { kind: 'sqlite', file: '/var/lib/nattsyn-centre/archive.db' },
      mqtt: { shareGroup: 'nattsyn-archive', sessionExpirySeconds: 600, receiveMaximum: 100 },
      gapGraceMs: 2000,
      resendIntervalMs: 30_000,
    });
  });

  it('refuses_a_password_in_the_url_and_a_server_named_twice_or_not_at_all', () => {
    const issues = (database: object) =>
      archiveConfigSchema
        .safeParse({ database })
        .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ kind: 'postgres', url: 'postgres://u:pw@h/db' })).toEqual([
      'database.url: put the password in passwordFile, not the URL',
    ]);
    expect(issues({ kind: 'postgres', url: 'postgres://u@h/db', host: 'h' })?.[0]).toMatch(/^database.host:/);
    expect(issues({ kind: 'postgres', host: 'h' })).toEqual([
      'database.database: host needs user and database',
    ]);
    expect(
      issues({ kind: 'postgres', host: 'h', user: 'u', database: 'd', passwordFile: 'pw' }),
    ).toBeUndefined();
    expect(issues({ kind: 'mysql' })?.[0]).toMatch(/^database.kind:/);
  });
});
