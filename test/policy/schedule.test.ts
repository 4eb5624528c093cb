import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  epochMillis,
  isKnownTimeZone,
  resolveLocalStart,
  Schedule,
  type ScheduleSpec,
  WEEKDAYS,
} from '../../src/policy/index.ts';
import { expectedStart } from '../fixtures/zoneOracle.ts';

const STOCKHOLM = 'Europe/Stockholm';
const EVERY_DAY = [...WEEKDAYS];
const MIN = 60_000;
const at = (iso: string) => epochMillis(Date.parse(iso));
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function schedule(partial: Partial<ScheduleSpec>): Schedule {
  return new Schedule({ timeZone: STOCKHOLM, windows: [], oneOff: [], pauses: [], ...partial });
}

const nightly = (start: string, durationMinutes: number, days = EVERY_DAY) =>
  schedule({ windows: [{ id: 'w', start, durationMinutes, days }] });

describe('Schedule in Europe/Stockholm', () => {
  it('opens a nightly window at 22:00 local: 21:00Z in winter and 20:00Z in summer', () => {
    const s = nightly('22:00', 8 * 60);
    expect(iso(s.nextWindows(at('2026-01-15T12:00:00Z'), 1)[0]?.start)).toBe('2026-01-15T21:00:00.000Z');
    expect(iso(s.nextWindows(at('2026-07-15T12:00:00Z'), 1)[0]?.start)).toBe('2026-07-15T20:00:00.000Z');
  });

  it('includes the start instant and excludes the end instant', () => {
    const s = nightly('22:00', 60);
    expect(s.openWindowAt(at('2026-01-15T20:59:59.999Z'))).toBeUndefined();
    expect(s.openWindowAt(at('2026-01-15T21:00:00Z'))?.windowId).toBe('w');
    expect(s.openWindowAt(at('2026-01-15T21:59:59.999Z'))?.windowId).toBe('w');
    expect(s.openWindowAt(at('2026-01-15T22:00:00Z'))).toBeUndefined();
  });

  it('opens a window that starts in the spring-forward gap at the end of the gap (03:00 local, 01:00Z)', () => {
    const s = nightly('02:30', 30);
    const [w] = s.nextWindows(at('2026-03-28T23:00:00Z'), 1);
    expect(iso(w?.start)).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(w?.end)).toBe('2026-03-29T01:30:00.000Z');
    expect(w?.movedByDst).toBe(true);
    expect(s.openWindowAt(at('2026-03-29T00:59:59Z'))).toBeUndefined();
    expect(s.openWindowAt(at('2026-03-29T01:00:00Z'))?.movedByDst).toBe(true);
  });

  it('treats 02:00 on the spring night as inside the gap and 03:00 as an ordinary time', () => {
    const gapStart = nightly('02:00', 10).nextWindows(at('2026-03-28T23:00:00Z'), 1)[0];
    const gapEnd = nightly('03:00', 10).nextWindows(at('2026-03-28T23:00:00Z'), 1)[0];
    expect([iso(gapStart?.start), gapStart?.movedByDst]).toEqual(['2026-03-29T01:00:00.000Z', true]);
    expect([iso(gapEnd?.start), gapEnd?.movedByDst]).toEqual(['2026-03-29T01:00:00.000Z', false]);
  });

  it('opens a window in the repeated autumn hour once, at the first occurrence', () => {
    const s = nightly('02:30', 30);
    const windows = s.nextWindows(at('2026-10-24T12:00:00Z'), 2);
    expect(windows.map((w) => iso(w.start))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(s.openWindowAt(at('2026-10-25T00:45:00Z'))?.windowId).toBe('w');
    // 02:45 local the second time round: no second opening.
    expect(s.openWindowAt(at('2026-10-25T01:45:00Z'))).toBeUndefined();
  });

  it('measures durations in elapsed time across both DST nights', () => {
    const spring = nightly('22:00', 8 * 60).nextWindows(at('2026-03-28T12:00:00Z'), 1)[0];
    const autumn = nightly('22:00', 8 * 60).nextWindows(at('2026-10-24T12:00:00Z'), 1)[0];
    expect([iso(spring?.start), iso(spring?.end)]).toEqual([
      '2026-03-28T21:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
    ]);
    expect([iso(autumn?.start), iso(autumn?.end)]).toEqual([
      '2026-10-24T20:00:00.000Z',
      '2026-10-25T04:00:00.000Z',
    ]);
  });

  it('keeps a window that crosses midnight open after midnight, named for the day it starts', () => {
    const s = nightly('23:00', 120, ['fri']);
    // Friday 2026-01-16 23:00 CET → Saturday 01:00 CET.
    expect(s.openWindowAt(at('2026-01-16T23:30:00Z'))?.windowId).toBe('w');
    expect(iso(s.openWindowAt(at('2026-01-16T23:30:00Z'))?.start)).toBe('2026-01-16T22:00:00.000Z');
    // Thursday night has no window.
    expect(s.openWindowAt(at('2026-01-15T23:30:00Z'))).toBeUndefined();
  });

  it('keeps a 24 h window that started on the short spring day open until 24 h have elapsed', () => {
    const s = nightly('00:00', 24 * 60, ['sun']);
    const w = s.openWindowAt(at('2026-03-29T22:30:00Z'));
    expect([iso(w?.start), iso(w?.end)]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T23:00:00.000Z']);
  });

  it('opens a one-off window only on its date, also when it starts in the gap', () => {
    const s = schedule({
      oneOff: [
        { id: 'visit', date: '2026-02-03', start: '01:15', durationMinutes: 45 },
        { id: 'gap', date: '2026-03-29', start: '02:15', durationMinutes: 20 },
      ],
    });
    const found = s.nextWindows(at('2026-01-01T00:00:00Z'), 5);
    expect(found.map((w) => [w.windowId, iso(w.start), iso(w.end)])).toEqual([
      ['visit', '2026-02-03T00:15:00.000Z', '2026-02-03T01:00:00.000Z'],
      ['gap', '2026-03-29T01:00:00.000Z', '2026-03-29T01:20:00.000Z'],
    ]);
  });

  it('reports the open window that stays open longest when windows overlap', () => {
    const s = schedule({
      windows: [
        { id: 'short', start: '22:00', durationMinutes: 30, days: EVERY_DAY },
        { id: 'long', start: '22:10', durationMinutes: 120, days: EVERY_DAY },
      ],
      oneOff: [{ id: 'extra', date: '2026-01-15', start: '21:00', durationMinutes: 90 }],
    });
    expect(s.openWindowAt(at('2026-01-15T21:15:00Z'))?.windowId).toBe('long');
    expect(s.openWindowAt(at('2026-01-15T20:05:00Z'))?.windowId).toBe('extra');
    expect(s.nextWindows(at('2026-01-15T20:05:00Z'), 3).map((w) => w.windowId)).toEqual([
      'extra',
      'short',
      'long',
    ]);
  });

  it('lists an open window first, then the next ones in start order, at most n', () => {
    const s = nightly('22:00', 8 * 60);
    const found = s.nextWindows(at('2026-01-16T02:00:00Z'), 3);
    expect(found.map((w) => iso(w.start))).toEqual([
      '2026-01-15T21:00:00.000Z',
      '2026-01-16T21:00:00.000Z',
      '2026-01-17T21:00:00.000Z',
    ]);
    expect(s.nextWindows(at('2026-01-16T02:00:00Z'), 0)).toEqual([]);
  });

  it('returns no windows (and stops searching) when the policy has none', () => {
    expect(schedule({}).nextWindows(at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
    expect(schedule({}).openWindowAt(at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('Schedule pauses', () => {
  const paused = () =>
    schedule({
      windows: [{ id: 'w', start: '22:00', durationMinutes: 8 * 60, days: EVERY_DAY }],
      oneOff: [{ id: 'one', date: '2026-02-11', start: '12:00', durationMinutes: 30 }],
      pauses: [{ from: '2026-02-10', to: '2026-02-12', reason: 'travel' }],
    });

  it('covers whole local days from the first to the last date', () => {
    const s = paused();
    expect(s.isPausedAt(at('2026-02-09T22:59:59Z'))).toBe(false);
    expect(s.isPausedAt(at('2026-02-09T23:00:00Z'))).toBe(true);
    expect(s.isPausedAt(at('2026-02-12T22:59:59Z'))).toBe(true);
    expect(s.isPausedAt(at('2026-02-12T23:00:00Z'))).toBe(false);
  });

  it('opens no window that starts in a pause, recurring or one-off', () => {
    const found = paused().nextWindows(at('2026-02-09T12:00:00Z'), 2);
    expect(found.map((w) => iso(w.start))).toEqual(['2026-02-09T21:00:00.000Z', '2026-02-13T21:00:00.000Z']);
    expect(paused().openWindowAt(at('2026-02-11T11:15:00Z'))).toBeUndefined();
  });

  it('does not open a window that starts at local midnight on the first paused day', () => {
    const s = schedule({
      windows: [{ id: 'midnight', start: '00:00', durationMinutes: 60, days: EVERY_DAY }],
      pauses: [{ from: '2026-02-10', to: '2026-02-10', reason: 'visitors' }],
    });
    expect(s.openWindowAt(at('2026-02-09T23:00:00Z'))).toBeUndefined();
    expect(s.nextWindows(at('2026-02-09T12:00:00Z'), 1).map((w) => iso(w.start))).toEqual([
      '2026-02-10T23:00:00.000Z',
    ]);
  });

  it('closes a window that runs into a pause where the pause begins', () => {
    const w = paused().openWindowAt(at('2026-02-09T22:00:00Z'));
    expect(iso(w?.end)).toBe('2026-02-09T23:00:00.000Z');
    expect(paused().openWindowAt(at('2026-02-09T23:00:00Z'))).toBeUndefined();
  });

  it('uses the earliest of several overlapping pauses, whatever their order', () => {
    const s = schedule({
      windows: [{ id: 'w', start: '12:00', durationMinutes: 24 * 60, days: ['mon'] }],
      pauses: [
        { from: '2026-02-20', to: '2026-02-21', reason: 'visitors' },
        { from: '2026-02-17', to: '2026-02-18', reason: 'hospital' },
      ],
    });
    expect(iso(s.openWindowAt(at('2026-02-16T12:00:00Z'))?.end)).toBe('2026-02-16T23:00:00.000Z');
  });
});

describe('Schedule in a zone without DST (Asia/Tokyo)', () => {
  it('opens at the same UTC instant every day of the year', () => {
    const s = new Schedule({
      timeZone: 'Asia/Tokyo',
      windows: [{ id: 'w', start: '02:30', durationMinutes: 60, days: EVERY_DAY }],
      oneOff: [],
      pauses: [],
    });
    const found = s.nextWindows(at('2026-01-01T00:00:00Z'), 365);
    expect(found).toHaveLength(365);
    for (const w of found) {
      expect(new Date(w.start).toISOString().slice(11)).toBe('17:30:00.000Z');
      expect(w.movedByDst).toBe(false);
    }
  });
});

describe('resolveLocalStart and isKnownTimeZone', () => {
  it('resolves ordinary, gap and repeated local times', () => {
    const d = (s: string) => Temporal.PlainDate.from(s);
    const t = (s: string) => Temporal.PlainTime.from(s);
    expect(resolveLocalStart(d('2026-03-29'), t('02:59'), STOCKHOLM)).toEqual({
      epoch: Date.parse('2026-03-29T01:00:00Z'),
      movedByDst: true,
    });
    expect(resolveLocalStart(d('2026-10-25'), t('02:00'), STOCKHOLM).epoch).toBe(
      Date.parse('2026-10-25T00:00:00Z'),
    );
    expect(resolveLocalStart(d('2026-06-01'), t('12:00'), STOCKHOLM).epoch).toBe(
      Date.parse('2026-06-01T10:00:00Z'),
    );
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isKnownTimeZone('Europe/Stockholm')).toBe(true);
    expect(isKnownTimeZone('Asia/Tokyo')).toBe(true);
    expect(isKnownTimeZone('Europe/Atlantis')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
  });
});

describe('Schedule over every day of 2025–2030 (exhaustive, against Intl)', () => {
  const TIMES = ['00:00', '01:30', '02:00', '02:30', '02:59', '03:00', '23:30'];
  for (const timeZone of [STOCKHOLM, 'Asia/Tokyo']) {
    it(`opens a daily window exactly once per local day at the oracle's instant in ${timeZone}`, () => {
      for (const time of TIMES) {
        const s = new Schedule({
          timeZone,
          windows: [{ id: 'w', start: time, durationMinutes: 90, days: EVERY_DAY }],
          oneOff: [],
          pauses: [],
        });
        for (let year = 2025; year <= 2030; year++) {
          const first = expectedStart(timeZone, `${year}-01-01`, '00:00');
          const days = year % 4 === 0 ? 366 : 365;
          const found = s
            .nextWindows(epochMillis(first), days + 1)
            .filter((w) => w.start >= first)
            .slice(0, days);
          let date = Temporal.PlainDate.from(`${year}-01-01`);
          for (const w of found) {
            const want = expectedStart(timeZone, date.toString(), time);
            if (w.start !== want)
              expect([time, date.toString(), iso(w.start)]).toEqual([time, date.toString(), iso(want)]);
            expect(w.end).toBe(want + 90 * MIN);
            date = date.add({ days: 1 });
          }
          expect(date.toString()).toBe(`${year + 1}-01-01`);
        }
      }
    });
  }
});
