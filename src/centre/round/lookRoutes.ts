/**
 * A look from the round, without the browser ever holding a token. `POST /round/look/<deviceId>`
 * (signed in, on the roster, the device would grant now) mints the look's token, has the device
 * check it (the relayed `state`), and answers with a look handle; the page then speaks WHEP on
 * `/round/look/<deviceId>/whep…` with its session cookie and the handle in `Nattsyn-Look`, and
 * the centre re-mints the same token (same `jti`: the device's one-session-per-token rule holds)
 * for every relayed request. TURN credentials go out only once the device accepted the token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NattsynError } from '../../errors.ts';
import type { PerMinuteLimiter } from '../../platform/limiter.ts';
import { LOOK_REASONS } from '../../protocol/index.ts';
import type { StaffAuth } from '../auth/index.ts';
import { deviceOf, type RelayRouteDeps, registerRelayFace, relayed } from '../relay/face.ts';
import type { RosterGate } from '../roster/index.ts';
import type { StaffTokenIssuer } from '../tokens/index.ts';
import { lookFor } from './checks.ts';
import type { Fleet } from './fleet.ts';

export const LOOK_HANDLE_HEADER = 'nattsyn-look';
/** How long after its token ended a look may still be asked why it ended and given its outcome. */
export const LATE_GRACE_MS = 15 * 60_000;

export interface LookRouteDeps extends RelayRouteDeps {
  auth: StaffAuth;
  gate: RosterGate;
  issuer: StaffTokenIssuer;
  fleet: Pick<Fleet, 'snapshot'>;
  /** The staff member's job title from the roster's roles (what a resident's page shows). */
  roleOf: (groups: readonly string[]) => string | undefined;
  now: () => number;
  /** Requests per signed-in staff member (the per-address limit alone would let one user starve others behind a NAT). */
  perStaff: PerMinuteLimiter;
}

const startSchema = z.strictObject({ reason: z.enum(LOOK_REASONS).optional() });

type DeviceParams = { Params: { deviceId: string } };

export function registerLookRoutes(app: FastifyInstance, deps: LookRouteDeps): void {
  const { auth, gate, issuer } = deps;
  const staffOf = (request: FastifyRequest) => auth.staffOf(request);
  const limitStaff = async (request: FastifyRequest) => {
    if (!deps.perStaff.take(staffOf(request).staffId))
      throw new NattsynError('rate_limited', 'too many requests; try again shortly');
  };
  const preHandler = [auth.requireApi, limitStaff, gate.preHandler(staffOf)];
  // A signed-in request answers to its staff member's limit, not its address's: behind one NAT (a
  // care home's Wi-Fi, a carrier's CGNAT) a whole night shift shares an address.
  const signedIn = async (request: FastifyRequest) => (await auth.sessionOf(request)) !== undefined;
  const limited = {
    config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: 60_000, allowList: signedIn } },
  };

  app.post<DeviceParams>('/round/look/:deviceId', { preHandler, ...limited }, async (request, reply) => {
    const deviceId = deviceOf(request);
    const staff = staffOf(request);
    const body = startSchema.safeParse(request.body ?? {});
    if (!body.success) throw new NattsynError('bad_request', 'unknown look reason');
    const option = lookFor(deps.fleet.snapshot(deviceId), deps.now(), body.data.reason);
    if (!option.enabled) {
      await auth.audit({
        type: 'look_refused',
        at: deps.now(),
        code: option.code,
        staffId: staff.staffId,
        deviceId,
      });
      const status = option.code === 'device_offline' ? 503 : 403;
      return reply
        .code(status)
        .send({ code: option.code, message: 'The device would not grant this look now.' });
    }
    const look = await issuer.mint({
      staffId: staff.staffId,
      deviceId,
      scope: option.scope,
      reason: option.scope === 'emergency' ? option.reason : undefined,
      until: option.until,
    });
    await auth.audit({
      type: 'look_token_issued',
      at: deps.now(),
      staffId: staff.staffId,
      deviceId,
      tokenId: look.claims.jti,
      scope: look.claims.scope,
      role: deps.roleOf(staff.groups) ?? null,
    });
    const answer = await deps.relay.request({ deviceId, route: 'state', body: '', token: look.token });
    if (answer.status !== 200) return relayed(reply, answer);
    const until = look.claims.exp * 1000;
    const iceServers = deps.turn ? [deps.turn.mint(deps.randomId(), until)] : [];
    return reply.code(201).send({ handle: look.handle, scope: look.claims.scope, until, iceServers });
  });

  registerRelayFace(app, deps, {
    prefix: '/round/look/:deviceId',
    preHandler,
    exempt: signedIn,
    token: async (request, deviceId, late) => {
      const handle = request.headers[LOOK_HANDLE_HEADER];
      if (typeof handle !== 'string' || handle.length === 0 || handle.length > 4096)
        throw new NattsynError('look_handle_invalid', 'This request names no look.');
      const expected = { staffId: staffOf(request).staffId, deviceId };
      return issuer.remint(handle, expected, { graceMs: late ? LATE_GRACE_MS : 0 });
    },
  });
}
