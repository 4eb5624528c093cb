/**
 * The pause in the retained schedule (issue 9, item 10): who paused, since and until when, from
 * access control's `windowState().pause`, republished on every pause, resume and pause end.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchedulePublisher } from '../../src/health/schedulePublisher.ts';
import { epochMillis, WEEKDAYS } from '../../src/policy/index.ts';
import { schedulePayloadSchema } from '../../src/protocol/schedule.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { recordingLink } from './fixtures/fakes.ts';

const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 60, days: [...WEEKDAYS] };

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ start: '2026-11-25T22:05:00Z' });
  await h.access.applyPolicy(await h.policy({ version: 1, windows: [NIGHTLY] }), 'test');
});
afterEach(async () => {
  await h.access.stop();
  await h.cleanup();
});

describe('the pause in the retained schedule', () => {
  it('says_who_paused_since_and_until_when_and_republishes_when_it_ends', async () => {
    const link = { ...recordingLink(), connected: true };
    const publisher = new SchedulePublisher({ link, access: h.access, time: h.time });
    publisher.start();
    const since = h.time.wall;
    const until = epochMillis(since + 2 * 3600_000);
    await h.access.setPaused(true, 'jour-3', { by: 'centre', until });
    await expect
      .poll(() => link.published.at(-1)?.payload.pause)
      .toEqual({ by: 'centre', since: new Date(since).toISOString(), until: new Date(until).toISOString() });
    expect(schedulePayloadSchema.safeParse(link.published.at(-1)!.payload).success).toBe(true);
    await h.time.run(2 * 3600_000);
    await expect.poll(() => link.published.at(-1)?.payload.pause).toBeNull();
    publisher.stop();
  });
});
