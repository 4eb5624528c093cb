/**
 * The roster file: validated completely, never holding a name or an address, reloaded when it
 * changes (change events, and a periodic stat where events do not come), a bad change keeping the
 * roster in force.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  nodeRosterFs,
  parseRoster,
  Roster,
  type RosterFs,
  roleLabelProblem,
  roomLabelProblem,
  rosterConfigSchema,
} from '../../../src/centre/roster/index.ts';
import { realTimers, type Timers } from '../../../src/platform/ports.ts';
import { LogLines } from '../../support/logLines.ts';
import { ManualTime } from '../../support/manualTime.ts';
import { ROSTER } from '../harness.ts';

let dir: string;
let file: string;
let roster: Roster | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-roster-'));
  file = path.join(dir, 'roster.json');
  await writeFile(file, JSON.stringify(ROSTER));
});
afterEach(async () => {
  await roster?.stop();
  roster = undefined;
  await rm(dir, { recursive: true, force: true });
});

function startRoster(options: { fs?: RosterFs; timers?: Timers; debounceMs?: number } = {}) {
  const logs = new LogLines();
  roster = new Roster({
    config: rosterConfigSchema.parse({ file, debounceMs: options.debounceMs ?? 20, statIntervalSeconds: 5 }),
    fs: options.fs ?? nodeRosterFs,
    timers: options.timers ?? realTimers,
    logger: logs,
  });
  return { roster, logs };
}

const withRoom = (room: string) => ({
  groups: { g: ['dev-test-0001'] },
  devices: { 'dev-test-0001': { room, carePlanRef: 'KP-2024-00123' } },
});

describe('the roster document', () => {
  it('a_valid_roster_gives_each_group_its_devices_in_room_order', async () => {
    const { roster } = startRoster();
    await roster.start();

    expect(roster.devicesFor(['natt-norr']).map((d) => d.room)).toEqual(['Lgh 1102', 'Rum 12']);
    expect(roster.devicesFor(['natt-norr', 'natt-syd', 'okänd'])).toHaveLength(3);
    expect(roster.mayLook({ groups: ['natt-syd'] }, 'dev-syd-0001')).toBe(true);
    expect(roster.mayLook({ groups: ['natt-syd'] }, 'dev-norr-0001')).toBe(false);
    expect(roster.mayLook({ groups: [] }, 'dev-norr-0001')).toBe(false);
  });

  it('every_problem_is_reported_with_its_path', () => {
    const parsed = parseRoster(
      JSON.stringify({
        groups: { a: ['dev-aaaa-0001', 'dev-none-0001', 'dev-aaaa-0001'] },
        devices: {
          'dev-aaaa-0001': { room: 'Anna Svensson', carePlanRef: 'KP-2024-00123' },
          'dev-aaaa-0002': { room: 'Rum 2', carePlanRef: '19121212-1212' },
          'dev-aaaa-0003': { room: 'Rum 3', carePlanRef: 'KP-2024-00123', name: 'x' },
        },
      }),
    );

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'devices.dev-aaaa-0001.room: the room label must contain a room number',
      'devices.dev-aaaa-0002.carePlanRef: the care-plan reference may not contain a personnummer',
      'devices.dev-aaaa-0003: Unrecognized key: "name"',
      'groups.a.1: device dev-none-0001 is not in devices',
      'groups.a.2: device dev-aaaa-0001 is listed twice',
      'devices.dev-aaaa-0003.carePlanRef: the care-plan reference is also bound to dev-aaaa-0001',
    ]);
  });

  it('cross_references_are_checked_in_a_roster_of_valid_entries', () => {
    const parsed = parseRoster(
      JSON.stringify({
        groups: { a: ['dev-aaaa-0001', 'dev-none-0001', 'dev-aaaa-0001'] },
        devices: {
          'dev-aaaa-0001': { room: 'Rum 1', carePlanRef: 'KP-2024-00123' },
          'dev-aaaa-0002': { room: 'Rum 2', carePlanRef: 'KP-2024-00123' },
        },
      }),
    );

    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'groups.a.1: device dev-none-0001 is not in devices',
      'groups.a.2: device dev-aaaa-0001 is listed twice',
      'devices.dev-aaaa-0002.carePlanRef: the care-plan reference is also bound to dev-aaaa-0001',
    ]);
  });

  it.each([
    ['Anna 12', false],
    ['Storgatan 12', false],
    ['Rum Karl 3', false],
    ['anna@example.se 1', false],
    ['Rum 121212-1212', false],
    ['12', true],
    ['Rum 12', true],
    ['Lgh 1102', true],
    ['Avd 3 Rum 4B', true],
    ['Rum A-12', true],
  ])('room_label_%s_is_accepted_%s', (label, accepted) => {
    expect(roomLabelProblem(label) === undefined).toBe(accepted);
    expect(parseRoster(JSON.stringify(withRoom(label))).ok).toBe(accepted);
  });

  it.each([
    ['Undersköterska', true],
    ['Nattpatrull', true],
    ['Sjuksköterska natt', true],
    ['Hemtjänst-personal', true],
    ['SE2321000016-A1B2', false],
    ['Anna 12', false],
    ['070-123 45 67', false],
    ['anna@kommun.se', false],
    ['En mycket lång titel här', false],
    ['X', false],
  ])('role_%s_is_accepted_%s', (role, accepted) => {
    expect(roleLabelProblem(role) === undefined).toBe(accepted);
    expect(parseRoster(JSON.stringify({ ...withRoom('Rum 1'), roles: { g: role } })).ok).toBe(accepted);
  });

  it('gives_a_staff_member_the_first_role_listed_for_her_groups_and_keeps_role_groups_in_the_session', async () => {
    await writeFile(
      file,
      JSON.stringify({ ...ROSTER, roles: { 'ssk-natt': 'Sjuksköterska', 'natt-norr': 'Undersköterska' } }),
    );
    const { roster } = startRoster();
    await roster.start();
    expect(roster.roleFor(['natt-norr'])).toBe('Undersköterska');
    expect(roster.roleFor(['natt-norr', 'ssk-natt'])).toBe('Sjuksköterska');
    expect(roster.roleFor(['natt-syd'])).toBeUndefined();
    expect(roster.knowsGroup('ssk-natt')).toBe(true);
    expect(roster.knowsGroup('alla-anstallda')).toBe(false);
  });

  it('a_bad_roster_at_start_stops_the_start_naming_the_file_and_path', async () => {
    await writeFile(file, JSON.stringify(withRoom('Storgatan 12')));
    const { roster } = startRoster();

    await expect(roster.start()).rejects.toThrow(
      `${file}: devices.dev-test-0001.room: the room label may not contain "Storgatan"`,
    );
  });

  it('a_file_that_is_not_json_is_refused', () => {
    expect(parseRoster('{"groups":').ok).toBe(false);
  });
});

describe('roster reload', () => {
  it('a_changed_file_takes_effect_after_its_change_event', async () => {
    const { roster } = startRoster();
    await roster.start();
    const reloaded = new Promise((resolve) => roster.onReload.on(resolve));

    await writeFile(
      file,
      JSON.stringify({ ...ROSTER, groups: { ...ROSTER.groups, 'natt-syd': ['dev-norr-0001'] } }),
    );
    await reloaded;

    expect(roster.mayLook({ groups: ['natt-syd'] }, 'dev-norr-0001')).toBe(true);
    expect(roster.mayLook({ groups: ['natt-syd'] }, 'dev-syd-0001')).toBe(false);
  });

  it('a_file_replaced_by_rename_takes_effect', async () => {
    const { roster } = startRoster();
    await roster.start();
    const reloaded = new Promise((resolve) => roster.onReload.on(resolve));

    await writeFile(`${file}.new`, JSON.stringify({ ...ROSTER, groups: { 'natt-norr': ['dev-syd-0001'] } }));
    await rename(`${file}.new`, file);
    await reloaded;

    expect(roster.devicesFor(['natt-norr']).map((d) => d.deviceId)).toEqual(['dev-syd-0001']);
  });

  it('without_change_events_the_periodic_stat_finds_the_change', async () => {
    const time = new ManualTime();
    const { roster } = startRoster({
      fs: { ...nodeRosterFs, watchDir: () => () => undefined },
      timers: time,
    });
    await roster.start();
    const reloaded = new Promise((resolve) => roster.onReload.on(resolve));
    await writeFile(file, JSON.stringify({ ...ROSTER, groups: { 'natt-norr': [] } }));

    time.advance(4999);
    expect(roster.devicesFor(['natt-norr'])).toHaveLength(2);
    time.advance(1);
    await reloaded;

    expect(roster.devicesFor(['natt-norr'])).toHaveLength(0);
  });

  it('a_bad_new_file_keeps_the_old_roster_and_logs_an_error', async () => {
    const { roster, logs } = startRoster();
    await roster.start();
    const refused = new Promise<string[]>((resolve) => roster.onReloadFailed.on(resolve));

    await writeFile(file, JSON.stringify(withRoom('Anna 12')));

    expect(await refused).toEqual([expect.stringContaining('devices.dev-test-0001.room')]);
    expect(roster.devicesFor(['natt-norr'])).toHaveLength(2);
    expect(logs.lines.find((l) => l.level === 'error')?.msg).toBe(
      'roster change refused; the old roster stays',
    );
  });

  it('stop_releases_the_watch_and_the_timers', async () => {
    const time = new ManualTime();
    let watching = 0;
    const fs: RosterFs = {
      ...nodeRosterFs,
      watchDir: (d, onChange) => {
        watching++;
        const unwatch = nodeRosterFs.watchDir(d, onChange);
        return () => {
          watching--;
          unwatch();
        };
      },
    };
    const { roster } = startRoster({ fs, timers: time });
    await roster.start();
    expect([watching, time.pending]).toEqual([1, 1]);

    await roster.stop();

    expect([watching, time.pending]).toEqual([0, 0]);
  });
});
