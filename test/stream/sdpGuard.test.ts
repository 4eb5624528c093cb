import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NattsynError } from '../../src/errors.ts';
import { buildAnswer, guardOffer } from '../../src/stream/index.ts';

const sdp = (name: string) =>
  readFileSync(join(import.meta.dirname, '../fixtures/stream/sdp', `${name}.sdp`), 'utf8');
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof NattsynError ? `${e.status} ${e.code}` : String(e);
  }
  return 'accepted';
};

describe('guardOffer', () => {
  it('keeps only H.264 42e01f packetization-mode 1 and its RTX in a Chromium offer', () => {
    const guarded = guardOffer(sdp('chromium-video'));
    const m = guarded.sdp.split('\r\n').find((l) => l.startsWith('m=video'))!;
    expect(m.split(' ').slice(3)).toEqual([String(guarded.payloadType), expect.any(String)]);
    expect(guarded.sdp).toContain(
      `a=fmtp:${guarded.payloadType} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`,
    );
    expect(guarded.sdp).not.toMatch(/VP8|VP9|AV1|packetization-mode=0|42001f|4d001f/);
    expect(guarded.sdp).toContain('a=recvonly');
    expect(guarded.declined).toEqual([]);
  });

  it('declines audio and data channel sections instead of refusing the offer', () => {
    const withAudio = guardOffer(sdp('chromium-audio-video'));
    expect(withAudio.declined.map((d) => d.kind)).toEqual(['audio']);
    expect(withAudio.sdp).not.toContain('m=audio');
    expect(withAudio.sdp).not.toMatch(/opus/i);
    const withData = guardOffer(sdp('chromium-video-datachannel'));
    expect(withData.declined.map((d) => d.kind)).toEqual(['application']);
    expect(withData.sdp).not.toContain('m=application');
    expect(withData.sdp).toMatch(/a=group:BUNDLE 0\r\n/);
  });

  it('picks packetization-mode 1 from a Firefox-style offer (fmtp before rtpmap, pm 0 without the key)', () => {
    const guarded = guardOffer(sdp('firefox-like-audio-video'));
    expect(guarded.payloadType).toBe(126);
    expect(guarded.sdp).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 126 127$/m);
    expect(guarded.declined).toMatchObject([{ index: 0, kind: 'audio', mid: '0', format: '109' }]);
    expect(guarded.sdp).toMatch(/a=group:BUNDLE 1\r\n/);
  });

  it('refuses offers without exactly one usable H.264 video section, with a reason code', () => {
    expect(codeOf(() => guardOffer(sdp('chromium-audio-only')))).toBe('422 sdp_no_video');
    expect(codeOf(() => guardOffer(sdp('chromium-two-video')))).toBe('422 sdp_multiple_video');
    expect(codeOf(() => guardOffer(sdp('chromium-video-sendonly')))).toBe('422 sdp_viewer_sends_media');
    const vp8Only = sdp('chromium-video').replace(/H264/g, 'H265');
    expect(codeOf(() => guardOffer(vp8Only))).toBe('422 sdp_no_h264');
    expect(codeOf(() => guardOffer('hello'))).toBe('422 sdp_malformed');
    expect(codeOf(() => guardOffer('v=0\r\nm=video x\r\n'))).toBe('422 sdp_malformed');
  });

  it("strips the viewer's own send track from a sendrecv video section", () => {
    const sendrecv = sdp('chromium-video')
      .replace('a=recvonly', 'a=sendrecv')
      .replace('a=rtcp-mux', 'a=rtcp-mux\r\na=msid:s t\r\na=ssrc:1234 cname:x');
    const guarded = guardOffer(sendrecv);
    expect(guarded.sdp).not.toMatch(/a=ssrc|a=msid:|a=sendrecv/);
    expect(guarded.sdp).toContain('a=recvonly');
  });

  it('drops mdns candidates from the offer and keeps address candidates', () => {
    const mdns = 'a=candidate:1 1 udp 2122260223 3f1c0d4e-7b2a-4c1d-9e8f-0a1b2c3d4e5f.local 54321 typ host';
    const host = 'a=candidate:2 1 udp 2122260223 192.0.2.7 54322 typ host';
    const offer = sdp('chromium-video').replace('a=rtcp-mux', `a=rtcp-mux\r\n${mdns}\r\n${host}`);
    const guarded = guardOffer(offer);
    expect(guarded.sdp).not.toMatch(/\.local/);
    expect(guarded.sdp).toContain(host);
  });

  it('strips_simulcast_rids_so_the_device_never_offers_to_receive_layers', () => {
    const simulcast = sdp('chromium-video').replace(
      'a=mid:0',
      'a=mid:0\r\na=rid:hi send\r\na=rid:lo send\r\na=simulcast:send hi;lo',
    );
    const guarded = guardOffer(simulcast);
    expect(guarded.sdp).not.toMatch(/a=rid|a=simulcast/);
  });

  it('drops_lines_werift_cannot_parse_and_session_lines_that_speak_for_the_video_section', () => {
    // Each found by the fuzzing run (test/fuzz): werift threw on the first two, the rest passed through.
    const offer = sdp('chromium-video')
      .replace('a=extmap-allow-mixed', 'a=extmap-allow-mixed\r\na=sendrecv\r\na=msid:s t')
      .replace('a=mid:0', 'a=mid:0\r\na=rtcp\r\na=rtcp-fb\r\na=candidate:\r\na=group:BUNDLE');
    const lines = guardOffer(offer).sdp.split('\r\n');
    expect(lines.filter((l) => /^a=(rtcp|rtcp-fb|candidate:|sendrecv|msid:s|group:BUNDLE)$/.test(l))).toEqual(
      [],
    );
    expect(lines.filter((l) => l.startsWith('a=group:'))).toEqual(['a=group:BUNDLE 0']);
  });

  it('answers_422_for_a_video_section_without_a_mid_that_a_bundle_group_could_name', () => {
    const noMid = sdp('chromium-video').replace(/a=mid:0\r?\n/, '');
    expect(codeOf(() => guardOffer(noMid))).toBe('422 sdp_malformed');
    expect(codeOf(() => guardOffer(noMid.replace(/a=group:BUNDLE 0/, 'a=group:BUNDLE')))).toBe(
      '422 sdp_malformed',
    );
    expect(codeOf(() => guardOffer(sdp('chromium-video').replace('a=mid:0', 'a=mid:')))).toBe(
      '422 sdp_malformed',
    );
  });
});

describe('buildAnswer', () => {
  it('puts declined sections back in their places with port 0 and forces sendonly video', () => {
    const offer = sdp('chromium-audio-video')
      .replace('m=video', 'm=video')
      .replace(/a=mid:1/, 'a=mid:1');
    const guarded = guardOffer(offer);
    const weriftAnswer = [
      'v=0',
      'o=- 1 0 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'a=group:BUNDLE 1',
      `m=video 9 UDP/TLS/RTP/SAVPF ${guarded.payloadType}`,
      'c=IN IP4 0.0.0.0',
      'a=mid:1',
      'a=recvonly',
      '',
    ].join('\r\n');
    const answer = buildAnswer(weriftAnswer, guarded);
    const mLines = answer.split('\r\n').filter((l) => l.startsWith('m='));
    expect(mLines[0]).toMatch(/^m=audio 0 UDP\/TLS\/RTP\/SAVPF \d+$/);
    expect(mLines[1]).toMatch(/^m=video 9 /);
    expect(answer).toContain('a=sendonly');
    expect(answer).not.toContain('a=recvonly');
  });

  it('refuses a peer answer that is not exactly one video section', () => {
    const guarded = guardOffer(sdp('chromium-video'));
    expect(codeOf(() => buildAnswer('v=0\r\nm=audio 9 RTP/AVP 0\r\n', guarded))).toBe('500 internal');
  });
});

describe('candidate grammar', () => {
  it('keeps_the_candidates_browsers_send_with_all_their_extensions', () => {
    const browserCandidates = [
      'candidate:1467250027 1 udp 2122260223 192.0.2.2 46243 typ host generation 0 network-id 1 network-cost 10',
      'candidate:842163049 1 udp 1677729535 203.0.113.9 46243 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag ndQB network-id 1 network-cost 10',
      'candidate:2 1 TCP 2105458943 198.51.100.4 9 typ host tcptype active',
      'candidate:3 1 udp 41885439 100.64.0.7 3478 typ relay raddr 203.0.113.9 rport 46243 generation 0',
    ];
    const offer = sdp('chromium-video').replace(
      'a=mid:0',
      ['a=mid:0', ...browserCandidates.map((c) => `a=${c}`)].join('\r\n'),
    );
    const guarded = guardOffer(offer);
    expect(guarded.candidates).toBe(4);
    for (const c of browserCandidates) expect(guarded.sdp).toContain(`a=${c}\r\n`);
  });
});
