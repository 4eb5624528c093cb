/**
 * Fuzzing the SDP offer guard and the trickle fragment parser (issue 13, item 15): mutations of
 * every committed offer (valid and invalid) and of trickle fragments, and text from nowhere. The
 * guard either refuses with an SDP code or hands on one receive-only H.264 video section that says
 * nothing about the viewer sending, simulcast or mDNS; the parser either refuses with a stable code
 * or yields at most what it was given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardOffer, SDP_REJECT_CODES } from '../../src/stream/sdpGuard.ts';
import { parseTrickle, TRICKLE_REJECT_CODES } from '../../src/stream/sdpLines.ts';
import { anyText, expectStableCode, mutatedLines, refusedWith, runs, timed } from './budget.ts';
import { FRAGMENTS, OFFERS, SDP_LINES } from './sdpInputs.ts';

describe('the offer guard under fuzzing', () => {
  it('refuses_with_an_sdp_code_or_hands_werift_one_receive_only_h264_section', async () => {
    const offers = fc.oneof(
      { weight: 4, arbitrary: mutatedLines(OFFERS, SDP_LINES, 8) },
      { weight: 1, arbitrary: anyText(3000) },
      { weight: 1, arbitrary: fc.array(SDP_LINES, { maxLength: 40 }).map((l) => ['v=0', ...l].join('\r\n')) },
    );
    await fc.assert(
      fc.asyncProperty(offers, fc.integer({ min: 1, max: 30 }), async (sdp, cap) => {
        const guarded = await timed(() => refusedWith(() => guardOffer(sdp, cap), SDP_REJECT_CODES));
        if (guarded === undefined) return;
        const { sdp: out, videoMid, candidates } = guarded as ReturnType<typeof guardOffer>;
        const lines = out.split('\r\n');
        expect(lines.filter((l) => l.startsWith('m='))).toEqual([expect.stringMatching(/^m=video /)]);
        expect(lines).toContain('a=recvonly');
        expect(
          lines.filter((l) => /^a=(sendrecv|sendonly|inactive|ssrc|msid:|rid|simulcast)/.test(l)),
        ).toEqual([]);
        expect(lines.filter((l) => /^a=candidate:.*\.local /i.test(l))).toEqual([]);
        expect(lines.filter((l) => l.startsWith('a=candidate:')).length).toBe(candidates);
        expect(candidates).toBeLessThanOrEqual(cap);
        for (const group of lines.filter((l) => l.startsWith('a=group:BUNDLE'))) {
          expect(group).toBe(`a=group:BUNDLE ${videoMid}`);
        }
      }),
      runs('offer'),
    );
  });
});

describe('trickle fragments under fuzzing', () => {
  it('refuses_with_a_stable_code_or_yields_only_candidates_it_was_given', async () => {
    const fragments = fc.oneof(
      { weight: 4, arbitrary: mutatedLines(FRAGMENTS, SDP_LINES, 6) },
      { weight: 1, arbitrary: anyText(2000) },
    );
    await fc.assert(
      fc.asyncProperty(fragments, fc.constantFrom('abcd', 'other', undefined), async (body, ufrag) => {
        const parsed = await timed(() => parseTrickle(body, ufrag));
        if (!parsed.ok) return expectStableCode(parsed.code, TRICKLE_REJECT_CODES);
        const given = body.split(/\r?\n/);
        for (const c of parsed.candidates) expect(given).toContain(`a=${c}`);
        expect(parsed.candidates.filter((c) => /\.local /i.test(c))).toEqual([]);
      }),
      runs('trickle'),
    );
  });
});
