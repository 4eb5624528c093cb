/**
 * Issue 13, item 10: confirming the reference view ends the installer's preview. The aiming window
 * closes with the confirmation, the preview session is ended (audited) at once, and an install
 * look asked for right after is refused: the window does not linger until the next poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, offerFixture, post } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

describe('confirming the reference view', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ window: 'closed', installPreview: true });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(() => stack.stop());

  it('ends_the_preview_session_and_refuses_a_second_install_look_right_after', async () => {
    const token = await stack.token({ scope: 'install' });
    const created = await post(stack.url, offerFixture('chromium-video'), token);
    expect(created.res.status).toBe(201);
    const location = created.res.headers.get('location')!;
    const sessionId = location.split('/').pop()!;

    const confirmed = await call(stack.url, `${location}/reference`, 'POST', token);
    expect(confirmed.res.status).toBe(200);

    expect(stack.access.sessions()).toEqual([]);
    expect(stack.server.sessions.get(sessionId)).toBeUndefined();
    const end = (await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === sessionId);
    expect(end?.code).toBe('window_end');

    const again = await post(
      stack.url,
      offerFixture('chromium-video'),
      await stack.token({ scope: 'install' }),
    );
    expect([again.res.status, again.json().code]).toEqual([403, 'wrong_scope']);
  });
});
