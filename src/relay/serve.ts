/**
 * A relayed request, once the relay has checked it, handed to the device's own WHEP service: the
 * same session manager, viewer state and follow-up answers as the device's HTTP routes, with the
 * relay's limits (per staff subject and per device) and its origin audited as `relay`.
 */

import type { PerMinuteLimiter } from '../platform/limiter.ts';
import type { RelayReplyHeader, WhepRelayRequest } from '../protocol/index.ts';
import { RELAY_REPLY_HEADERS } from '../protocol/index.ts';
import { errorReply, staffSubjectOf, type WhepReply, type WhepService } from '../stream/index.ts';
import type { RelayAnswer } from './deviceRelay.ts';

export interface RelayServeDeps {
  whep: Pick<WhepService, 'handle' | 'status' | 'outcome'>;
  /** The viewer page's window state for a token (stream/viewerRoutes.ts). */
  state: (token: string | undefined) => Promise<WhepReply>;
  perStaff: PerMinuteLimiter;
  perDevice: PerMinuteLimiter;
  /**
   * The MPEG-1 fallback (stream/fallbackRoutes.ts: admit, answer a ticket, dial the centre's
   * `mediaUrl`); absent where the device has no client certificate to dial with.
   */
  fallback?: (
    request: Pick<WhepRelayRequest, 'token' | 'mediaUrl'>,
    origin: typeof ORIGIN,
  ) => Promise<WhepReply>;
}

const ORIGIN = { transport: 'relay', remote: 'centre' } as const;

export function relayServe(deps: RelayServeDeps): (request: WhepRelayRequest) => Promise<RelayAnswer> {
  return async (r) => {
    if (!deps.perDevice.take('device') || !deps.perStaff.take(staffSubjectOf(r.token))) {
      return asAnswer(errorReply('rate_limited', 'too many requests; try again shortly'));
    }
    const sessionId = r.sessionId ?? '';
    const followUp = { sessionId, token: r.token, body: r.body, origin: ORIGIN };
    switch (r.route) {
      case 'state':
        return asAnswer(await deps.state(r.token));
      case 'status':
        return asAnswer(await deps.whep.status(followUp));
      case 'outcome':
        return asAnswer(await deps.whep.outcome(followUp));
      case 'fallback':
        if (!deps.fallback) {
          return asAnswer(errorReply('fallback_unavailable', 'this device cannot send the fallback picture'));
        }
        return asAnswer(await deps.fallback(r, ORIGIN));
      default:
        return asAnswer(
          await deps.whep.handle({
            method: r.route === 'offer' ? 'POST' : r.route === 'trickle' ? 'PATCH' : 'DELETE',
            sessionId: r.route === 'offer' ? undefined : sessionId,
            contentType: r.contentType,
            ifMatch: r.ifMatch,
            body: r.body,
            token: r.token,
            origin: ORIGIN,
            ...(r.iceServers ? { iceServers: r.iceServers } : {}),
          }),
        );
    }
  };
}

/** The reply as it crosses the relay: only the headers the centre may pass on, names lower-case. */
export function asAnswer(reply: WhepReply): RelayAnswer {
  const headers: Partial<Record<RelayReplyHeader, string>> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    const key = name.toLowerCase() as RelayReplyHeader;
    if (!RELAY_REPLY_HEADERS.includes(key)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (text !== '') headers[key] = text;
  }
  return { status: reply.status, headers, body: reply.body };
}
