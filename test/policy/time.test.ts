import { describe, expect, it } from 'vitest';
import { epochMillis, millis, minutes, seconds } from '../../src/policy/index.ts';
import { ManualTime } from '../fixtures/time.ts';

describe('time units', () => {
  it('convert seconds and minutes to milliseconds', () => {
    expect([seconds(2), minutes(3), millis(5), epochMillis(7)]).toEqual([2000, 180_000, 5, 7]);
  });
});

describe('ManualTime (test fixture)', () => {
  it('moves wall and monotonic time together, and steps the wall clock alone like NTP', () => {
    const clock = new ManualTime('2026-01-15T22:00:00Z');
    clock.advance(1500);
    expect([clock.now(), clock.monotonic()]).toEqual([Date.parse('2026-01-15T22:00:01.500Z'), 1500]);
    clock.stepWall(-60_000);
    expect([clock.now(), clock.monotonic()]).toEqual([Date.parse('2026-01-15T21:59:01.500Z'), 1500]);
  });
});
