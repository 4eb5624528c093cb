/**
 * The centre's WHEP endpoint per device for a viewer holding its own token: `/d/<deviceId>/whep`
 * and the session URLs it hands out, plus the viewer page's window state. Every request is
 * relayed, with the staff token exactly as received, to the device, whose answer becomes the HTTP
 * response: the centre holds no access logic and never sees media.
 */
import type { FastifyInstance } from 'fastify';
import { answerWhepPreflight } from '../../platform/http.ts';
import type { RelayIceServer } from '../../protocol/index.ts';
import { bearerToken } from '../http.ts';
import {
  deviceOf,
  type RelayFace,
  type RelayRouteDeps,
  registerRelayFace,
  relayed,
  tokenExpiry,
} from './face.ts';

export type { RelayRouteDeps } from './face.ts';

type DeviceParams = { Params: { deviceId: string } };

/** The viewer's own Bearer token, passed through untouched. */
export const bearerFace: RelayFace = {
  prefix: '/d/:deviceId',
  token: async (request) => bearerToken(request),
  preHandler: [],
};

export function registerRelayRoutes(app: FastifyInstance, deps: RelayRouteDeps): void {
  const limited = { config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: 60_000 } } };
  answerWhepPreflight(app, '/d/:deviceId/whep', '/d/:deviceId/whep/:handle');

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

  registerRelayFace(app, deps, bearerFace);
}

export type { RelayIceServer };
