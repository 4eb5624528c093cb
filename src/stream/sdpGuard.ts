/**
 * The offer guard: runs on the viewer's SDP before werift sees it (docs/architecture.md, promise 1).
 * Exactly one usable video section must be there; audio, data channels and anything else are
 * declined (the answer carries them with port 0, see answer.ts); the viewer's own send track is
 * stripped and the video section is made `recvonly`, so werift never sets up a receiver. Of the
 * H.264 formats with packetization-mode 1, only the one whose profile plays the camera's stream (its
 * SPS, src/h264/profile.ts) is kept, with its RTX: werift sends with the first H.264 rtpmap of the
 * offer, and the answer must declare what the camera sends (answer.ts writes the declared fmtp).
 * mDNS (`.local`) candidates are dropped, as on the trickle path: werift would resolve them by
 * multicasting on the resident's LAN from a socket bound to 0.0.0.0:5353 (issue 13, item 2); the
 * viewer's connectivity checks reveal its address anyway.
 */
import { NattsynError } from '../errors.ts';
import {
  bestDecoder,
  declaredProfile,
  type H264Profile,
  parseProfileLevelId,
  profileLevelId,
} from '../h264/index.ts';
import type { ReasonCode } from '../reasons.ts';
import { CANDIDATE, MDNS_CANDIDATE, MEDIA_LINE, MID, SESSION_LINE } from './sdpLines.ts';

export { MDNS_CANDIDATE } from './sdpLines.ts';

export const SDP_REJECT_CODES = [
  'sdp_malformed',
  'sdp_no_video',
  'sdp_multiple_video',
  'sdp_no_h264',
  'sdp_h264_profile_unsupported',
  'sdp_viewer_sends_media',
] as const satisfies readonly ReasonCode[];
export type SdpRejectCode = (typeof SDP_REJECT_CODES)[number];

export interface DeclinedSection {
  index: number;
  kind: string;
  proto: string;
  format: string;
  mid: string | undefined;
}

export interface GuardedOffer {
  /** Session part plus the one video section, ready for werift. */
  sdp: string;
  videoIndex: number;
  videoMid: string | undefined;
  declined: DeclinedSection[];
  payloadType: number;
  /** The kept format's `profile-level-id` as offered (werift matches its codec on it). */
  offeredProfileLevelId: string;
  /** The fmtp the answer declares: the stream's profile and level (RFC 6184 §8.1, §8.2.2). */
  answerFmtp: string;
  /** Remote candidates kept in the offer (werift gets these before any trickle). */
  candidates: number;
}

/** The default cap of remote candidates kept from an offer (config: `stream.maxCandidatesPerSession`). */
export const MAX_OFFER_CANDIDATES = 24;

/** What the offer guard assumes before the camera's SPS is known: libx264 `-profile baseline`. */
export const DEFAULT_STREAM_PROFILE: H264Profile = { profileIdc: 0x42, constraints: 0xe0, levelIdc: 0x1f };

export const answerFmtpFor = (p: H264Profile) =>
  `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId(p)}`;

interface Section {
  kind: string;
  port: string;
  proto: string;
  formats: string[];
  lines: string[];
}

const reject = (code: SdpRejectCode, message: string) => new NattsynError(code, message);

export function splitSdp(sdp: string): { session: string[]; sections: Section[] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') throw reject('sdp_malformed', 'the offer is not an SDP session description');
  const session: string[] = [];
  const sections: Section[] = [];
  for (const line of lines) {
    const m = /^m=(\S+) (\d+)(?:\/\d+)? (\S+) ?(.*)$/.exec(line);
    if (m)
      sections.push({
        kind: m[1]!,
        port: m[2]!,
        proto: m[3]!,
        formats: m[4]!.split(' ').filter(Boolean),
        lines: [],
      });
    else if (line.startsWith('m=')) throw reject('sdp_malformed', 'the offer has a malformed media line');
    else (sections.at(-1)?.lines ?? session).push(line);
  }
  return { session, sections };
}

const attr = (lines: readonly string[], name: string) =>
  lines.find((l) => l.startsWith(`a=${name}:`))?.slice(name.length + 3);

export interface H264Format {
  payloadType: string;
  rtx: string | undefined;
  profile: H264Profile;
  profileLevelId: string;
}

/**
 * The H.264 formats of a section with packetization-mode 1, each with its RTX. A format without
 * `profile-level-id` is 420010, baseline level 1.0 (RFC 6184 §8.1 default).
 */
export function h264Formats(lines: readonly string[]): H264Format[] {
  const rtpmap = new Map<string, string>();
  const fmtp = new Map<string, string>();
  for (const l of lines) {
    const r = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(l);
    if (r) rtpmap.set(r[1]!, `${r[2]!.toLowerCase()}/${r[3]}`);
    const f = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (f) fmtp.set(f[1]!, f[2]!.toLowerCase());
  }
  const formats: H264Format[] = [];
  for (const [pt, codec] of rtpmap) {
    const params = fmtp.get(pt) ?? '';
    if (codec !== 'h264/90000' || !/(^|;)\s*packetization-mode=1(;|$)/.test(params)) continue;
    const id = /profile-level-id=([0-9a-f]{6})/.exec(params)?.[1] ?? '420010';
    const profile = parseProfileLevelId(id);
    if (!profile) continue;
    const rtx = [...rtpmap].find(([p, c]) => c === 'rtx/90000' && fmtp.get(p) === `apt=${pt}`)?.[0];
    formats.push({ payloadType: pt, rtx, profile, profileLevelId: id });
  }
  return formats;
}

const PT_LINE = /^a=(rtpmap|fmtp|rtcp-fb):(\d+|\*)[ ]/;
/**
 * The viewer's own send side, and simulcast (RFC 8853 `a=rid` / `a=simulcast`): werift would answer
 * simulcast as something the device receives, next to `a=sendonly` (issue 13, item 7). A group
 * belongs to the session part only (RFC 5888), never inside the section.
 */
const SEND_LINES = /^a=(ssrc|ssrc-group|msid|sendrecv|sendonly|recvonly|inactive|rid|simulcast|group)(:|$)/;
function guardVideo(section: Section, maxCandidates: number, stream: H264Profile) {
  const direction =
    section.lines.find((l) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l)) ?? 'a=sendrecv';
  if (direction === 'a=sendonly' || direction === 'a=inactive') {
    throw reject('sdp_viewer_sends_media', 'the video section must let the viewer receive, never send');
  }
  const formats = h264Formats(section.lines);
  if (formats.length === 0) throw reject('sdp_no_h264', 'the offer has no H.264 with packetization-mode 1');
  const picked = bestDecoder(formats, stream);
  if (!picked) {
    const message = `the offer has no H.264 profile that plays the camera's ${profileLevelId(stream)}`;
    throw reject('sdp_h264_profile_unsupported', message);
  }
  const keep = new Set([picked.payloadType, ...(picked.rtx ? [picked.rtx] : [])]);
  let candidates = 0;
  const lines = section.lines.filter((l) => {
    const pt = PT_LINE.exec(l)?.[2];
    if (pt !== undefined && pt !== '*' && !keep.has(pt)) return false;
    if (CANDIDATE.test(l) && !MDNS_CANDIDATE.test(l)) return ++candidates <= maxCandidates;
    return MEDIA_LINE.test(l) && !SEND_LINES.test(l);
  });
  const m = `m=video ${section.port} ${section.proto} ${[...keep].join(' ')}`;
  return {
    lines: [m, ...lines, 'a=recvonly'],
    payloadType: Number(picked.payloadType),
    offeredProfileLevelId: picked.profileLevelId,
    answerFmtp: answerFmtpFor(declaredProfile(stream, picked.profile)),
    candidates: Math.min(candidates, maxCandidates),
  };
}

/**
 * `maxCandidates`: remote candidates kept, in offered order; the rest are dropped (item 6).
 * `stream`: the camera's profile and level from its SPS (the default until one has been seen).
 */
export function guardOffer(
  sdp: string,
  maxCandidates = MAX_OFFER_CANDIDATES,
  stream: H264Profile = DEFAULT_STREAM_PROFILE,
): GuardedOffer {
  const { session, sections } = splitSdp(sdp);
  const videos = sections.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'video' && s.port !== '0');
  if (videos.length === 0) throw reject('sdp_no_video', 'the offer has no video section');
  if (videos.length > 1) throw reject('sdp_multiple_video', 'the offer has more than one video section');
  const { s: video, i: videoIndex } = videos[0]!;
  const guarded = guardVideo(video, maxCandidates, stream);
  const videoMid = attr(video.lines, 'mid');
  // werift cannot bundle a section it cannot name: without this the viewer got a 500.
  if (videoMid === undefined || !MID.test(videoMid)) {
    throw reject('sdp_malformed', 'the video section has no valid a=mid');
  }
  const declined = sections
    .map((s, index) => ({ s, index }))
    .filter(({ index }) => index !== videoIndex)
    .map(({ s, index }) => ({
      index,
      kind: s.kind,
      proto: s.proto,
      format: s.formats[0] ?? '0',
      mid: attr(s.lines, 'mid'),
    }));
  const sessionLines = session
    .filter((l) => SESSION_LINE.test(l))
    .map((l) => (l.startsWith('a=group:BUNDLE') ? `a=group:BUNDLE ${videoMid}` : l));
  return {
    sdp: `${[...sessionLines, ...guarded.lines].join('\r\n')}\r\n`,
    videoIndex,
    videoMid,
    declined,
    payloadType: guarded.payloadType,
    offeredProfileLevelId: guarded.offeredProfileLevelId,
    answerFmtp: guarded.answerFmtp,
    candidates: guarded.candidates,
  };
}
