/**
 * The round's page and its data: `GET /round` (signed in, else to sign-in and back), its static
 * files, and `GET /round/api/round`, tonight's checks for the signed-in staff member from now to the
 * end of her shift (her session's absolute end), read fresh from the broker's retained state and
 * the look history on every request, so a reload or another centre instance shows the same round.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StaffAuth } from '../auth/index.ts';
import type { Roster } from '../roster/index.ts';
import { buildRound, LOOKBACK_MS } from './checks.ts';
import type { RoundConfig } from './config.ts';
import type { Fleet } from './fleet.ts';
import type { LookHistory } from './lookHistory.ts';
import { roundAssets, roundCsp } from './page/assets.ts';

/** Marks the round page's automatic refresh (`auto`), which is not staff activity. */
export const REFRESH_HEADER = 'nattsyn-refresh';

export interface RoundRouteDeps {
  auth: StaffAuth;
  roster: Pick<Roster, 'devicesFor'>;
  fleet: Pick<Fleet, 'snapshot'>;
  history: LookHistory;
  config: RoundConfig;
  /** The centre serves a "who looked" page per device (it has its database). */
  whoLooked: boolean;
  /** The centre relays the MPEG-1 fallback, for a phone where WebRTC cannot bring the picture. */
  fallback: boolean;
  now: () => number;
}

export function registerRoundRoutes(app: FastifyInstance, deps: RoundRouteDeps): void {
  const { auth } = deps;
  const assets = roundAssets();
  const csp = roundCsp(new URL(auth.oidcConfig.issuer).origin);

  app.get('/', async (_request, reply) => reply.redirect('/round'));
  app.get('/round', { preHandler: auth.requirePage }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('Content-Security-Policy', csp).send(assets.page),
  );
  for (const file of assets.files) {
    app.get(`/round/assets/${file.path}`, async (_request, reply) =>
      reply.type(file.type).header('Content-Security-Policy', csp).send(file.body),
    );
  }

  // The page's own 30-second refresh says so, and does not keep an idle session alive.
  const quietly = (request: FastifyRequest, reply: FastifyReply) =>
    request.headers[REFRESH_HEADER] === 'auto'
      ? auth.requireApiQuiet(request, reply)
      : auth.requireApi(request, reply);
  app.get('/round/api/round', { preHandler: quietly }, async (request) => {
    const staff = auth.staffOf(request);
    const now = deps.now();
    const devices = deps.roster.devicesFor(staff.groups);
    const ids = devices.map((d) => d.deviceId);
    const looks = await deps.history.looksSince(ids, now - LOOKBACK_MS);
    const round = buildRound({
      devices: devices.map((device) => ({ device, snapshot: deps.fleet.snapshot(device.deviceId) })),
      looks,
      now,
      shiftEnd: auth.sessions.absoluteEnd(staff),
      followUpMs: deps.config.followUpMinutes * 60_000,
    });
    return {
      staffId: staff.staffId,
      language: deps.config.language,
      followUpMinutes: deps.config.followUpMinutes,
      whoLooked: deps.whoLooked,
      fallback: deps.fallback,
      ...round,
    };
  });
}
