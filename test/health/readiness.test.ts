import { describe, expect, it } from 'vitest';
import type { WindowState } from '../../src/access/types.ts';
import type { FrameVerdict } from '../../src/health/frames.ts';
import { ReadinessCheck } from '../../src/health/readiness.ts';
import { Emitter } from '../../src/platform/emitter.ts';
import type { EpochMillis } from '../../src/policy/index.ts';
import { makeHarness } from '../access/harness.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { recordingEvents } from './fixtures/fakes.ts';

const T = Date.parse('2026-11-24T02:30:00+01:00');
const MIN = 60_000;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const window = (start: number) => ({
  windowId: 'night',
  start: start as EpochMillis,
  end: (start + 30 * MIN) as EpochMillis,
  movedByDst: false,
});
const good: FrameVerdict = {
  checkedAt: T - 16 * MIN,
  covered: false,
  frozen: false,
  moved: false,
  mean: 60,
  distance: 3,
};

function setup(
  overrides: Partial<{ camera: boolean; frames: FrameVerdict | undefined; clock: boolean; broker: boolean }>,
) {
  const time = new ManualTime(T - 20 * MIN);
  const changed = new Emitter<[]>();
  const state: WindowState = {
    open: undefined,
    installPreviewUntil: undefined,
    timeZone: undefined,
    next: window(T),
    paused: false,
    pausedBy: undefined,
    policyVersion: 3,
    clockSynced: true,
  };
  const probes = {
    camera: true,
    frames: good as FrameVerdict | undefined,
    clock: true,
    broker: true,
    ...overrides,
  };
  const events = recordingEvents();
  const check = new ReadinessCheck({
    leadMinutes: 15,
    access: { windowState: () => state, onChange: (l: () => void) => changed.on(l) },
    events,
    time,
    probes: {
      cameraDelivering: () => probes.camera,
      frames: () => probes.frames,
      clockSynced: async () => probes.clock,
      brokerReachable: () => probes.broker,
    },
  });
  return { check, events, state, probes, time, changed, at: (t: number) => time.stepWall(t - time.wall) };
}

describe('readiness before a window', () => {
  it('says nothing before the lead time and window_ready once inside it, once per window', async () => {
    const { check, events, at } = setup({});
    await check.tick();
    expect(events.raised).toEqual([]);
    expect(check.status()).toBe('unknown');
    at(T - 15 * MIN);
    await check.tick();
    at(T - 14 * MIN);
    await check.tick();
    expect(events.raised).toEqual([
      { code: 'window_ready', detail: { windowId: 'night', start: new Date(T).toISOString(), failing: '' } },
    ]);
    expect(check.status()).toBe('ready');
  });

  it('lists the failing checks in window_at_risk', async () => {
    const { check, events, at } = setup({ camera: false, clock: false, frames: { ...good, covered: true } });
    at(T - 10 * MIN);
    await check.tick();
    expect(events.raised[0]).toMatchObject({
      code: 'window_at_risk',
      detail: { failing: 'camera,frames,clock' },
    });
    expect(check.status()).toBe('at_risk');
  });

  it('keeps_the_verdict_while_its_window_is_open_and_forgets_it_once_it_has_passed', async () => {
    const { check, at, state } = setup({});
    at(T - 10 * MIN);
    await check.tick();
    expect(check.status()).toBe('ready');
    // The window opens: the round asks now, and the next window is a day away, not yet judged.
    at(T + MIN);
    state.open = window(T);
    state.next = window(T + 24 * 60 * MIN);
    expect(check.status()).toBe('ready');
    at(T + 31 * MIN);
    state.open = undefined;
    expect(check.status()).toBe('unknown');
  });

  it('counts frames never checked and an unreachable broker as failing', async () => {
    const { check, at } = setup({ frames: undefined, broker: false });
    at(T - 1 * MIN);
    expect(await check.evaluate()).toEqual(['frames', 'broker']);
  });

  it('judges the next occurrence again and starts the camera earlier than it judges', async () => {
    const { check, events, at, state } = setup({});
    at(T - 5 * MIN);
    await check.tick();
    state.next = window(T + 24 * 60 * MIN);
    expect(check.status()).toBe('unknown');
    at(T + 24 * 60 * MIN - 5 * MIN);
    await check.tick();
    expect(events.raised.map((e) => e.code)).toEqual(['window_ready', 'window_ready']);
    expect(check.cameraLeadMs).toBeGreaterThan(check.leadMs);
  });

  it('judges_from_one_timer_set_for_when_the_window_enters_its_lead_not_from_polling', async () => {
    const { check, events, time } = setup({});
    check.start();
    await settle();
    expect(time.scheduled()).toEqual([{ name: 'readiness', inMs: 5 * MIN }]);
    await time.run(5 * MIN - 1);
    expect(events.raised).toEqual([]);
    await time.run(1);
    expect(events.raised.map((e) => e.code)).toEqual(['window_ready']);
    expect(time.scheduled()).toEqual([{ name: 'readiness', inMs: 15 * MIN }]);
    await check.stop();
    expect(time.pending).toBe(0);
  });

  it('re_arms_when_access_control_announces_a_new_policy', async () => {
    const { check, events, state, time, changed } = setup({});
    check.start();
    await settle();
    state.next = window(T + 60 * MIN);
    changed.emit();
    await settle();
    expect(time.scheduled()).toEqual([{ name: 'readiness', inMs: 65 * MIN }]);
    await time.run(65 * MIN);
    expect(events.raised.map((e) => e.detail?.start)).toEqual([new Date(T + 60 * MIN).toISOString()]);
    await check.stop();
  });
});

describe('readiness with overlapping windows (issue 9, item 15)', () => {
  it('judges_a_window_that_starts_while_another_is_open_at_its_own_lead', async () => {
    // Evening 22:00–06:00 is open all night; night-2 at 02:30 starts inside it and needs its own check.
    const h = await makeHarness({ start: '2026-11-23T21:00:00Z' }); // 22:00 Stockholm
    try {
      const jws = await h.policy({
        version: 1,
        windows: [
          { id: 'evening', start: '22:00', durationMinutes: 8 * 60, days: [...EVERY_DAY] },
          { id: 'night-2', start: '02:30', durationMinutes: 15, days: [...EVERY_DAY] },
        ],
      });
      expect((await h.access.applyPolicy(jws, 'centre')).ok).toBe(true);
      const events = recordingEvents();
      const check = new ReadinessCheck({
        leadMinutes: 15,
        access: h.access,
        events,
        time: h.time,
        probes: {
          cameraDelivering: () => true,
          frames: () => ({ ...good, checkedAt: h.time.wall }),
          clockSynced: () => true,
          brokerReachable: () => true,
        },
      });
      check.start();
      await settle();
      expect(h.access.windowState().open?.windowId).toBe('evening');
      const night2 = Date.parse('2026-11-24T01:30:00Z'); // 02:30 Stockholm
      await h.time.run(night2 - 15 * MIN - h.time.wall - 1);
      expect(events.raised).toEqual([]);
      await h.time.run(1);
      expect(events.raised).toEqual([
        {
          code: 'window_ready',
          detail: { windowId: 'night-2', start: new Date(night2).toISOString(), failing: '' },
        },
      ]);
      expect(check.status()).toBe('ready');
      await check.stop();
    } finally {
      await h.access.stop();
      await h.cleanup();
    }
  });
});
