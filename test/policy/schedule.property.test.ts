/**
 * Property tests of the window rules over 2025–2030, with expected instants from the Intl-based
 * oracle (test/fixtures/zoneOracle.ts), never from the implementation under test.
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { epochMillis, Schedule, WEEKDAYS, type Weekday } from '../../src/policy/index.ts';
import type { PauseSpec } from '../../src/policy/schedule.ts';
import { expectedStart, localDateOf } from '../fixtures/zoneOracle.ts';

const ZONES = ['Europe/Stockholm', 'Asia/Tokyo'] as const;
const MIN = 60_000;
const FIRST_DAY = Temporal.PlainDate.from('2025-01-01');
const DAY_COUNT = FIRST_DAY.until('2031-01-01').days;

/** Last Sundays of March and October, the EU DST nights, 2025–2030. */
const DST_NIGHTS = [2025, 2026, 2027, 2028, 2029, 2030].flatMap((year) =>
  [3, 10].map((month) => {
    const last = Temporal.PlainDate.from({ year, month, day: 31 });
    return last.subtract({ days: last.dayOfWeek % 7 }).toString();
  }),
);

const dateArb = fc.oneof(
  fc.integer({ min: 0, max: DAY_COUNT - 1 }).map((d) => FIRST_DAY.add({ days: d }).toString()),
  fc
    .tuple(fc.constantFrom(...DST_NIGHTS), fc.integer({ min: -1, max: 1 }))
    .map(([d, shift]) => Temporal.PlainDate.from(d).add({ days: shift }).toString()),
);
const pad = (n: number) => String(n).padStart(2, '0');
const timeArb = fc
  .oneof(
    fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
    // The DST hours, where the rules bite.
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 59 })),
  )
  .map(([h, m]) => `${pad(h)}:${pad(m)}`);
const durationArb = fc.oneof(fc.integer({ min: 1, max: 24 * 60 }), fc.integer({ min: 1, max: 180 }));
const daysArb = fc.subarray([...WEEKDAYS], { minLength: 1 });
const windowArb = fc.record({ start: timeArb, durationMinutes: durationArb, days: daysArb });

const addDays = (date: string, days: number) => Temporal.PlainDate.from(date).add({ days }).toString();
const weekdayOf = (date: string): Weekday => WEEKDAYS[Temporal.PlainDate.from(date).dayOfWeek - 1]!;
const midnight = (zone: string, date: string) => expectedStart(zone, date, '00:00');

describe('Schedule properties, 2025–2030, Europe/Stockholm and Asia/Tokyo', () => {
  it('opens every window exactly once per scheduled day, at the oracle instant, for its full duration', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), dateArb, windowArb, (timeZone, date, w) => {
        const s = new Schedule({ timeZone, windows: [{ id: 'w', ...w }], oneOff: [], pauses: [] });
        const from = epochMillis(midnight(timeZone, addDays(date, -1)));
        const onDate = s.nextWindows(from, 6).filter((o) => localDateOf(timeZone, o.start) === date);
        if (!w.days.includes(weekdayOf(date))) {
          expect(onDate).toEqual([]);
          return;
        }
        const start = expectedStart(timeZone, date, w.start);
        expect(onDate.map((o) => [o.start, o.end])).toEqual([[start, start + w.durationMinutes * MIN]]);
        expect(s.openWindowAt(epochMillis(start))?.start).toBe(start);
        expect(s.openWindowAt(epochMillis(start - 1))?.start).not.toBe(start);
      }),
      { numRuns: 400 },
    );
  });

  it('opens one-off windows once, on their date only', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        dateArb,
        timeArb,
        durationArb,
        (timeZone, date, time, minutes) => {
          const s = new Schedule({
            timeZone,
            windows: [],
            oneOff: [{ id: 'once', date, start: time, durationMinutes: minutes }],
            pauses: [],
          });
          const start = expectedStart(timeZone, date, time);
          const found = s.nextWindows(epochMillis(midnight(timeZone, addDays(date, -3))), 5);
          expect(found.map((o) => [o.windowId, o.start, o.end])).toEqual([
            ['once', start, start + minutes * MIN],
          ]);
        },
      ),
      { numRuns: 200 },
    );
  });

  const pauseArb = (date: string) =>
    fc.tuple(fc.integer({ min: -3, max: 10 }), fc.integer({ min: 0, max: 4 })).map(
      ([offset, length]): PauseSpec => ({
        from: addDays(date, offset),
        to: addDays(date, offset + length),
        reason: 'travel',
      }),
    );

  it('never opens a window inside a pause, and closes one that runs into a pause where it begins', () => {
    const scenario = fc
      .tuple(fc.constantFrom(...ZONES), dateArb, windowArb)
      .chain(([zone, date, w]) =>
        fc.tuple(
          fc.constant(zone),
          fc.constant(date),
          fc.constant(w),
          fc.array(pauseArb(date), { maxLength: 3 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([timeZone, date, w, pauses]) => {
        const s = new Schedule({ timeZone, windows: [{ id: 'w', ...w }], oneOff: [], pauses });
        const pauseIntervals = pauses.map((p) => [
          midnight(timeZone, p.from),
          midnight(timeZone, addDays(p.to, 1)),
        ]);
        const pausedAt = (t: number) => pauseIntervals.some(([a, b]) => a! <= t && t < b!);
        const expected: [number, number][] = [];
        for (let d = 0; d < 10; d++) {
          const day = addDays(date, d);
          if (!w.days.includes(weekdayOf(day))) continue;
          const start = expectedStart(timeZone, day, w.start);
          if (pausedAt(start)) continue;
          const cut = Math.min(...pauseIntervals.map(([a]) => a!).filter((a) => a > start));
          expected.push([start, Math.min(start + w.durationMinutes * MIN, cut)]);
        }
        const rangeStart = midnight(timeZone, date);
        const rangeEnd = midnight(timeZone, addDays(date, 10));
        const found = s
          .nextWindows(epochMillis(rangeStart), 40)
          .filter((o) => o.start >= rangeStart && o.start < rangeEnd);
        expect(found.map((o) => [o.start, o.end])).toEqual(expected);
        for (const o of found) expect(s.isPausedAt(o.start)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('openWindowAt agrees with nextWindows at any instant', () => {
    const scenario = fc.record({
      timeZone: fc.constantFrom(...ZONES),
      date: dateArb,
      offsetMs: fc.integer({ min: 0, max: 48 * 3_600_000 }),
      windows: fc.array(windowArb, { minLength: 1, maxLength: 3 }),
      oneOff: fc.array(
        fc.record({
          dayShift: fc.integer({ min: -1, max: 1 }),
          start: timeArb,
          durationMinutes: durationArb,
        }),
        {
          maxLength: 2,
        },
      ),
      pause: fc.option(fc.integer({ min: -2, max: 2 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(scenario, (c) => {
        const s = new Schedule({
          timeZone: c.timeZone,
          windows: c.windows.map((w, i) => ({ id: `w${i}`, ...w })),
          oneOff: c.oneOff.map((o, i) => ({
            id: `o${i}`,
            date: addDays(c.date, o.dayShift),
            start: o.start,
            durationMinutes: o.durationMinutes,
          })),
          pauses:
            c.pause === undefined
              ? []
              : [{ from: addDays(c.date, c.pause), to: addDays(c.date, c.pause), reason: 'other' }],
        });
        const t = epochMillis(midnight(c.timeZone, c.date) + c.offsetMs);
        const containing = s.nextWindows(t, 20).filter((o) => o.start <= t);
        const open = s.openWindowAt(t);
        if (containing.length === 0) {
          expect(open).toBeUndefined();
          return;
        }
        expect(open).toBeDefined();
        expect(open!.start <= t && t < open!.end).toBe(true);
        expect(open!.end).toBe(Math.max(...containing.map((o) => o.end)));
        expect(containing).toContainEqual(open);
      }),
      { numRuns: 300 },
    );
  });
});
