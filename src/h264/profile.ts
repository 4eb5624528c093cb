/**
 * H.264 profiles and levels as SDP speaks of them: the three bytes of `profile-level-id`
 * (RFC 6184 §8.1: profile_idc, the constraint_set flags, level_idc), read from a sequence parameter
 * set (H.264 §7.3.2.1.1) or from an offer's fmtp, and which profile a decoder must support to play
 * a stream. A viewer told a profile other than the one in the bitstream may show black (Safari), so
 * the answer declares what the SPS says. Pure: no I/O, nothing of ours imported.
 */
import { NAL_SPS, nalType } from './nal.ts';

export interface H264Profile {
  profileIdc: number;
  /** constraint_set0..5 flags and the two reserved zero bits, as one byte. */
  constraints: number;
  levelIdc: number;
}

/** The profiles RFC 6184 Table 5 names (and WebRTC stacks negotiate), from least to most capable. */
export const PROFILE_CLASSES = [
  'constrained-baseline',
  'baseline',
  'extended',
  'main',
  'constrained-high',
  'high',
  'high-10',
  'high-422',
  'high-444',
] as const;
export type ProfileClass = (typeof PROFILE_CLASSES)[number];

/** The profile, flags and level of an SPS NAL unit (header byte first, no start code). */
export function spsProfile(sps: Uint8Array): H264Profile | undefined {
  if (sps.length < 4 || nalType(sps) !== NAL_SPS) return undefined;
  // An emulation prevention byte (00 00 03) can only sit after two zero bytes: the constraint byte
  // may be zero, but profile_idc never is, so bytes 1..3 are always the syntax elements themselves.
  const p = { profileIdc: sps[1]!, constraints: sps[2]!, levelIdc: sps[3]! };
  return profileClass(p) ? p : undefined;
}

/** `profile-level-id` as six lower-case hex digits. */
export function profileLevelId(p: H264Profile): string {
  return [p.profileIdc, p.constraints, p.levelIdc].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseProfileLevelId(hex: string): H264Profile | undefined {
  if (!/^[0-9a-f]{6}$/i.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  const p = { profileIdc: n >> 16, constraints: (n >> 8) & 0xff, levelIdc: n & 0xff };
  return profileClass(p) ? p : undefined;
}

const has = (flags: number, mask: number) => (flags & mask) === mask;
const SET0 = 0x80;
const SET1 = 0x40;
const SET4_5 = 0x0c;

/** The profile a stream (or a decoder's offer) belongs to (RFC 6184 Table 5), undefined if none. */
export function profileClass(p: H264Profile): ProfileClass | undefined {
  const c = p.constraints;
  switch (p.profileIdc) {
    case 66:
      return has(c, SET1) ? 'constrained-baseline' : 'baseline';
    case 77:
      return has(c, SET0) ? 'constrained-baseline' : 'main';
    case 88:
      if (has(c, SET0 | SET1)) return 'constrained-baseline';
      return has(c, SET0) ? 'baseline' : 'extended';
    case 100:
      return has(c, SET4_5) ? 'constrained-high' : 'high';
    case 110:
      return 'high-10';
    case 122:
      return 'high-422';
    case 244:
      return 'high-444';
    default:
      return undefined;
  }
}

/**
 * The decoder profiles that play a stream of each profile (H.264 Annex A: constrained baseline is
 * the common subset; main and high decoders take no FMO/ASO, so plain baseline needs its own; the
 * high family nests).
 */
const DECODES: Record<ProfileClass, readonly ProfileClass[]> = {
  'constrained-baseline': PROFILE_CLASSES,
  baseline: ['baseline', 'extended'],
  extended: ['extended'],
  main: ['main', 'high', 'high-10', 'high-422', 'high-444'],
  'constrained-high': ['constrained-high', 'high', 'high-10', 'high-422', 'high-444'],
  high: ['high', 'high-10', 'high-422', 'high-444'],
  'high-10': ['high-10', 'high-422', 'high-444'],
  'high-422': ['high-422', 'high-444'],
  'high-444': ['high-444'],
};

export function canDecode(decoder: ProfileClass, stream: ProfileClass): boolean {
  return DECODES[stream].includes(decoder);
}

/**
 * Of the decoders offered, the one to send `stream` to: the same profile if offered, else the least
 * capable one that plays it; undefined when none does.
 */
export function bestDecoder<T extends { profile: H264Profile }>(
  offered: readonly T[],
  stream: H264Profile,
): T | undefined {
  const want = profileClass(stream);
  if (!want) return undefined;
  const rank = (o: T) => {
    const cls = profileClass(o.profile);
    if (!cls || !canDecode(cls, want)) return Number.POSITIVE_INFINITY;
    return cls === want ? -1 : PROFILE_CLASSES.indexOf(cls);
  };
  const ranked = offered.map((o) => ({ o, r: rank(o) })).filter((x) => Number.isFinite(x.r));
  ranked.sort((a, b) => a.r - b.r);
  return ranked[0]?.o;
}

/**
 * What the answer declares for `stream` sent to `decoder`: the SPS's own bytes when the profiles
 * agree; otherwise the decoder's profile bytes at the stream's level (the stream conforms to that
 * profile too, since the decoder's profile contains it), so a browser that matches answers to
 * offers by profile accepts it.
 */
export function declaredProfile(stream: H264Profile, decoder: H264Profile): H264Profile {
  if (profileClass(stream) === profileClass(decoder)) return stream;
  return { profileIdc: decoder.profileIdc, constraints: decoder.constraints, levelIdc: stream.levelIdc };
}

/** The SPS of an access unit's NAL units, if it carries one. */
export function findSps(nals: readonly Uint8Array[]): Uint8Array | undefined {
  return nals.find((n) => nalType(n) === NAL_SPS);
}
