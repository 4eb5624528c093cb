/**
 * `GET /round/who-looked/<deviceId>[?month=YYYY-MM]`: the "who looked" page of one device, for the
 * resident and her family, served to signed-in staff whose roster lists the device (they print it
 * or show it on their phone). The month is a calendar month in the resident's time zone (from the
 * device's retained schedule), the current one by default. Every showing and every refusal is
 * written to the centre audit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import type { SqlExecutor } from '../archive/db/sql.ts';
import type { StaffAuth } from '../auth/index.ts';
import { messagePage, PAGE_HEADERS } from '../auth/pages.ts';
import type { Roster } from '../roster/index.ts';
import type { Fleet } from '../round/fleet.ts';
import { monthText, whoLookedPage } from './page.ts';
import { whoLooked } from './query.ts';

export const WHO_LOOKED_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const DEFAULT_ZONE = 'Europe/Stockholm';

export interface WhoLookedRouteDeps {
  auth: StaffAuth;
  roster: Pick<Roster, 'device' | 'mayLook'>;
  fleet: Pick<Fleet, 'snapshot'>;
  db: SqlExecutor;
  now: () => number;
}

type Request = { Params: { deviceId: string }; Querystring: { month?: string } };

export function registerWhoLookedRoutes(app: FastifyInstance, deps: WhoLookedRouteDeps): void {
  const { auth } = deps;
  const read = (file: string) => readFileSync(join(import.meta.dirname, 'page', file), 'utf8');
  const assets = [
    { path: 'page.css', type: 'text/css; charset=utf-8', body: read('page.css') },
    { path: 'print.js', type: 'text/javascript; charset=utf-8', body: read('print.js') },
  ];
  for (const a of assets) {
    app.get(`/round/who-looked/assets/${a.path}`, async (_request, reply) =>
      reply.type(a.type).header('Content-Security-Policy', WHO_LOOKED_CSP).send(a.body),
    );
  }

  app.get<Request>(
    '/round/who-looked/:deviceId',
    { preHandler: auth.requirePage },
    async (request, reply) => {
      const staff = auth.staffOf(request);
      const { deviceId } = request.params;
      const device = deps.roster.device(deviceId);
      const now = deps.now();
      if (!device || !deps.roster.mayLook(staff, deviceId)) {
        await auth.audit({
          type: 'history_refused',
          at: now,
          code: 'not_on_roster',
          staffId: staff.staffId,
          deviceId,
        });
        return html(reply, 403, messagePage('Rummet finns inte på din lista.', 'not_on_roster'));
      }
      const timeZone = deps.fleet.snapshot(deviceId).schedule?.timeZone ?? DEFAULT_ZONE;
      const current = Temporal.Instant.fromEpochMilliseconds(now)
        .toZonedDateTimeISO(timeZone)
        .toPlainDate()
        .toPlainYearMonth();
      const asked = parseMonth(request.query.month);
      if (asked === null) return html(reply, 400, messagePage('Ange månaden som ÅÅÅÅ-MM.', 'bad_request'));
      const month = asked ?? current;
      if (Temporal.PlainYearMonth.compare(month, current) > 0)
        return html(reply, 400, messagePage('Den månaden har inte börjat än.', 'bad_request'));
      const startOf = (m: Temporal.PlainYearMonth) =>
        m.toPlainDate({ day: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
      const from = startOf(month);
      const to = startOf(month.add({ months: 1 }));
      const data = await whoLooked(deps.db, deviceId, from, to, now);
      await auth.audit({ type: 'history_shown', at: now, staffId: staff.staffId, deviceId });
      const link = (m: Temporal.PlainYearMonth) => ({
        href: `/round/who-looked/${encodeURIComponent(deviceId)}?month=${m.toString()}`,
        label: monthText(startOf(m), timeZone),
      });
      const next = month.add({ months: 1 });
      const page = whoLookedPage({
        data,
        room: device.room,
        carePlanRef: device.carePlanRef,
        monthLabel: monthText(from, timeZone),
        previous: link(month.subtract({ months: 1 })),
        next: Temporal.PlainYearMonth.compare(next, current) <= 0 ? link(next) : undefined,
        timeZone,
        printedAt: now,
      });
      return html(reply, 200, page, WHO_LOOKED_CSP);
    },
  );
}

/** `YYYY-MM`; undefined when absent, null when malformed. */
function parseMonth(text: string | undefined): Temporal.PlainYearMonth | undefined | null {
  if (text === undefined) return undefined;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(text)) return null;
  return Temporal.PlainYearMonth.from(text);
}

function html(reply: FastifyReply, status: number, body: string, csp?: string): FastifyReply {
  reply.code(status).type('text/html; charset=utf-8').headers(PAGE_HEADERS);
  if (csp) reply.header('Content-Security-Policy', csp);
  return reply.send(body);
}
