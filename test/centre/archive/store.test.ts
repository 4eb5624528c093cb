/**
 * The archive's store against both real databases: migrations recorded once, writes idempotent on
 * (device, seq), the chain verified on arrival, records past a gap held until the gap fills, and
 * every refused record kept as suspect with one alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveStore,
  loadMigrations,
  migrate,
  openDatabase,
  type SqlDatabase,
} from '../../../src/centre/archive/index.ts';
import { auditRecordHash, GENESIS_HASH } from '../../../src/protocol/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { makeRecords } from '../../support/auditRecords.ts';

const DEVICE = 'DEV1-AAAA-0001';
const NOW = Date.parse('2026-11-23T03:00:00Z');
const wire = (r: object) => JSON.stringify(r);

describe.each(DATABASE_KINDS)('archive store on %s', (kind) => {
  let fixture: DatabaseFixture;
  const open: SqlDatabase[] = [];

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
  });
  afterAll(async () => {
    for (const db of open) await db.close();
    await fixture.dispose();
  });

  async function freshStore(): Promise<ArchiveStore> {
    const db = await openDatabase(await fixture.fresh());
    open.push(db);
    await migrate(db, await loadMigrations(), () => NOW);
    return new ArchiveStore(db);
  }

  const count = async (store: ArchiveStore, table: string) =>
    Number((await store.db.all(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n);

  it('applies_each_migration_once_and_records_it', async () => {
    const store = await freshStore();
    expect(await migrate(store.db, await loadMigrations(), () => NOW)).toEqual([]);
    const rows = await store.db.all('SELECT version, name FROM schema_migrations');
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'centre' },
    ]);
  });

  it('stores_a_record_once_however_often_it_arrives', async () => {
    const store = await freshStore();
    const [first] = await makeRecords(1);
    expect((await store.ingestAudit(DEVICE, wire(first!), NOW)).outcome).toBe('verified');
    const again = await store.ingestAudit(DEVICE, wire(first!), NOW + 1);
    expect(again.outcome).toBe('duplicate');
    expect(again.head).toEqual({ seq: 1, hash: first!.hash });
    expect(await count(store, 'audit_records')).toBe(1);
    expect(await count(store, 'archive_alarms')).toBe(0);
  });

  it('verifies_a_chain_in_order_and_holds_records_past_a_gap_until_it_fills', async () => {
    const store = await freshStore();
    const records = await makeRecords(6);
    for (const r of records.slice(0, 2)) await store.ingestAudit(DEVICE, wire(r), NOW);
    const afterGap = await store.ingestAudit(DEVICE, wire(records[4]!), NOW);
    expect(afterGap).toMatchObject({ outcome: 'pending', head: { seq: 2 }, highestSeq: 5 });
    await store.ingestAudit(DEVICE, wire(records[3]!), NOW);
    const filled = await store.ingestAudit(DEVICE, wire(records[2]!), NOW);
    expect(filled).toMatchObject({ outcome: 'verified', head: { seq: 5, hash: records[4]!.hash } });
    const last = await store.ingestAudit(DEVICE, wire(records[5]!), NOW);
    expect(last.head.seq).toBe(6);
    const statuses = await store.db.all('SELECT DISTINCT status FROM audit_records');
    expect(statuses.map((r) => r.status)).toEqual(['verified']);
  });

  it('keeps_a_record_altered_on_the_way_as_suspect_and_leaves_the_verified_head', async () => {
    const store = await freshStore();
    const records = await makeRecords(3);
    for (const r of records.slice(0, 2)) await store.ingestAudit(DEVICE, wire(r), NOW);
    const altered = { ...records[2]!, actor: 'staff-666' };
    const result = await store.ingestAudit(DEVICE, wire(altered), NOW);
    expect(result).toMatchObject({ outcome: 'suspect', head: { seq: 2 } });
    expect(result.alarms).toMatchObject([{ code: 'audit_hash_mismatch', deviceId: DEVICE, seq: 3 }]);
    // The same forgery again is stored once and alarms once; the real record still verifies.
    expect((await store.ingestAudit(DEVICE, wire(altered), NOW)).alarms).toEqual([]);
    expect((await store.ingestAudit(DEVICE, wire(records[2]!), NOW)).head.seq).toBe(3);
    expect(await count(store, 'audit_suspects')).toBe(1);
    expect(await count(store, 'archive_alarms')).toBe(1);
  });

  it('refuses_a_resealed_record_that_does_not_link_and_a_rewrite_of_an_archived_one', async () => {
    const store = await freshStore();
    const records = await makeRecords(3);
    for (const r of records.slice(0, 2)) await store.ingestAudit(DEVICE, wire(r), NOW);
    const { hash: _h, ...body } = records[2]!;
    const unlinked = { ...body, prev: 'b'.repeat(64) };
    const resealed = { ...unlinked, hash: auditRecordHash(unlinked) };
    expect((await store.ingestAudit(DEVICE, wire(resealed), NOW)).alarms[0]?.code).toBe('audit_chain_broken');
    const { hash: _h1, ...first } = records[0]!;
    const rewritten = { ...first, actor: 'staff-666' };
    const rewrite = await store.ingestAudit(
      DEVICE,
      wire({ ...rewritten, hash: auditRecordHash(rewritten) }),
      NOW,
    );
    expect(rewrite.alarms[0]?.code).toBe('audit_conflict');
    expect(rewrite.head.seq).toBe(2);
    const archived = await store.db.all('SELECT actor FROM audit_records WHERE seq = 1');
    expect(archived[0]?.actor).toBe(records[0]!.actor);
  });

  it('moves_a_pending_record_that_fails_to_link_once_the_gap_fills_to_the_suspects', async () => {
    const store = await freshStore();
    const records = await makeRecords(3);
    const { hash: _h, ...body } = records[2]!;
    const forged = { ...body, prev: 'c'.repeat(64), actor: 'staff-666' };
    await store.ingestAudit(DEVICE, wire({ ...forged, hash: auditRecordHash(forged) }), NOW);
    await store.ingestAudit(DEVICE, wire(records[0]!), NOW);
    const filled = await store.ingestAudit(DEVICE, wire(records[1]!), NOW);
    expect(filled).toMatchObject({ head: { seq: 2 }, highestSeq: 2 });
    expect(filled.alarms.map((a) => a.code)).toEqual(['audit_chain_broken']);
    expect((await store.ingestAudit(DEVICE, wire(records[2]!), NOW)).head.seq).toBe(3);
  });

  it('keeps_a_payload_that_is_no_record_as_suspect', async () => {
    const store = await freshStore();
    const result = await store.ingestAudit(DEVICE, '{"seq": 4, "type": "grant"', NOW);
    expect(result).toMatchObject({ outcome: 'malformed', head: { seq: 0, hash: GENESIS_HASH } });
    expect(result.alarms[0]).toMatchObject({ code: 'audit_malformed', seq: null });
    const state = await store.db.all('SELECT suspect_count FROM archive_devices');
    expect(state[0]?.suspect_count).toBe(1);
  });

  it('stores_an_event_once_per_event_id', async () => {
    const store = await freshStore();
    const event = { eventId: 'e-1', seq: 1, code: 'camera_covered', ts: '2026-11-23T01:00:00.000Z' };
    expect(await store.ingestEvent(DEVICE, wire(event), NOW)).toBe('stored');
    expect(await store.ingestEvent(DEVICE, wire(event), NOW)).toBe('duplicate');
    expect(await store.ingestEvent(DEVICE, '{"eventId":', NOW)).toBe('malformed');
    expect(await count(store, 'archive_events')).toBe(1);
  });
});
