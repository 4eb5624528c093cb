/**
 * Issue 13, item 4: a valid policy with long pauses once made every window search walk each paused
 * day (0.2–1.7 s per `windowState()`). The work is counted through the schedule's step counter,
 * never by wall time: a search costs at most one step per pause plus one per window found, and a
 * second search on the same local day costs nothing. Answers are checked against an independent
 * day-by-day reference built on the Intl oracle.
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { epochMillis, Schedule, type ScheduleSpec, WEEKDAYS, type Weekday } from '../../src/policy/index.ts';
import type { PauseSpec } from '../../src/policy/schedule.ts';
import { expectedStart } from '../fixtures/zoneOracle.ts';

const ZONES = ['Europe/Stockholm', 'Asia/Tokyo', 'America/New_York'] as const;
const MIN = 60_000;
const HORIZON_DAYS = 800;
const FIRST_DAY = Temporal.PlainDate.from('2026-01-01');
const pad = (n: number) => String(n).padStart(2, '0');
const addDays = (date: string, days: number) => Temporal.PlainDate.from(date).add({ days }).toString();
const weekdayOf = (date: string): Weekday => WEEKDAYS[Temporal.PlainDate.from(date).dayOfWeek - 1]!;
const midnight = (zone: string, date: string) => expectedStart(zone, date, '00:00');

const timeArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${pad(h)}:${pad(m)}`);
const dayArb = fc.integer({ min: 0, max: 3 * 365 }).map((d) => FIRST_DAY.add({ days: d }).toString());

/** Pauses from a day to three years long, anywhere around the instant, up to the schema's 256. */
const pauseArb = fc
  .tuple(dayArb, fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 * 365 })))
  .map(([from, length]): PauseSpec => ({ from, to: addDays(from, length), reason: 'travel' }));

const scenarioArb = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  windows: fc.array(
    fc.record({
      start: timeArb,
      durationMinutes: fc.integer({ min: 1, max: 24 * 60 }),
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    }),
    { maxLength: 3 },
  ),
  oneOff: fc.array(
    fc.record({ date: dayArb, start: timeArb, durationMinutes: fc.integer({ min: 1, max: 180 }) }),
    { maxLength: 4 },
  ),
  pauses: fc.oneof(
    fc.array(pauseArb, { maxLength: 6 }),
    fc.array(pauseArb, { minLength: 200, maxLength: 256 }),
  ),
  day: dayArb,
  offsetMinutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  n: fc.integer({ min: 1, max: 4 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function specOf(c: Scenario): ScheduleSpec {
  return {
    timeZone: c.timeZone,
    windows: c.windows.map((w, i) => ({ id: `w${i}`, ...w })),
    oneOff: c.oneOff.map((o, i) => ({ id: `o${i}`, ...o })),
    pauses: c.pauses,
  };
}

/**
 * The rules of README "The resident's policy", walked one local day at a time over the whole
 * horizon with the oracle's instants: what the schedule must answer, however it searches.
 */
function reference(c: Scenario, t: number, n: number): [string, number, number][] {
  const spec = specOf(c);
  const intervals = c.pauses.map((p) => [
    midnight(c.timeZone, p.from),
    midnight(c.timeZone, addDays(p.to, 1)),
  ]);
  const pausedDay = (date: string) => c.pauses.some((p) => p.from <= date && date <= p.to);
  const found: [string, number, number][] = [];
  const today = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(c.timeZone).toPlainDate();
  let date = today.subtract({ days: 1 }).toString();
  for (let i = 0; i < HORIZON_DAYS && found.length < n; i++, date = addDays(date, 1)) {
    if (pausedDay(date)) continue;
    const onDay = [
      ...spec.windows.filter((w) => w.days.includes(weekdayOf(date))),
      ...spec.oneOff.filter((o) => o.date === date),
    ].map((w): [string, number, number] => {
      const start = expectedStart(c.timeZone, date, w.start);
      const cut = Math.min(...intervals.map(([a]) => a!).filter((a) => a > start));
      return [w.id, start, Math.min(start + w.durationMinutes * MIN, cut)];
    });
    onDay.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
    found.push(...onDay.filter(([, , end]) => end > t));
  }
  return found.slice(0, n);
}

describe('Schedule search work with long pauses', () => {
  it('costs one step per pause plus one per window found, and nothing more on the same local day', () => {
    fc.assert(
      fc.property(scenarioArb, (c) => {
        let steps = 0;
        const s = new Schedule(specOf(c), { onStep: () => steps++ });
        const t = epochMillis(midnight(c.timeZone, c.day) + c.offsetMinutes * MIN);
        // What the access controller asks on every /api/state and scheduler tick.
        s.openWindowAt(t);
        const next = s.nextWindows(t, c.n);
        s.isPausedAt(t);
        // Yesterday's and today's windows, then per later day either a pause skipped or a window found.
        expect(steps).toBeGreaterThanOrEqual(2);
        expect(steps).toBeLessThanOrEqual(2 + c.pauses.length + c.n);
        const first = steps;
        expect(s.nextWindows(epochMillis(t + 1), c.n)).toEqual(next);
        expect(s.openWindowAt(epochMillis(t + 1))).toEqual(s.openWindowAt(t));
        expect(steps).toBe(first);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the same windows as a day-by-day walk over the whole horizon', () => {
    fc.assert(
      fc.property(scenarioArb, (c) => {
        const s = new Schedule(specOf(c));
        const t = epochMillis(midnight(c.timeZone, c.day) + c.offsetMinutes * MIN);
        const found = s
          .nextWindows(t, c.n)
          .map((o): [string, number, number] => [o.windowId, o.start, o.end]);
        expect(found).toEqual(reference(c, t, c.n));
      }),
      { numRuns: 150 },
    );
  });

  it('starts again on the next local day and still skips a two-year pause in one step', () => {
    let steps = 0;
    const s = new Schedule(
      {
        timeZone: 'Europe/Stockholm',
        windows: [{ id: 'night', start: '23:30', durationMinutes: 20, days: [...WEEKDAYS] }],
        oneOff: [],
        pauses: [{ from: '2026-06-02', to: '2028-06-01', reason: 'hospital' }],
      },
      { onStep: () => steps++ },
    );
    const first = s.nextWindows(epochMillis(Date.parse('2026-06-01T10:00:00Z')), 2);
    expect(first.map((w) => new Date(w.start).toISOString())).toEqual([
      '2026-06-01T21:30:00.000Z',
      '2028-06-02T21:30:00.000Z',
    ]);
    expect(steps).toBe(2 + 1 + 1);
    steps = 0;
    const next = s.nextWindows(epochMillis(Date.parse('2026-06-02T10:00:00Z')), 1);
    expect(new Date(next[0]!.start).toISOString()).toBe('2028-06-02T21:30:00.000Z');
    expect(steps).toBe(2 + 1 + 1);
  });
});
