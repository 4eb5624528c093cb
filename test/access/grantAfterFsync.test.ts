/**
 * A grant takes effect only once its audit record is on stable storage: the admission does not
 * answer, the cut is not armed and the privacy LED is not told, while the record's fsync is pending.
 * The audit log and the state folder are real files; only the fsyncs are watched and held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { recordingFs } from '../fixtures/recordingFs.ts';
import { settle } from '../fixtures/time.ts';
import { type Harness, makeHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(() => h?.cleanup());

describe('a grant and its audit record', () => {
  it('takes_effect_only_after_the_grant_record_was_fsynced', async () => {
    const watched = recordingFs();
    h = await makeHarness({ start: '2026-11-25T22:05:00Z', fs: watched.fs });
    const window = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
    await h.access.applyPolicy(await h.policy({ version: 1, windows: [window] }), 'test');
    const announced: number[] = [];
    h.access.onSessionsChanged((n) => announced.push(n));
    const token = await h.token();

    const release = watched.hold();
    watched.ops.length = 0;
    let answered = false;
    const admission = h.access.admit(token, { remote: '127.0.0.1', transport: 'http' }).then((a) => {
      answered = true;
      watched.ops.push('granted');
      return a;
    });
    await settle();
    expect([answered, announced, h.time.pending]).toEqual([false, [], 0]);
    release();
    expect((await admission).ok).toBe(true);
    const grantSynced = watched.ops.findIndex((op) => /^sync audit-\d+\.jsonl$/.test(op));
    expect(grantSynced).toBeGreaterThanOrEqual(0);
    expect(grantSynced).toBeLessThan(watched.ops.indexOf('granted'));
    expect([announced, h.time.scheduled().map((t) => t.name)]).toEqual([[1], ['session-cut']]);
  });
});
