/**
 * The MPEG-1 fallback through the centre. Nothing can connect to a device in a home, so for a
 * viewer on the centre's page the device dials out: after access control admitted the relayed
 * request (fallbackService.ts: the same gate, audit and cut), it opens a WebSocket to the centre
 * instance's `mediaUrl` with its own client certificate (the broker's CA, the identity the broker
 * knows it by) and presents the one-time ticket; the centre pairs it with the viewer's socket that
 * presents the same ticket, and says `start`. Only then does the picture flow. The centre decides
 * nothing and keeps nothing: a ticket it does not pair is simply never started, and the device's
 * ticket timer ends the session.
 */
import { WebSocket } from 'ws';
import type { Logger } from '../camera/index.ts';
import type { Timers } from '../platform/time.ts';
import { socketOf } from './fallbackRoutes.ts';
import { type FallbackRequest, type FallbackService, TICKET_MS } from './fallbackService.ts';
import { errorReply, type WhepReply } from './whepMessages.ts';

/** The device's client certificate and the CA its centre's server certificate chains to. */
export interface DialTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

export interface FallbackDialDeps {
  fallback: Pick<FallbackService, 'open' | 'connect'>;
  tls: DialTls;
  time: Pick<Timers, 'timeout'>;
  logger: Logger;
}

/** The device's answer to a relayed `fallback` request: admit, then dial `mediaUrl` with the ticket. */
export async function relayFallback(
  deps: FallbackDialDeps,
  request: FallbackRequest & { mediaUrl: string | undefined },
): Promise<WhepReply> {
  if (!request.mediaUrl)
    return errorReply('bad_request', 'a fallback request names where to send the picture');
  const reply = await deps.fallback.open(request);
  if (reply.status !== 201) return reply;
  const { ticket } = JSON.parse(reply.body) as { ticket: string };
  dial(deps, request.mediaUrl, ticket);
  return reply;
}

function dial(deps: FallbackDialDeps, url: string, ticket: string): void {
  const { tls, time, logger } = deps;
  const ws = new WebSocket(url, { ...tls, maxPayload: 64, handshakeTimeout: 5000 });
  const giveUp = time.timeout('fallback-dial', TICKET_MS, () => ws.terminate());
  ws.on('error', (error) => logger.warn({ err: String(error) }, 'fallback dial-out failed'));
  ws.once('close', () => giveUp.cancel());
  ws.once('open', () => ws.send(ticket));
  ws.once('message', (data, isBinary) => {
    giveUp.cancel();
    if (isBinary || String(data) !== 'start' || !deps.fallback.connect(ticket, socketOf(ws))) {
      ws.close(4401, 'ticket_invalid');
      return;
    }
    ws.on('message', () => ws.close(4400, 'viewer_sends'));
  });
}
