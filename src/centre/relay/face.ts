/**
 * One face of the centre's WHEP relay: `POST <prefix>/whep` and, on the session URL it returns,
 * `PATCH` (trickle), `DELETE` (end), `GET` (status: live, or why it ended) and `POST …/outcome`
 * (what the staff member saw). Two faces share this code: `/d/<deviceId>` passes a viewer's own
 * Bearer token through; `/round/look/<deviceId>` re-mints the token of a look from its handle, so
 * the browser never holds one. Either way the device's answer becomes the HTTP response, and TURN
 * credentials go to the browser only in an answer the device gave after accepting the token.
 * Where the centre runs the MPEG-1 fallback, `POST <prefix>/fallback` asks the device for the same
 * look over the fallback (route `fallback`, with the URL it dials out to) and answers its one-time
 * ticket, its session URL signed like WHEP's so status, end and outcome work alike.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { decodeJwt } from 'jose';
import { NattsynError } from '../../errors.ts';
import { lookOutcomeSchema, TOPIC_ID, type WhepRelayResponse } from '../../protocol/index.ts';
import { iceServerLinks, sendError } from '../http.ts';
import type { RelayCall, WhepRelayClient } from './relayClient.ts';
import type { SessionUrls } from './sessionUrl.ts';
import type { TurnMinter } from './turn.ts';

export interface RelayRouteDeps {
  relay: Pick<WhepRelayClient, 'request'>;
  sessionUrls: SessionUrls;
  turn: TurnMinter | undefined;
  randomId: () => string;
  rateLimitPerMinute: number;
  /** The device-facing wss URL of this instance's fallback listener, when it runs one. */
  fallbackMediaUrl?: string;
}

/**
 * Where a face finds the staff token of a request. `late` marks a status or outcome request, which
 * may come after the look ended at its token's expiry.
 */
export type TokenSource = (
  request: FastifyRequest,
  deviceId: string,
  late: boolean,
) => Promise<string | undefined>;

export interface RelayFace {
  /** Route prefix holding `:deviceId`, e.g. `/d/:deviceId`. */
  prefix: string;
  token: TokenSource;
  /** Guards run before any relaying (sign-in, roster). */
  preHandler: preHandlerHookHandler[];
  /** Requests the per-address limit lets through: the round's signed-in ones meet a per-staff one. */
  exempt?: (request: FastifyRequest) => Promise<boolean>;
}

type DeviceParams = { Params: { deviceId: string } };
type SessionParams = { Params: { deviceId: string; handle: string } };
type SessionRoute = 'trickle' | 'end' | 'status' | 'outcome';

export function registerRelayFace(app: FastifyInstance, deps: RelayRouteDeps, face: RelayFace): void {
  const rateLimit = { max: deps.rateLimitPerMinute, timeWindow: 60_000 };
  const options = {
    preHandler: face.preHandler,
    config: { rateLimit: face.exempt ? { ...rateLimit, allowList: face.exempt } : rateLimit },
  };
  const base = (deviceId: string) => face.prefix.replace(':deviceId', deviceId);
  const sessionUrl = (deviceId: string, answer: WhepRelayResponse) => {
    const handle = deps.sessionUrls.handleFor(deviceId, answer.headers.location);
    if (!handle) throw new NattsynError('device_bad_reply', 'the device sent a malformed answer');
    return `${base(deviceId)}/whep/${handle}`;
  };

  app.post<DeviceParams>(`${face.prefix}/whep`, options, async (request, reply) => {
    const deviceId = deviceOf(request);
    const token = await face.token(request, deviceId, false);
    const iceServers = deps.turn ? [deps.turn.mint(deps.randomId(), tokenExpiry(token))] : [];
    const answer = await deps.relay.request({
      deviceId,
      route: 'offer',
      contentType: header(request, 'content-type'),
      body: String(request.body ?? ''),
      token,
      iceServers,
    });
    if (answer.status !== 201) return relayed(reply, answer);
    const location = sessionUrl(deviceId, answer);
    const links = iceServerLinks(iceServers);
    if (links.length > 0) reply.header('Link', links);
    return relayed(reply.header('Location', location), answer, ['location', 'link']);
  });

  const mediaUrl = deps.fallbackMediaUrl;
  if (mediaUrl !== undefined) {
    app.post<DeviceParams>(`${face.prefix}/fallback`, options, async (request, reply) => {
      const deviceId = deviceOf(request);
      const token = await face.token(request, deviceId, false);
      const answer = await deps.relay.request({ deviceId, route: 'fallback', body: '', token, mediaUrl });
      if (answer.status !== 201) return relayed(reply, answer);
      const location = sessionUrl(deviceId, answer);
      return relayed(reply.header('Location', location), answer, ['location', 'link']);
    });
  }

  const onSession =
    (route: SessionRoute) => async (request: FastifyRequest<SessionParams>, reply: FastifyReply) => {
      const deviceId = deviceOf(request);
      const sessionId = deps.sessionUrls.open(deviceId, request.params.handle);
      if (sessionId === undefined) return sendError(reply, 404, 'not_found', 'no such session');
      const late = route === 'status' || route === 'outcome';
      const call: RelayCall = {
        deviceId,
        route,
        sessionId,
        body: bodyOf(route, request),
        token: await face.token(request, deviceId, late),
      };
      const contentType = route === 'outcome' ? 'application/json' : header(request, 'content-type');
      const ifMatch = header(request, 'if-match');
      if (contentType !== undefined && route !== 'end' && route !== 'status') call.contentType = contentType;
      if (ifMatch !== undefined) call.ifMatch = ifMatch;
      return relayed(reply, await deps.relay.request(call), ['location', 'link']);
    };
  app.patch<SessionParams>(`${face.prefix}/whep/:handle`, options, onSession('trickle'));
  app.delete<SessionParams>(`${face.prefix}/whep/:handle`, options, onSession('end'));
  app.get<SessionParams>(`${face.prefix}/whep/:handle`, options, onSession('status'));
  app.post<SessionParams>(`${face.prefix}/whep/:handle/outcome`, options, onSession('outcome'));
}

export function deviceOf(request: FastifyRequest<DeviceParams>): string {
  const { deviceId } = request.params;
  if (!TOPIC_ID.test(deviceId)) throw new NattsynError('not_found', 'no such device');
  return deviceId;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The body a route relays: the trickle fragment as sent, an outcome checked and re-serialised. */
function bodyOf(route: SessionRoute, request: FastifyRequest): string {
  if (route === 'trickle') return String(request.body ?? '');
  if (route !== 'outcome') return '';
  const parsed = lookOutcomeSchema.safeParse(request.body);
  if (!parsed.success) throw new NattsynError('bad_outcome', 'the outcome must be one of the three answers');
  return JSON.stringify(parsed.data);
}

/** The device's answer as the HTTP response, less the headers the centre sets itself. */
export function relayed(
  reply: FastifyReply,
  answer: WhepRelayResponse,
  own: string[] = ['link'],
): FastifyReply {
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !own.includes(name)) reply.header(name, value);
  }
  return reply.code(answer.status).send(answer.body);
}

/**
 * The token's `exp`, read without verifying it (the device verifies): it only shortens how long a
 * TURN credential lives, never grants anything.
 */
export function tokenExpiry(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
