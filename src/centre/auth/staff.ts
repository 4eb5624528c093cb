/**
 * What sign-in gives the rest of the centre: who the staff member is (read from the IdP's claims),
 * her groups, and the centre audit sinks every sign-in, sign-out and refusal at the centre is
 * written to (the archive database in production; memory or log lines without one).
 */
import { NattsynError } from '../../errors.ts';
import type { Logger } from '../../platform/ports.ts';

/** The staff member as the IdP named her. `staffId` becomes `sub` of every token minted for her. */
export interface StaffIdentity {
  readonly staffId: string;
  readonly groups: readonly string[];
}

/** A live centre session (the sealed cookie, opened and checked). Times are epoch milliseconds. */
export interface StaffSession extends StaffIdentity {
  readonly sessionId: string;
  readonly issuedAt: number;
  readonly lastSeen: number;
}

/**
 * Turns the IdP's claims into a staff identity. The staff id becomes `sub` of device tokens and
 * appears in every audit record, so it must be a plain, bounded string; groups may arrive as a
 * list or (some IdPs) a single string, and only groups the roster knows are kept in the cookie.
 */
const MAX_ID = 128;
const MAX_GROUP = 256;
/** A sealed cookie must stay well under the 4096 bytes browsers keep. */
const MAX_GROUPS = 64;
const PRINTABLE = /^[^\p{Cc}]+$/u;

export interface ClaimNames {
  staffId: string;
  groups: string;
}

/** `keepGroup` narrows the IdP's groups to those that matter here (the roster's groups). */
export function staffFromClaims(
  claims: Record<string, unknown>,
  names: ClaimNames,
  keepGroup: (group: string) => boolean = () => true,
): StaffIdentity {
  const staffId = claims[names.staffId];
  if (
    typeof staffId !== 'string' ||
    staffId.length === 0 ||
    staffId.length > MAX_ID ||
    !PRINTABLE.test(staffId)
  ) {
    throw new NattsynError(
      'staff_id_missing',
      `The identity provider sent no usable "${names.staffId}" claim.`,
      {},
    );
  }
  const raw = claims[names.groups];
  const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const groups = [
    ...new Set(
      listed.filter(
        (g): g is string =>
          typeof g === 'string' && g.length > 0 && g.length <= MAX_GROUP && PRINTABLE.test(g),
      ),
    ),
  ].filter(keepGroup);
  if (groups.length > MAX_GROUPS) {
    throw new NattsynError(
      'too_many_groups',
      `The staff member is in more than ${MAX_GROUPS} roster groups.`,
      {},
    );
  }
  return { staffId, groups };
}

/** Records the centre writes about staff (never a token, never a name: staff and device ids only). */
export type CentreAuditEvent =
  | { type: 'sign_in'; at: number; staffId: string; sessionId: string }
  | { type: 'sign_in_failed'; at: number; code: string }
  | { type: 'sign_out'; at: number; staffId: string; sessionId: string }
  | { type: 'look_refused'; at: number; code: string; staffId: string; deviceId: string }
  /**
   * A look token minted for a staff member (its `jti`, which the device's grant record carries as
   * `tokenId`), with her role as the roster names it: how the resident's "who looked" page shows a
   * role and never a staff id.
   */
  | {
      type: 'look_token_issued';
      at: number;
      staffId: string;
      deviceId: string;
      tokenId: string;
      scope: string;
      role: string | null;
    }
  /** The "who looked" page of a device shown to a staff member, or refused (`not_on_roster`). */
  | { type: 'history_shown'; at: number; staffId: string; deviceId: string }
  | { type: 'history_refused'; at: number; code: string; staffId: string; deviceId: string };

export type CentreAuditType = CentreAuditEvent['type'];

/**
 * Where centre audit records go (the database archive in production). `record` resolves once the
 * record is stored; a refusal is still refused when storing fails.
 */
export interface CentreAuditSink {
  record(event: CentreAuditEvent): Promise<void>;
}

/** Keeps records in memory (tests, and a centre run without a database). */
export class MemoryAuditSink implements CentreAuditSink {
  readonly events: CentreAuditEvent[] = [];

  async record(event: CentreAuditEvent): Promise<void> {
    this.events.push(event);
  }
}

/**
 * The centre audit written as structured log lines (journald keeps them): what a centre without
 * the archive database does with its sign-ins, sign-outs and refusals. Staff and device ids and
 * codes only, as every centre audit event is.
 */
export class LogAuditSink implements CentreAuditSink {
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  async record(event: CentreAuditEvent): Promise<void> {
    this.#log.info({ audit: event }, 'centre audit');
  }
}
