/**
 * Issue 13, item 6: remote ICE candidates are capped per session and across live sessions, offer
 * and trickle together. werift pairs each with every local candidate, so an unbounded trickle stalls
 * every viewer; past a cap a PATCH answers 429 and werift is left exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhepRequest } from '../../src/stream/index.ts';
import { offerFixture } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const origin = { transport: 'http', remote: '127.0.0.1' } as const;
const candidate = (i: number) => `a=candidate:${i} 1 udp 2122260223 192.0.2.${i} ${50000 + i} typ host`;
const fragment = (from: number, count: number) =>
  ['a=mid:0', ...Array.from({ length: count }, (_, i) => candidate(from + i)), ''].join('\r\n');

describe('trickle candidate caps', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      window: 'open',
      maxViewers: 2,
      stream: { maxCandidatesPerSession: 4, maxCandidatesTotal: 6 },
    });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(() => stack.stop());

  async function open(offer = offerFixture('chromium-video')) {
    const token = await stack.token();
    const reply = await stack.server.sessions.handle({
      method: 'POST',
      contentType: 'application/sdp',
      body: offer,
      token,
      origin,
    });
    expect(reply.status).toBe(201);
    const sessionId = String(reply.headers.Location).split('/').pop()!;
    const patch = (body: string) =>
      stack.server.sessions.handle({
        method: 'PATCH',
        sessionId,
        contentType: 'application/trickle-ice-sdpfrag',
        ifMatch: '*',
        body,
        token,
        origin,
      } satisfies WhepRequest);
    const remote = () =>
      stack.server.sessions.get(sessionId)!.pc.iceTransports[0]!.connection.remoteCandidates;
    const end = () => stack.server.sessions.handle({ method: 'DELETE', sessionId, body: '', token, origin });
    return { patch, remote, end };
  }

  it('answers_429_past_the_per_session_cap_and_hands_werift_nothing_of_the_refused_fragment', async () => {
    const s = await open();
    expect((await s.patch(fragment(1, 3))).status).toBe(204);
    const refused = await s.patch(fragment(4, 2));
    expect([refused.status, refused.code]).toEqual([429, 'too_many_candidates']);
    expect((await s.patch(fragment(4, 1))).status).toBe(204);
    expect((await s.patch(fragment(5, 1))).status).toBe(429);
    await expect.poll(() => s.remote().length).toBe(4);
    await s.end();
  });

  it('answers_429_past_the_cap_across_live_sessions', async () => {
    const a = await open();
    const b = await open();
    expect((await a.patch(fragment(1, 4))).status).toBe(204);
    expect((await b.patch(fragment(11, 2))).status).toBe(204);
    expect((await b.patch(fragment(13, 1))).code).toBe('too_many_candidates');
    await a.end();
    expect((await b.patch(fragment(13, 2))).status).toBe(204);
    await b.end();
  });

  it('keeps_only_the_capped_number_of_candidates_from_an_offer_and_counts_them', async () => {
    const many = Array.from({ length: 10 }, (_, i) => candidate(i + 1)).join('\r\n');
    const offer = offerFixture('chromium-video').replace('a=mid:0', `a=mid:0\r\n${many}`);
    const s = await open(offer);
    await expect.poll(() => s.remote().length).toBe(4);
    expect((await s.patch(fragment(20, 1))).status).toBe(429);
    await s.end();
  });
});
