/**
 * A session that access control ends while its POST is still being set up (waiting for the first
 * keyframe, gathering ICE) must never start streaming: the resident's pause wins the race.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { offerFixture, post } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('a session ended during its set-up', () => {
  it('is_refused_and_never_streams_when_the_resident_pauses_while_the_post_waits_for_a_picture', async () => {
    stack = await startStack({ camera: false, stream: { firstFrameWaitMs: 8000 } });
    const s = stack;
    const pending = post(s.url, offerFixture('chromium-video'), await s.token());
    await expect.poll(() => s.access.sessions().length).toBe(1);
    await s.access.setPaused(true, 'resident');
    await s.camera.start();
    const { res, json } = await pending;
    expect(res.status).toBe(409);
    expect(json()).toMatchObject({ code: 'session_ended' });
    expect(s.server.sessions.size).toBe(0);
    const ends = (await s.records()).filter((r) => r.type === 'session_end').map((r) => r.code);
    expect(ends).toEqual(['paused']);
  });
});
