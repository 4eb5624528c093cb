/**
 * The centre's roster check before anything is done for a device: a staff member whose groups do
 * not list the device is refused with `403 not_on_roster`, and the refusal is written to the centre
 * audit (a refusal stays a refusal when the audit store fails). The device still decides the look.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NattsynError } from '../../errors.ts';
import type { Logger } from '../../platform/ports.ts';
import type { CentreAuditSink, StaffIdentity } from '../auth/index.ts';
import type { RosterDevice } from './document.ts';
import type { Roster } from './roster.ts';

export const NOT_ON_ROSTER = 'not_on_roster';

export interface RosterGateOptions {
  roster: Roster;
  audit: CentreAuditSink;
  now: () => number;
  logger: Logger;
}

export class RosterGate {
  readonly #o: RosterGateOptions;

  constructor(options: RosterGateOptions) {
    this.#o = options;
  }

  /** The device's roster entry, or a NattsynError `not_on_roster` (403) once the refusal is audited. */
  async check(staff: StaffIdentity, deviceId: string): Promise<RosterDevice> {
    const device = this.#o.roster.device(deviceId);
    if (device && this.#o.roster.mayLook(staff, deviceId)) return device;
    const event = {
      type: 'look_refused',
      at: this.#o.now(),
      code: NOT_ON_ROSTER,
      staffId: staff.staffId,
      deviceId,
    } as const;
    try {
      await this.#o.audit.record(event);
    } catch (error) {
      this.#o.logger.error(
        { code: NOT_ON_ROSTER, err: (error as Error).message },
        'centre audit record failed',
      );
    }
    this.#o.logger.warn(
      { code: NOT_ON_ROSTER, staffId: staff.staffId, deviceId },
      'look refused: not on the roster',
    );
    throw new NattsynError(NOT_ON_ROSTER, 'This device is not on your roster.');
  }

  /**
   * A preHandler for routes with a device id in their path (`:deviceId` by default), placed after
   * the session guard; `staffOf` is the sign-in service's accessor.
   */
  preHandler(staffOf: (request: FastifyRequest) => StaffIdentity, param = 'deviceId') {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const deviceId = (request.params as Record<string, string | undefined>)[param] ?? '';
      try {
        await this.check(staffOf(request), deviceId);
      } catch (error) {
        if (!(error instanceof NattsynError)) throw error;
        await reply.code(error.status).send({ code: error.code, message: error.message });
      }
    };
  }
}
