/**
 * What sign-in gives the rest of the centre: who the staff member is (as the IdP said), her groups,
 * and the centre audit sink every sign-in, sign-out and refusal at the centre is written to.
 */

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
