/**
 * The resident's pause with who paused, since and until when (issue 9, item 10): what access control
 * decides, audits, stores and tells the viewer page and the schedule publisher (`windowState().pause`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { epochMillis, WEEKDAYS } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from './harness.ts';

// 23:05 in Stockholm (CET) on a Wednesday; the nightly window runs 23:00-00:00 local.
const START = '2026-11-25T22:05:00Z';
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 60, days: [...WEEKDAYS] };
const REMOTE = { remote: '127.0.0.1', transport: 'http' } as const;
const HOUR = 3600_000;

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ start: START });
  await h.access.applyPolicy(await h.policy({ version: 1, windows: [NIGHTLY] }), 'test');
});
afterEach(async () => {
  await h.access.stop();
  await h.cleanup();
});

describe('a pause with who and until when', () => {
  it('pause_by_the_centre_until_a_time_cuts_the_session_is_audited_and_ends_by_itself_then', async () => {
    const since = h.time.wall;
    const until = epochMillis(since + 30 * 60_000);
    expect((await h.access.admit(await h.token(), REMOTE)).ok).toBe(true);
    await h.access.setPaused(true, 'jour-3', { by: 'centre', until });
    expect(h.access.sessions()).toHaveLength(0);
    expect(h.access.windowState()).toMatchObject({
      paused: true,
      pause: { by: 'centre', actor: 'jour-3', since, until },
    });
    expect(await h.access.admit(await h.token(), REMOTE)).toMatchObject({ code: 'paused' });
    expect(h.access.cameraSchedule(60_000)).toEqual({ wanted: false, recheckAt: until });
    const iso = (t: number) => new Date(t).toISOString();
    expect((await h.records()).filter((r) => r.type === 'pause' || r.type === 'session_end')).toMatchObject([
      { type: 'pause', actor: 'jour-3', detail: { by: 'centre', since: iso(since), until: iso(until) } },
      { type: 'session_end', code: 'paused' },
    ]);

    await h.time.run(30 * 60_000 - 1);
    expect(h.access.windowState().paused).toBe(true);
    await h.time.run(1);
    expect(h.access.windowState()).toMatchObject({ paused: false, pause: undefined });
    expect((await h.access.admit(await h.token(), REMOTE)).ok).toBe(true);
    await expect
      .poll(async () => (await h.records()).find((r) => r.type === 'resume'))
      .toMatchObject({ actor: 'device', detail: { by: 'centre', expired: true } });
  });

  it('keeps_who_since_and_until_across_a_restart_and_stays_closed_on_an_older_pause_file', async () => {
    const until = epochMillis(h.time.wall + 8 * HOUR);
    await h.access.setPaused(true, 'resident', { until });
    const restarted = h.build();
    await restarted.start();
    expect(restarted.windowState().pause).toEqual({
      by: 'resident',
      actor: 'resident',
      since: h.time.wall,
      until,
    });
    await restarted.stop();
    await h.store.writeAtomic('pause.json', '{"paused":true}');
    const older = h.build();
    await older.start();
    expect(older.windowState().pause).toEqual({
      by: 'resident',
      actor: 'resident',
      since: undefined,
      until: undefined,
    });
    await older.stop();
  });

  it('names_a_pause_of_the_policy_as_by_policy_from_its_first_day_to_the_end_of_its_last', async () => {
    await h.access.applyPolicy(
      await h.policy({
        version: 2,
        windows: [NIGHTLY],
        pauses: [{ from: '2026-11-25', to: '2026-11-27', reason: 'travel' }],
      }),
      'centre',
    );
    expect(h.access.windowState()).toMatchObject({
      paused: true,
      pause: {
        by: 'policy',
        actor: undefined,
        since: Date.parse('2026-11-24T23:00:00Z'),
        until: Date.parse('2026-11-27T23:00:00Z'),
      },
    });
  });

  it('a_resume_by_the_resident_ends_a_pause_by_the_centre_and_is_audited_as_theirs', async () => {
    await h.access.setPaused(true, 'centre');
    expect(h.access.windowState().pause?.by).toBe('centre');
    await h.access.setPaused(false, 'resident');
    expect(h.access.windowState().paused).toBe(false);
    expect((await h.records()).at(-1)).toMatchObject({
      type: 'resume',
      actor: 'resident',
      detail: { by: 'centre' },
    });
    expect(h.time.scheduled().map((t) => t.name)).not.toContain('pause-until');
  });
});
