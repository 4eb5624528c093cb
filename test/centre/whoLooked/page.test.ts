/**
 * The "who looked" page's content from both real databases: a month of a device's chain in the
 * resident's time zone (a look at 00:30 on 1 November local time is November's even though it is
 * 31 October in UTC), each look with its duration and the role the centre recorded for its token,
 * never a staff id; the attempts stopped by the device and by the centre; pauses that began before
 * the month or still last; policy changes; and how complete the archive is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveStore,
  DbCentreAudit,
  loadMigrations,
  migrate,
  openDatabase,
  type SqlDatabase,
} from '../../../src/centre/archive/index.ts';
import { whoLooked, whoLookedPage } from '../../../src/centre/whoLooked/index.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import type { AuditEntry } from '../../../src/policy/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { lookEntries, makeChain, type TimedEntry } from '../../support/auditRecords.ts';

const ZONE = 'Europe/Stockholm';
const DEVICE = 'dev-room-0012';
const NOVEMBER = { from: Date.parse('2026-10-31T23:00:00Z'), to: Date.parse('2026-11-30T23:00:00Z') };
const NOW = Date.parse('2026-11-24T08:00:00Z');

/** Entries at absolute instants, in order, as `makeChain` takes them (each after the one before). */
function at(events: [string, TimedEntry | TimedEntry[]][]): TimedEntry[] {
  const out: TimedEntry[] = [];
  let last = Date.parse(events[0]![0]);
  for (const [iso, entry] of events) {
    const [first, ...rest] = Array.isArray(entry) ? entry : [entry];
    out.push({ ...first!, afterMs: Date.parse(iso) - last }, ...rest);
    last = Date.parse(iso) + rest.reduce((sum, e) => sum + (e.afterMs ?? 10_000), 0);
  }
  return out;
}

const pause = (actor: string): AuditEntry => ({ type: 'pause', actor });
const resume = (actor: string): AuditEntry => ({ type: 'resume', actor });

describe.each(DATABASE_KINDS)('who looked, from %s', (kind) => {
  let fixture: DatabaseFixture;
  let db: SqlDatabase;

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
    db = await openDatabase(await fixture.fresh());
    await migrate(db, await loadMigrations(), () => NOW);
    const chain = await makeChain(
      at([
        ['2026-10-28T12:00:00Z', pause('resident')],
        [
          '2026-10-31T22:30:00Z',
          lookEntries({ staffId: 'SE-OCT', sessionId: 's-0', tokenId: 't-0', durationMs: 30_000 }),
        ],
        [
          '2026-10-31T23:30:00Z',
          lookEntries({
            staffId: 'SE-1',
            sessionId: 's-1',
            tokenId: 't-1',
            durationMs: 65_000,
            outcome: 'asleep_calm',
          }),
        ],
        [
          '2026-11-02T09:00:00Z',
          { type: 'install_preview', actor: 'installer', sessionId: 's-i', detail: { scope: 'install' } },
        ],
        ['2026-11-03T08:15:00Z', resume('resident')],
        [
          '2026-11-05T01:10:00Z',
          { type: 'deny', actor: 'SE-9', code: 'outside_window', detail: { remote: '127.0.0.1' } },
        ],
        ['2026-11-05T10:00:00Z', { type: 'policy_applied', actor: 'centre', detail: { version: 13 } }],
        [
          '2026-11-10T01:00:00Z',
          lookEntries({
            staffId: 'SE-2',
            sessionId: 's-2',
            tokenId: 't-2',
            durationMs: 150_000,
            scope: 'emergency',
            reason: 'alarm',
          }),
        ],
        ['2026-11-20T13:02:00Z', pause('centre')],
      ]),
      '2026-10-28T12:00:00Z',
    );
    const store = new ArchiveStore(db);
    for (const r of chain) await store.ingestAudit(DEVICE, JSON.stringify(r), NOW);
    const audit = new DbCentreAudit({ db, instanceId: 'c-1', log: silentLogger });
    await audit.record({
      type: 'look_token_issued',
      at: Date.parse('2026-10-31T23:29:50Z'),
      staffId: 'SE-1',
      deviceId: DEVICE,
      tokenId: 't-1',
      scope: 'view',
      role: 'Undersköterska',
    });
    await audit.record({
      type: 'look_refused',
      at: Date.parse('2026-11-06T02:00:00Z'),
      code: 'not_on_roster',
      staffId: 'SE-7',
      deviceId: DEVICE,
    });
  });
  afterAll(async () => {
    await db?.close();
    await fixture?.dispose();
  });

  it('reads_the_month_in_the_residents_zone_with_roles_stops_pauses_and_policies', async () => {
    const data = await whoLooked(db, DEVICE, NOVEMBER.from, NOVEMBER.to, NOW);
    expect(data.looks).toEqual([
      {
        at: Date.parse('2026-10-31T23:30:00Z'),
        endedAt: Date.parse('2026-10-31T23:31:05Z'),
        durationMs: 65_000,
        kind: 'planned',
        reason: null,
        role: 'Undersköterska',
        verified: true,
      },
      expect.objectContaining({ kind: 'installer', durationMs: null, role: null }),
      expect.objectContaining({ kind: 'extra', reason: 'alarm', durationMs: 150_000, role: null }),
    ]);
    expect(data.stopped.map((s) => s.code)).toEqual(['outside_window', 'not_on_roster']);
    expect(data.pauses).toEqual([
      { from: Date.parse('2026-10-28T12:00:00Z'), to: Date.parse('2026-11-03T08:15:00Z'), by: 'resident' },
      { from: Date.parse('2026-11-20T13:02:00Z'), to: null, by: 'centre' },
    ]);
    expect(data.policies).toEqual([{ at: Date.parse('2026-11-05T10:00:00Z'), version: 13 }]);
    expect(data.archive).toMatchObject({ state: 'complete' });
    const october = await whoLooked(db, DEVICE, Date.parse('2026-09-30T22:00:00Z'), NOVEMBER.from, NOW);
    expect(october.looks.map((l) => l.durationMs)).toEqual([30_000]);
  });

  it('says_it_in_plain_swedish_with_a_role_and_never_a_staff_id', async () => {
    const data = await whoLooked(db, DEVICE, NOVEMBER.from, NOVEMBER.to, NOW);
    const html = whoLookedPage({
      data,
      room: 'Rum 12',
      carePlanRef: 'KP-2024-00123',
      monthLabel: 'november 2026',
      previous: { href: `/round/who-looked/${DEVICE}?month=2026-10`, label: 'oktober 2026' },
      next: undefined,
      timeZone: ZONE,
      printedAt: NOW,
    });
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Tittningar (3)');
    expect(text).toContain('söndag 1 november 00:30–00:31 1 min 5 s Undersköterska Planerad tillsyn');
    expect(text).toContain('tisdag 10 november 02:00–02:02 2 min 30 s Personal Extra tillsyn efter ett larm');
    expect(text).toContain('Installatör Inställning av kameran vid installation');
    expect(text).toContain('5 november 02:10: utanför den överenskomna tiden');
    expect(text).toContain('6 november 03:00: personen hör inte till personalen för det här rummet');
    expect(text).toContain('Pausad från 28 oktober 13:00 till 3 november 09:15, med pausknappen i rummet.');
    expect(text).toContain('Pausad från 20 november 14:02 och pågår fortfarande, av centralen.');
    expect(text).toContain('en ny överenskommelse om tider för tillsyn började gälla (version 13)');
    expect(text).toContain('Listan är komplett');
    for (const id of ['SE-1', 'SE-2', 'SE-9', 'SE-7', 'installer']) expect(html).not.toContain(id);
    expect(html).toContain('rel="prev"');
    expect(html).not.toContain('rel="next"');
  });

  it('escapes_what_it_prints_and_says_so_when_nobody_looked', async () => {
    const html = whoLookedPage({
      data: { looks: [], stopped: [], pauses: [], policies: [], archive: undefined },
      room: '<b>Rum 1</b>',
      carePlanRef: 'KP"1',
      monthLabel: 'december 2026',
      previous: { href: '/x?a=1&b=2', label: 'november 2026' },
      next: undefined,
      timeZone: ZONE,
      printedAt: NOW,
    });
    expect(html).toContain('&#60;b&#62;Rum 1&#60;/b&#62;');
    expect(html).toContain('KP&#34;1');
    expect(html).toContain('href="/x?a=1&#38;b=2"');
    expect(html).toContain('Ingen har tittat den här månaden.');
    expect(html).toContain('Centralen har ännu inte fått några uppgifter från kameran.');
  });
});
