/**
 * Fuzzing trickle PATCHes against a live session with a real werift peer (issue 13, item 15): every
 * reply is a 204 or a refusal with a stable code, never a 500; a refused PATCH hands werift nothing
 * (the session's candidate count stays), an accepted one exactly the candidates it carried; and
 * nothing werift does with them afterwards escapes as an unhandled error.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../src/reasons.ts';
import type { WhepRequest } from '../../src/stream/index.ts';
import { parseTrickle } from '../../src/stream/sdpLines.ts';
import { offerFixture } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { anyText, expectStableCode, mutatedLines, runs, timed } from './budget.ts';
import { FRAGMENTS, SDP_LINES } from './sdpInputs.ts';

const origin = { transport: 'http', remote: '127.0.0.1' } as const;

describe('trickle PATCHes under fuzzing, against a live session', () => {
  let stack: Stack;
  let token: string;
  let sessionId: string;
  beforeAll(async () => {
    stack = await startStack({
      window: 'open',
      stream: { maxCandidatesPerSession: 256, maxCandidatesTotal: 1024 },
    });
    await stack.hub.waitForKeyframe(8000);
    token = await stack.token();
    const created = await stack.server.sessions.handle({
      method: 'POST',
      contentType: 'application/sdp',
      body: offerFixture('chromium-video'),
      token,
      origin,
    });
    expect(created.status).toBe(201);
    sessionId = String(created.headers.Location).split('/').pop()!;
  });
  afterAll(() => stack.stop());

  it('answers_204_or_a_stable_refusal_and_hands_werift_only_what_it_accepted', async () => {
    const session = stack.server.sessions.get(sessionId)!;
    const ufrag = /a=ice-ufrag:(\S+)/.exec(session.pc.remoteDescription?.sdp ?? '')![1]!;
    const fragments = fc.oneof(
      {
        weight: 4,
        arbitrary: mutatedLines(
          FRAGMENTS.map((f) => f.replace('abcd', ufrag)),
          SDP_LINES,
          5,
        ),
      },
      { weight: 1, arbitrary: anyText(600) },
    );
    const request = fc.record({
      body: fragments,
      contentType: fc.constantFrom('application/trickle-ice-sdpfrag', 'text/plain', undefined),
      ifMatch: fc.constantFrom('*', session.etag, '"stale"', undefined),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ body, contentType, ifMatch }) => {
        const before = session.candidates;
        const patch: WhepRequest = { method: 'PATCH', sessionId, contentType, ifMatch, body, token, origin };
        const reply = await timed(() => stack.server.sessions.handle(patch));
        if (reply.status === 204) {
          const parsed = parseTrickle(body, ufrag);
          expect(parsed.ok && session.candidates - before).toBe(parsed.ok && parsed.candidates.length);
        } else {
          expectStableCode(reply.code, REASON_CODES);
          expect(reply.status).toBeLessThan(500);
          expect(session.candidates).toBe(before);
        }
      }),
      runs('trickleLive'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(session.pc.iceTransports[0]!.connection.remoteCandidates.length).toBeLessThanOrEqual(
      session.candidates,
    );
  });
});
