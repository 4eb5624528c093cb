/**
 * The access follow-up export from both real databases: looks joined to their end, denials with
 * their reason, the date filter, each device's verification state, CSV and JSON, and the CLI verb's
 * usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchiveDatabaseConfig,
  ArchiveStore,
  accessCsv,
  exportAccess,
  loadMigrations,
  migrate,
  openDatabase,
  runAuditExport,
} from '../../../src/centre/archive/index.ts';
import { UsageError } from '../../../src/errors.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { makeRecords } from '../../support/auditRecords.ts';

const A = 'DEV1-EXPO-0001';
const B = 'DEV1-EXPO-0002';
const NOW = Date.parse('2026-11-24T08:00:00Z');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe.each(DATABASE_KINDS)('access export on %s', (kind) => {
  let fixture: DatabaseFixture;
  let database: ArchiveDatabaseConfig;

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
    database = await fixture.fresh();
    const db = await openDatabase(database);
    await migrate(db, await loadMigrations(), () => NOW);
    const store = new ArchiveStore(db);
    // Device A: two looks and two denials, all verified. Device B: a gap after its first look.
    for (const r of await makeRecords(6, '2026-11-23T22:30:00Z'))
      await store.ingestAudit(A, JSON.stringify(r), NOW);
    const b = await makeRecords(5, '2026-11-24T01:00:00Z');
    for (const r of [b[0]!, b[1]!, b[3]!]) await store.ingestAudit(B, JSON.stringify(r), NOW);
    await db.close();
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it('lists_each_look_with_its_end_and_each_denial_with_its_reason', async () => {
    const db = await openDatabase(database);
    const data = await exportAccess(db, { deviceId: A });
    await db.close();
    expect(data.looks).toHaveLength(4);
    expect(data.looks[0]).toMatchObject({
      deviceId: A,
      seq: 1,
      at: '2026-11-23T22:30:00.000Z',
      staffId: 'staff-1',
      kind: 'look',
      scope: 'view',
      emergency: false,
      endedAt: '2026-11-23T22:30:10.000Z',
      durationMs: 30_000,
      outcome: 'viewer_left',
      deniedReason: null,
      verified: true,
    });
    expect(data.looks[1]).toMatchObject({
      kind: 'denied',
      staffId: 'staff-9',
      deniedReason: 'outside_window',
    });
    expect(data.devices).toEqual([
      expect.objectContaining({
        deviceId: A,
        verifiedSeq: 6,
        highestSeq: 6,
        suspectCount: 0,
        state: 'complete',
      }),
    ]);
  });

  it('filters_by_time_and_shows_a_device_behind_a_gap', async () => {
    const db = await openDatabase(database);
    const data = await exportAccess(db, { fromMs: Date.parse('2026-11-24T00:00:00Z') });
    await db.close();
    expect(data.looks.map((l) => [l.deviceId, l.seq, l.verified])).toEqual([
      [B, 1, true],
      [B, 4, false],
    ]);
    expect(data.devices.find((d) => d.deviceId === B)).toMatchObject({
      verifiedSeq: 2,
      highestSeq: 4,
      pendingCount: 1,
      state: 'behind',
    });
  });

  it('prints_csv_from_the_cli_with_room_labels_and_never_a_formula', async () => {
    const { io, out } = capture();
    const dbArg =
      database.kind === 'sqlite'
        ? ['--db', database.file]
        : [
            '--db',
            `postgres://${database.user}@${database.host}:${database.port}/${database.database}`,
            '--password-file',
            database.passwordFile!,
          ];
    const code = await runAuditExport(
      [...dbArg, '--device', A, '--from', '2026-11-23', '--to', '2026-11-23'],
      io,
      {
        labels: (id) => (id === A ? { roomLabel: '=Rum 12', carePlanRef: 'GP-2041' } : undefined),
      },
    );
    expect(code).toBe(0);
    const lines = out.join('').split('\r\n');
    expect(lines[0]).toBe(
      'device,room,care_plan,at,staff,role,kind,scope,emergency,window,duration_s,ended_at,outcome,seen,denied_reason,seq,verified',
    );
    expect(lines[1]).toBe(
      `${A},'=Rum 12,GP-2041,2026-11-23T22:30:00.000Z,staff-1,,look,view,false,,30,2026-11-23T22:30:10.000Z,viewer_left,,,1,true`,
    );
    expect(lines).toContain(`${A},'=Rum 12,GP-2041,6,6,0,0,2026-11-24T08:00:00.000Z,complete`);
    const json = capture();
    expect(await runAuditExport([...dbArg, '--format', 'json', '--to', '2026-11-22'], json.io)).toBe(0);
    expect(JSON.parse(json.out.join(''))).toMatchObject({ filter: { to: '2026-11-22' }, looks: [] });
  });

  it('refuses_bad_arguments_as_usage_errors_naming_the_flag', async () => {
    const { io } = capture();
    const usage = (args: string[]) =>
      runAuditExport(args, io).then(
        () => undefined,
        (e: unknown) => e,
      );
    const dbArg =
      database.kind === 'sqlite' ? ['--db', database.file] : ['--db', 'postgres://u@127.0.0.1/db'];
    for (const [args, message] of [
      [[], '--db: required (a SQLite file or a postgres:// URL)'],
      [['--db', '/nonexistent/archive.db'], '--db: no archive at /nonexistent/archive.db'],
      [['--db', 'postgres://u:secret@h/db'], '--db: put the password in --password-file, not the URL'],
      [[...dbArg, '--from', '23/11/2026'], '--from: expected YYYY-MM-DD or an ISO 8601 time with offset'],
      [[...dbArg, '--from', '2026-11-24', '--to', '2026-11-23'], '--to: must come after --from'],
      [[...dbArg, '--format', 'xml'], '--format: expected csv or json'],
      [[...dbArg, '--tz', 'Mars/Olympus'], '--tz: unknown time zone Mars/Olympus'],
    ] as const) {
      const error = await usage([...args]);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(message);
    }
  });
});

describe('access csv', () => {
  it('quotes_commas_quotes_and_newlines', () => {
    const csv = accessCsv({
      looks: [],
      centre: [],
      devices: [
        {
          deviceId: 'D,"1"',
          verifiedSeq: 0,
          highestSeq: 0,
          pendingCount: 0,
          suspectCount: 0,
          lastRecordAt: 'x\ny',
          state: 'complete',
        },
      ],
    });
    expect(csv.split('\r\n')[3]).toBe('"D,""1""",,,0,0,0,0,"x\ny",complete');
  });
});
