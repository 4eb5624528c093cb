/**
 * Fuzzing what the offer guard lets through against werift itself (issue 13, item 15): whatever the
 * guard accepts, werift answers (a guard that lets werift throw turns a bad offer into a 500), and
 * the answer the viewer gets is send-only video with every other section declined.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAnswer } from '../../src/stream/answer.ts';
import { streamConfigSchema } from '../../src/stream/config.ts';
import { answerOffer } from '../../src/stream/peer.ts';
import { type GuardedOffer, guardOffer } from '../../src/stream/sdpGuard.ts';
import { mutatedLines, runs } from './budget.ts';
import { OFFERS, SDP_LINES } from './sdpInputs.ts';

const config = streamConfigSchema.parse({ ice: { hostAddresses: ['127.0.0.1'] } });

function accepted(sdp: string): GuardedOffer | undefined {
  try {
    return guardOffer(sdp);
  } catch {
    return undefined;
  }
}

describe('offers the guard accepts, answered by werift', () => {
  it('are_always_answered_send_only_by_werift', async () => {
    const offers = mutatedLines(OFFERS, SDP_LINES, 4).filter((sdp) => accepted(sdp) !== undefined);
    await fc.assert(
      fc.asyncProperty(offers, async (sdp) => {
        const guarded = accepted(sdp)!;
        const peer = await answerOffer(guarded, config, undefined, [], 2000);
        try {
          const answer = buildAnswer(peer.answer, guarded);
          const video = answer.split('\r\n').filter((l) => l.startsWith('m=') && !/^m=\S+ 0 /.test(l));
          expect(video).toEqual([expect.stringMatching(/^m=video /)]);
          expect(answer).toContain('a=sendonly');
          expect(answer).not.toMatch(/a=(recvonly|sendrecv)\r\n|a=rid|a=simulcast/);
        } finally {
          await peer.pc.close();
        }
      }),
      runs('offerThroughWerift'),
    );
  });
});
