/**
 * `nattsyn audit export` as an operator runs it: dispatched by `nattsyn audit` beside `verify`,
 * usage mistakes answered with exit 2 and `<path>: <message>` on stderr (a bad roster file, a file
 * that is not an archive), and a SQLite archive exported as CSV with the room labels of `--roster`
 * for devices the database has none for.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveStore, loadMigrations, migrate, openDatabase } from '../../src/centre/archive/index.ts';
import { makeRecords } from '../support/auditRecords.ts';

const run = promisify(execFile);
const CLI = path.resolve('src/cli.ts');
const DEVICE = 'dev-cli-0001';
let dir: string;
let archive: string;

const nattsyn = (...args: string[]) =>
  run(process.execPath, ['--no-warnings', CLI, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-export-cli-'));
  archive = path.join(dir, 'archive.db');
  const db = await openDatabase({ kind: 'sqlite', file: archive });
  await migrate(db, await loadMigrations(), () => Date.parse('2026-11-24T08:00:00Z'));
  const store = new ArchiveStore(db);
  for (const r of await makeRecords(3, '2026-11-23T22:30:00Z'))
    await store.ingestAudit(DEVICE, JSON.stringify(r), Date.parse('2026-11-24T08:00:00Z'));
  await db.close();
  await writeFile(
    path.join(dir, 'roster.json'),
    JSON.stringify({
      groups: { natt: [DEVICE] },
      devices: { [DEVICE]: { room: 'Rum 12', carePlanRef: 'KP-2024-00123' } },
    }),
  );
  await writeFile(
    path.join(dir, 'bad-roster.json'),
    JSON.stringify({
      groups: {},
      devices: { [DEVICE]: { room: 'Storgatan 12', carePlanRef: 'KP-2024-00123' } },
    }),
  );
  await writeFile(path.join(dir, 'notes.txt'), 'not a database at all, just text\n'.repeat(20));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('nattsyn audit export', () => {
  it('is_dispatched_beside_verify_and_lists_both_in_the_help', async () => {
    const help = await nattsyn('audit', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/nattsyn audit verify --state DIR/);
    expect(help.stdout).toMatch(/nattsyn audit export --db FILE\|URL/);
    const exportHelp = await nattsyn('audit', 'export', '--help');
    expect(exportHelp.stdout).toMatch(/--roster FILE/);
  });

  it('answers_usage_mistakes_with_exit_2_and_path_colon_message', async () => {
    for (const [args, message] of [
      [[], '--db: required (a SQLite file or a postgres:// URL)'],
      [
        ['--db', archive, '--roster', path.join(dir, 'missing.json')],
        `--roster: cannot read ${path.join(dir, 'missing.json')}`,
      ],
      [
        ['--db', archive, '--roster', path.join(dir, 'bad-roster.json')],
        `--roster: ${path.join(dir, 'bad-roster.json')}: devices.${DEVICE}.room: the room label may not contain "Storgatan"`,
      ],
      [
        ['--db', path.join(dir, 'notes.txt')],
        `--db: ${path.join(dir, 'notes.txt')} is not a SQLite database`,
      ],
    ] as const) {
      const result = await nattsyn('audit', 'export', ...args);
      expect(result.code, message).toBe(2);
      expect(result.stderr).toContain(`nattsyn audit: ${message}`);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses_a_sqlite_file_without_an_archive_in_it', async () => {
    const empty = path.join(dir, 'empty.db');
    const db = await openDatabase({ kind: 'sqlite', file: empty });
    await db.close();
    const result = await nattsyn('audit', 'export', '--db', empty);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`nattsyn audit: --db: ${empty} holds no nattsyn archive`);
  });

  it('exports_csv_with_the_rosters_room_label_for_a_device_the_database_has_none_for', async () => {
    const result = await nattsyn(
      'audit',
      'export',
      '--db',
      archive,
      '--roster',
      path.join(dir, 'roster.json'),
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[1]).toMatch(new RegExp(`^${DEVICE},Rum 12,KP-2024-00123,2026-11-23T22:30:00.000Z,staff-1,`));
    expect(lines).toContain('at,event,staff,role,device,room,care_plan,code,scope,instance');
  });
});
