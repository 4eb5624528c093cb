/**
 * The centre's WHEP endpoint per device: `/d/<deviceId>/whep` and the session URLs it hands out, plus
 * the viewer page's window state. Every request is relayed, with the staff token exactly as
 * received, to the device, whose answer becomes the HTTP response: the centre holds no access logic
 * and never sees media. TURN credentials are minted per look and go to the device inside the signed
 * request, and to the browser only in an answer the device gave after accepting the token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { NattsynError } from '../../errors.ts';
import { type RelayIceServer, TOPIC_ID, type WhepRelayResponse } from '../../protocol/index.ts';
import { bearerToken, iceServerLinks, sendError } from '../http.ts';
import type { RelayCall, WhepRelayClient } from './relayClient.ts';
import type { SessionUrls } from './sessionUrl.ts';
import type { TurnMinter } from './turn.ts';

export interface RelayRouteDeps {
  relay: Pick<WhepRelayClient, 'request'>;
  sessionUrls: SessionUrls;
  turn: TurnMinter | undefined;
  randomId: () => string;
  rateLimitPerMinute: number;
}

type DeviceParams = { Params: { deviceId: string } };
type SessionParams = { Params: { deviceId: string; handle: string } };

export function registerRelayRoutes(app: FastifyInstance, deps: RelayRouteDeps): void {
  const limited = { config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: 60_000 } } };
  const preflight = (_r: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('Accept-Post', 'application/sdp')
      .header('Access-Control-Allow-Methods', 'OPTIONS, POST, PATCH, DELETE')
      .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match')
      .header('Access-Control-Max-Age', '600')
      .send();
  app.options('/d/:deviceId/whep', preflight);
  app.options('/d/:deviceId/whep/:handle', preflight);

  app.get<DeviceParams>('/d/:deviceId/api/state', limited, async (request, reply) => {
    const deviceId = deviceOf(request);
    const token = bearerToken(request);
    const answer = await deps.relay.request({ deviceId, route: 'state', body: '', token });
    if (answer.status !== 200 || !deps.turn) return relayed(reply, answer);
    // The device accepted the token: the viewer may now learn where to relay media through.
    const state = JSON.parse(answer.body) as Record<string, unknown>;
    state.iceServers = [deps.turn.mint(deps.randomId(), tokenExpiry(token))];
    return reply.code(200).type('application/json').send(state);
  });

  app.post<DeviceParams>('/d/:deviceId/whep', limited, async (request, reply) => {
    const deviceId = deviceOf(request);
    const token = bearerToken(request);
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
    const location = deps.sessionUrls.locationFor(deviceId, answer.headers.location);
    if (!location)
      throw new NattsynError('device_bad_reply', 'the device sent a malformed answer', { status: 502 });
    const links = iceServerLinks(iceServers);
    if (links.length > 0) reply.header('Link', links);
    return relayed(reply.header('Location', location), answer, ['location', 'link']);
  });

  const onSession =
    (route: 'trickle' | 'end') => async (request: FastifyRequest<SessionParams>, reply: FastifyReply) => {
      const deviceId = deviceOf(request);
      const sessionId = deps.sessionUrls.open(deviceId, request.params.handle);
      if (sessionId === undefined) return sendError(reply, 404, 'not_found', 'no such session');
      const call: RelayCall = {
        deviceId,
        route,
        sessionId,
        body: route === 'trickle' ? String(request.body ?? '') : '',
        token: bearerToken(request),
      };
      const contentType = header(request, 'content-type');
      const ifMatch = header(request, 'if-match');
      if (contentType !== undefined) call.contentType = contentType;
      if (ifMatch !== undefined) call.ifMatch = ifMatch;
      return relayed(reply, await deps.relay.request(call), ['location', 'link']);
    };
  app.patch<SessionParams>('/d/:deviceId/whep/:handle', limited, onSession('trickle'));
  app.delete<SessionParams>('/d/:deviceId/whep/:handle', limited, onSession('end'));
}

function deviceOf(request: FastifyRequest<DeviceParams>): string {
  const { deviceId } = request.params;
  if (!TOPIC_ID.test(deviceId)) throw new NattsynError('not_found', 'no such device', { status: 404 });
  return deviceId;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The device's answer as the HTTP response, less the headers the centre sets itself. */
function relayed(reply: FastifyReply, answer: WhepRelayResponse, own: string[] = ['link']): FastifyReply {
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !own.includes(name)) reply.header(name, value);
  }
  return reply.code(answer.status).send(answer.body);
}

/**
 * The token's `exp`, read without verifying it (the device verifies): it only shortens how long a
 * TURN credential lives, never grants anything.
 */
function tokenExpiry(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export type { RelayIceServer };
