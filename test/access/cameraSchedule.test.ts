import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from './harness.ts';

// 23:05 in Stockholm (CET) on a Wednesday; the nightly window runs 23:00-23:30 local.
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
const LEAD = 60_000;

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ start: '2026-11-25T22:05:00Z' });
  await h.access.applyPolicy(await h.policy({ version: 1, windows: [NIGHTLY] }), 'test');
});
afterEach(() => h.cleanup());

describe("the camera's schedule, as access control names it", () => {
  it('wants_the_camera_in_a_window_and_names_its_end_as_the_next_instant_to_ask', () => {
    expect(h.access.cameraSchedule(LEAD)).toEqual({
      wanted: true,
      recheckAt: Date.parse('2026-11-25T22:30:00Z'),
    });
  });

  it('names_the_start_of_the_lead_before_the_next_window_once_the_window_closed', () => {
    h.time.advance(26 * 60_000);
    expect(h.access.cameraSchedule(LEAD)).toEqual({
      wanted: false,
      recheckAt: Date.parse('2026-11-26T22:00:00Z') - LEAD,
    });
  });

  it('announces_a_policy_a_pause_and_a_session_so_nobody_polls', async () => {
    let changes = 0;
    h.access.onChange(() => (changes += 1));
    await h.access.applyPolicy(await h.policy({ version: 2, windows: [] }), 'centre');
    expect([changes, h.access.cameraSchedule(LEAD)]).toEqual([1, { wanted: false, recheckAt: undefined }]);
    await h.access.setPaused(true, 'resident');
    expect(changes).toBe(2);
  });

  it('answers_from_a_new_policy_at_once_although_the_windows_are_cached', async () => {
    expect(h.access.windowState().open?.windowId).toBe('night');
    await h.access.applyPolicy(
      await h.policy({ version: 2, windows: [{ ...NIGHTLY, id: 'late', start: '23:01' }] }),
      'centre',
    );
    expect(h.access.windowState().open?.windowId).toBe('late');
  });
});
