/**
 * The shape of every SDP line the offer guard lets werift see (an allowlist, issue 13, item 15):
 * werift parses lines by splitting them and throws on one that lacks its value (`a=rtcp`), which
 * a viewer would meet as a 500. Anything not listed here is dropped; the guard then refuses what is
 * left if it is not one receive-only H.264 section. A trickle body's candidates (below) are held to
 * the same shapes.
 */
import type { ReasonCode } from '../reasons.ts';

/** The session part: no default direction, send track, candidate or simulcast may stand here. */
export const SESSION_LINE = new RegExp(
  [
    '^(v=0',
    'o=\\S+ \\d{1,20} \\d{1,20} IN IP[46] \\S+',
    's=.{0,256}',
    't=\\d{1,20} \\d{1,20}',
    'c=IN IP[46] [0-9A-Fa-f.:]{1,64}',
    'a=group:BUNDLE( \\S+)*',
    'a=ice-ufrag:[A-Za-z0-9+/]{4,256}',
    'a=ice-pwd:[A-Za-z0-9+/]{22,256}',
    'a=ice-options:[A-Za-z0-9 -]{1,128}',
    'a=ice-lite',
    'a=fingerprint:[A-Za-z0-9-]{1,16} [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}',
    'a=setup:(actpass|active|passive)',
    'a=extmap-allow-mixed',
    'a=msid-semantic: ?WMS.{0,64})$',
  ].join('|'),
);

/** RFC 8839 §5.1: foundation, component, transport, priority, address, port, `typ`, type, then extensions. */
export const CANDIDATE =
  /^(a=)?candidate:[A-Za-z0-9+/]{1,32} \d{1,3} (udp|tcp|UDP|TCP) \d{1,10} [A-Za-z0-9.:-]{1,255} \d{1,5} typ (host|srflx|prflx|relay)( [A-Za-z0-9.:/+-]{1,255}){0,16}$/;

/** A candidate whose connection address (the fifth field) is an mDNS name. */
export const MDNS_CANDIDATE = /^(a=)?candidate:(\S+ ){4}\S+\.local /i;

/** The video section's own lines (its payload types are filtered by the guard). */
export const MEDIA_LINE = new RegExp(
  [
    '^(c=IN IP[46] [0-9A-Fa-f.:]{1,64}',
    'b=(AS|TIAS|CT):\\d{1,10}',
    'a=rtcp:\\d{1,5}( IN IP[46] [0-9A-Fa-f.:]{1,64})?',
    'a=ice-ufrag:[A-Za-z0-9+/]{4,256}',
    'a=ice-pwd:[A-Za-z0-9+/]{22,256}',
    'a=ice-options:[A-Za-z0-9 -]{1,128}',
    'a=fingerprint:[A-Za-z0-9-]{1,16} [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}',
    'a=setup:(actpass|active|passive)',
    'a=mid:\\S{1,32}',
    'a=extmap:\\d{1,5}(/(sendrecv|sendonly|recvonly|inactive))? [A-Za-z0-9:/._-]{1,256}',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:\\d{1,3} [A-Za-z0-9.-]{1,32}/\\d{1,6}(/\\d{1,2})?',
    'a=fmtp:\\d{1,3} [ -~]{1,512}',
    'a=rtcp-fb:(\\d{1,3}|\\*) [A-Za-z0-9-]{1,32}( [A-Za-z0-9-]{1,32})?',
    'a=end-of-candidates',
    'a=(sendrecv|sendonly|recvonly|inactive))$',
  ].join('|'),
);

/** An RFC 5888 identification tag: what a BUNDLE group names (JSEP: every section has one). */
export const MID = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;

/**
 * A WHEP trickle body (`application/trickle-ice-sdpfrag`, RFC 8840) as the device takes it: the
 * candidates to hand werift and their mid. Lines that are not candidates werift can parse are
 * dropped, and so are mDNS (`.local`) candidates, as in the offer: resolving one would multicast on
 * the resident's LAN. A new ufrag is an ICE restart, which
 * the device does not do: the viewer starts a new session instead.
 */
export const TRICKLE_REJECT_CODES = ['ice_restart_unsupported'] as const satisfies readonly ReasonCode[];

export type TrickleFragment =
  | { ok: true; mid: string | undefined; candidates: string[] }
  | { ok: false; code: (typeof TRICKLE_REJECT_CODES)[number]; message: string };

/** `remoteUfrag`: the ufrag of the session's offer. */
export function parseTrickle(body: string, remoteUfrag: string | undefined): TrickleFragment {
  const lines = body.split(/\r?\n/);
  const ufrag = lines
    .find((l) => l.startsWith('a=ice-ufrag:'))
    ?.slice(12)
    .trim();
  if (ufrag !== undefined && remoteUfrag !== undefined && ufrag !== remoteUfrag) {
    return {
      ok: false,
      code: 'ice_restart_unsupported',
      message: 'ICE restart is not supported; start a new session',
    };
  }
  const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6);
  const candidates = lines.filter((l) => CANDIDATE.test(l) && !MDNS_CANDIDATE.test(l)).map((l) => l.slice(2));
  return { ok: true, mid, candidates };
}
