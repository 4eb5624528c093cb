/**
 * A WHEP trickle body (`application/trickle-ice-sdpfrag`, RFC 8840) as the device takes it: the
 * candidates to hand werift and their mid. Lines that are not candidates werift can parse are
 * dropped, and so are mDNS (`.local`) candidates, as in the offer: resolving one would multicast on
 * the resident's LAN. A new ufrag is an ICE restart, which
 * the device does not do: the viewer starts a new session instead.
 */
import type { ReasonCode } from '../reasons.ts';
import { CANDIDATE, MDNS_CANDIDATE } from './sdpLines.ts';

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
