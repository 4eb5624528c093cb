/**
 * Every committed offer, valid and invalid, through the offer guard: each invalid one is refused
 * with its own stable code before werift could see it, each valid one is kept to one video section.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NattsynError } from '../../src/errors.ts';
import { guardOffer } from '../../src/stream/index.ts';
import { offerFixture } from '../fixtures/stream/http.ts';

const REFUSED: Record<string, string> = {
  'invalid/not-sdp': 'sdp_malformed',
  'invalid/malformed-media-line': 'sdp_malformed',
  'invalid/vp8-vp9-only': 'sdp_no_h264',
  'invalid/h264-packetization-mode-0-only': 'sdp_no_h264',
  'chromium-audio-only': 'sdp_no_video',
  'chromium-two-video': 'sdp_multiple_video',
  'chromium-video-sendonly': 'sdp_viewer_sends_media',
  // Firefox ESR without its downloadable H.264 plugin: the fallback's case (issue 8).
  'firefox-esr-video-no-h264': 'sdp_no_h264',
};

const dir = join(import.meta.dirname, '../fixtures/stream/sdp');
const names = [
  ...readdirSync(dir).filter((f) => f.endsWith('.sdp')),
  ...readdirSync(join(dir, 'invalid')).map((f) => `invalid/${f}`),
].map((f) => f.replace(/\.sdp$/, ''));

function verdict(name: string): string {
  try {
    guardOffer(offerFixture(name));
    return 'accepted';
  } catch (error) {
    return error instanceof NattsynError ? error.code : String(error);
  }
}

describe('the committed SDP offers', () => {
  it('has_an_expected_verdict_for_every_invalid_offer_committed', () => {
    const invalid = names.filter((n) => n.startsWith('invalid/'));
    expect(invalid.length).toBeGreaterThanOrEqual(4);
    expect(invalid.filter((n) => !(n in REFUSED))).toEqual([]);
  });

  it.each(Object.entries(REFUSED))('refuses_%s_with_%s', (name, code) => {
    expect(verdict(name)).toBe(code);
  });

  it('accepts_every_other_offer_with_exactly_one_receive_only_video_section', () => {
    for (const name of names.filter((n) => !(n in REFUSED))) {
      const guarded = guardOffer(offerFixture(name));
      expect(guarded.sdp.match(/^m=/gm), name).toHaveLength(1);
      expect(guarded.sdp, name).toContain('a=recvonly');
    }
  });
});
