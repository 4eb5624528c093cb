/**
 * What the centre keeps in its database besides the devices' chains, on both real databases:
 * sign-outs seen by every handle until they would have expired anyway, the centre audit read back
 * in order and by filter, the round's look outcomes read from the archived chains, the roster's
 * labels over time, and the archive's state of a device (complete, behind, broken).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchiveDatabaseConfig,
  ArchiveLookHistory,
  ArchiveStore,
  archiveStateOf,
  centreAuditRows,
  DbCentreAudit,
  DbRevocations,
  labelAt,
  labelHistory,
  loadMigrations,
  migrate,
  openDatabase,
  RosterLabels,
  type SqlDatabase,
} from '../../../src/centre/archive/index.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import { auditRecordHash } from '../../../src/protocol/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { lookEntries, makeChain, makeRecords } from '../../support/auditRecords.ts';

const NOW = Date.parse('2026-11-24T02:00:00Z');

describe.each(DATABASE_KINDS)('the centre database on %s', (kind) => {
  let fixture: DatabaseFixture;
  const open: SqlDatabase[] = [];

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  async function handles(n = 1): Promise<SqlDatabase[]> {
    const config: ArchiveDatabaseConfig = await fixture.fresh();
    const out: SqlDatabase[] = [];
    for (let i = 0; i < n; i++) {
      const db = await openDatabase(config);
      open.push(db);
      out.push(db);
    }
    await migrate(out[0]!, await loadMigrations(), () => NOW);
    return out;
  }

  it('a_sign_out_holds_at_every_handle_until_the_session_would_have_expired_then_is_pruned', async () => {
    const [a, b] = await handles(2);
    let now = NOW;
    const atA = new DbRevocations(a!, () => now);
    const atB = new DbRevocations(b!, () => now);
    await atA.revoke('session-1', NOW + 3_600_000);
    expect(await atB.isRevoked('session-1')).toBe(true);
    expect(await atB.isRevoked('session-2')).toBe(false);
    await atB.revoke('session-1', NOW + 3_600_000);
    now = NOW + 3_600_000;
    expect(await atA.isRevoked('session-1')).toBe(false);
    await atB.revoke('session-3', now + 60_000);
    const rows = await a!.all('SELECT session_id FROM session_revocations ORDER BY session_id');
    expect(rows.map((r) => r.session_id)).toEqual(['session-3']);
  });

  it('keeps_the_centre_audit_in_order_and_reads_it_by_device_time_and_type', async () => {
    const [db] = await handles();
    const audit = new DbCentreAudit({ db: db!, instanceId: 'centre-a', log: silentLogger });
    await audit.record({ type: 'sign_in_failed', at: NOW, code: 'sign_in_expired' });
    await audit.record({ type: 'sign_in', at: NOW + 1, staffId: 'SE-1', sessionId: 's-1' });
    await audit.record({
      type: 'look_refused',
      at: NOW + 2,
      code: 'not_on_roster',
      staffId: 'SE-2',
      deviceId: 'dev-a',
    });
    await audit.record({
      type: 'look_token_issued',
      at: NOW + 3,
      staffId: 'SE-1',
      deviceId: 'dev-b',
      tokenId: 'jti-1',
      scope: 'view',
      role: 'Undersköterska',
    });
    const all = await centreAuditRows(db!);
    expect(all.map((r) => r.type)).toEqual([
      'sign_in_failed',
      'sign_in',
      'look_refused',
      'look_token_issued',
    ]);
    expect(all[0]).toEqual({
      at: new Date(NOW).toISOString(),
      type: 'sign_in_failed',
      code: 'sign_in_expired',
      staffId: null,
      deviceId: null,
      tokenId: null,
      scope: null,
      role: null,
      instanceId: 'centre-a',
    });
    expect((await centreAuditRows(db!, { deviceId: 'dev-a' })).map((r) => r.staffId)).toEqual(['SE-2']);
    expect((await centreAuditRows(db!, { fromMs: NOW + 1, toMs: NOW + 3 })).map((r) => r.type)).toEqual([
      'sign_in',
      'look_refused',
    ]);
    expect(await centreAuditRows(db!, { types: ['look_token_issued'] })).toEqual([
      expect.objectContaining({ tokenId: 'jti-1', role: 'Undersköterska', deviceId: 'dev-b' }),
    ]);
  });

  it('reads_look_outcomes_from_the_archived_chains_verified_or_past_a_gap', async () => {
    const [db] = await handles();
    const store = new ArchiveStore(db!);
    const a = await makeChain(
      [
        ...lookEntries({
          staffId: 'SE-1',
          sessionId: 's-1',
          tokenId: 't-1',
          durationMs: 20_000,
          outcome: 'asleep_calm',
          windowId: 'night-1',
        }),
        ...lookEntries({ staffId: 'SE-1', sessionId: 's-2', tokenId: 't-2', durationMs: 15_000 }),
        ...lookEntries({
          staffId: 'SE-3',
          sessionId: 's-3',
          tokenId: 't-3',
          durationMs: 9_000,
          outcome: 'not_visible',
        }),
      ],
      NOW - 3_600_000,
    );
    for (const r of a) await store.ingestAudit('dev-a', JSON.stringify(r), NOW);
    const b = await makeChain(
      lookEntries({
        staffId: 'SE-2',
        sessionId: 's-9',
        tokenId: 't-9',
        durationMs: 30_000,
        outcome: 'needs_visit',
      }),
      NOW - 1_800_000,
    );
    // Only the outcome arrives: it lies past a gap, still a look the round must show.
    await store.ingestAudit('dev-b', JSON.stringify(b[2]), NOW);
    const history = new ArchiveLookHistory(db!);
    const looks = await history.looksSince(['dev-a', 'dev-b', 'dev-none'], NOW - 4 * 3_600_000);
    expect(looks).toEqual([
      {
        deviceId: 'dev-a',
        sessionId: 's-1',
        staffId: 'SE-1',
        outcome: 'asleep_calm',
        at: Date.parse(a[2]!.ts),
        windowId: 'night-1',
      },
      expect.objectContaining({
        deviceId: 'dev-a',
        sessionId: 's-3',
        outcome: 'not_visible',
        windowId: undefined,
      }),
      expect.objectContaining({
        deviceId: 'dev-b',
        sessionId: 's-9',
        outcome: 'needs_visit',
        staffId: 'SE-2',
      }),
    ]);
    expect(await history.looksSince(['dev-a'], Date.parse(a[2]!.ts) + 1)).toHaveLength(1);
    expect(await history.looksSince([], 0)).toEqual([]);
  });

  it('records_roster_labels_only_when_they_change_and_names_each_moment_by_the_label_then', async () => {
    const [db] = await handles();
    let now = NOW;
    const labels = new RosterLabels(db!, () => now);
    const device = (room: string, carePlanRef = 'KP-2024-00123') => ({
      deviceId: 'dev-a',
      room,
      carePlanRef,
    });
    expect(await labels.record([device('Rum 12')])).toBe(1);
    now += 60_000;
    expect(await labels.record([device('Rum 12')])).toBe(0);
    now += 60_000;
    expect(await labels.record([device('Rum 14', 'KP-2024-00999')])).toBe(1);
    const history = await labelHistory(db!);
    expect(labelAt(history, 'dev-a', NOW - 1)?.room).toBe('Rum 12');
    expect(labelAt(history, 'dev-a', NOW + 90_000)?.room).toBe('Rum 12');
    expect(labelAt(history, 'dev-a', NOW + 120_000)).toMatchObject({
      room: 'Rum 14',
      carePlanRef: 'KP-2024-00999',
    });
    expect(labelAt(history, 'dev-other', NOW)).toBeUndefined();
  });

  it('says_complete_behind_or_broken_from_what_it_holds', async () => {
    const [db] = await handles();
    const store = new ArchiveStore(db!);
    const records = await makeRecords(8, '2026-11-24T01:00:00Z');
    const ingest = (r: object) => store.ingestAudit('dev-a', JSON.stringify(r), NOW);
    for (const r of records.slice(0, 5)) await ingest(r);
    expect(await archiveStateOf(db!, 'dev-a', NOW)).toEqual({
      deviceId: 'dev-a',
      state: 'complete',
      verifiedSeq: 5,
      highestSeq: 5,
      pending: 0,
      suspects: 0,
      brokenAt: null,
      lastRecordAt: new Date(NOW).toISOString(),
      at: new Date(NOW).toISOString(),
    });
    // A record for the next place that does not link: the chain cannot move past it.
    const { hash: _drop, ...six } = { ...records[5]!, prev: 'f'.repeat(64) };
    await ingest({ ...six, hash: auditRecordHash(six) });
    expect(await archiveStateOf(db!, 'dev-a', NOW)).toMatchObject({
      state: 'broken',
      brokenAt: 6,
      suspects: 1,
    });
    await ingest(records[7]!);
    expect(await archiveStateOf(db!, 'dev-a', NOW)).toMatchObject({
      state: 'broken',
      highestSeq: 8,
      pending: 1,
    });
    await ingest(records[5]!);
    expect(await archiveStateOf(db!, 'dev-a', NOW)).toMatchObject({
      state: 'behind',
      verifiedSeq: 6,
      highestSeq: 8,
      brokenAt: null,
    });
    await ingest(records[6]!);
    expect(await archiveStateOf(db!, 'dev-a', NOW)).toMatchObject({
      state: 'complete',
      verifiedSeq: 8,
      suspects: 1,
    });
    expect(await archiveStateOf(db!, 'dev-unknown', NOW)).toBeUndefined();
  });
});
