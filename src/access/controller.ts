/**
 * The access controller: the stateful side of the policy core. It owns the policy in force (persisted
 * in the state directory), the resident's pause, the live sessions and their cut timers, and writes
 * every decision to the audit log before it takes effect. Stream, health and installer verbs reach
 * the policy only through it.
 */
import type { KeyObject } from 'jose';
import type { Logger } from '../log.ts';
import { Emitter } from '../platform/emitter.ts';
import type { Time, Timer } from '../platform/time.ts';
import {
  type ActivePolicy,
  AUTHENTICATION_CODES,
  type AuditEntry,
  type AuditLog,
  authorize,
  type DenyCode,
  type DurableStore,
  type EpochMillis,
  type GateState,
  type Grant,
  type PolicyVerdict,
  type StaffClaims,
  type TokenTrust,
  verifyPolicy,
  verifyStaffToken,
} from '../policy/index.ts';
import { DENY_MESSAGES } from './messages.ts';
import type {
  AccessControl,
  Admission,
  RequestOrigin,
  SessionEndCode,
  SessionTicket,
  WindowState,
} from './types.ts';

export const POLICY_FILE = 'policy.jws';
export const PAUSE_FILE = 'pause.json';

export interface AccessControllerDeps {
  /** Wall time for the gate, monotonic time for durations, and the cut timers. */
  time: Time;
  audit: AuditLog;
  /** The state directory: the policy in force and the pause flag live here. */
  state: DurableStore;
  trust: TokenTrust;
  policyKey: KeyObject | CryptoKey;
  /** Latest NTP-sync reading; refreshed by the composition root. */
  clockSynced: () => boolean;
  /** ≥ 128 random bits, URL-safe. */
  randomId: () => string;
  log: Logger;
}

interface Live {
  ticket: SessionTicket;
  claims: StaffClaims;
  endCode: SessionEndCode;
  timer: Timer | undefined;
}

export class AccessController implements AccessControl {
  readonly #d: AccessControllerDeps;
  readonly #live = new Map<string, Live>();
  readonly #ended = new Emitter<[string, SessionEndCode]>();
  readonly #changed = new Emitter<[number]>();
  #policy: ActivePolicy | undefined;
  #paused = false;
  #installPreviewUntil: EpochMillis | undefined;

  constructor(deps: AccessControllerDeps) {
    this.#d = deps;
  }

  /** Loads the persisted policy and pause flag. A policy that no longer verifies is dropped: fail closed. */
  async start(): Promise<void> {
    const jws = await this.#d.state.read(POLICY_FILE);
    if (jws) {
      const verdict = await verifyPolicy(jws.trim(), this.#trustFor(undefined));
      if (verdict.ok) this.#policy = verdict.policy;
      else
        this.#d.log.error(
          { code: verdict.code },
          'stored policy refused; no sessions until a valid one arrives',
        );
    }
    this.#paused = await this.#readPause();
  }

  /** Ends every live session (audited as `shutdown`). */
  async stop(): Promise<void> {
    await Promise.all([...this.#live.keys()].map((id) => this.end(id, 'shutdown')));
  }

  get policy(): ActivePolicy | undefined {
    return this.#policy;
  }

  async admit(token: string | undefined, context: RequestOrigin): Promise<Admission> {
    const now = this.#d.time.now();
    const verdict = await verifyStaffToken(token, this.#d.trust, now);
    if (!verdict.ok) return this.#deny(verdict.code, undefined, context);
    const claims = verdict.claims;
    const decision = authorize(claims, now, this.#gateState());
    if (decision.kind === 'deny') return this.#deny(decision.code, claims, context);
    // Reserve synchronously, so a concurrent request with the same token sees it before the audit write.
    const live = this.#reserve(claims, decision, now);
    try {
      await this.#d.audit.append({
        type: decision.scope === 'install' ? 'install_preview' : 'grant',
        actor: claims.staffId,
        sessionId: live.ticket.sessionId,
        detail: grantDetail(claims, decision, context),
      });
    } catch {
      this.#live.delete(live.ticket.sessionId);
      return this.#refusal('audit_unavailable');
    }
    if (!this.#live.has(live.ticket.sessionId)) {
      // Ended (pause, new policy, shutdown) while its grant was being written: it never starts.
      const again = authorize(claims, this.#d.time.now(), this.#gateState());
      return this.#refusal(again.kind === 'deny' ? again.code : 'unknown_session');
    }
    live.timer = this.#d.time.timeout('session-cut', decision.until - this.#d.time.now(), () => {
      void this.end(live.ticket.sessionId, live.endCode);
    });
    this.#emitChanged();
    return { ok: true, session: live.ticket };
  }

  async authenticateFor(
    token: string | undefined,
    sessionId: string,
    context: RequestOrigin,
  ): Promise<Admission> {
    const verdict = await verifyStaffToken(token, this.#d.trust, this.#d.time.now());
    if (!verdict.ok) return this.#deny(verdict.code, undefined, context);
    const live = this.#live.get(sessionId);
    if (!live || live.claims.tokenId !== verdict.claims.tokenId) {
      return this.#deny('unknown_session', verdict.claims, context);
    }
    return { ok: true, session: live.ticket };
  }

  async end(sessionId: string, code: SessionEndCode): Promise<void> {
    const live = this.#live.get(sessionId);
    if (!live) return;
    this.#live.delete(sessionId);
    live.timer?.cancel();
    const durationMs = Math.round(this.#d.time.monotonic() - live.ticket.startedAt);
    await this.#record({ type: 'session_end', actor: live.ticket.staffId, sessionId, code, durationMs });
    this.#ended.emit(sessionId, code);
    this.#emitChanged();
  }

  sessions(): readonly SessionTicket[] {
    return [...this.#live.values()].map((l) => l.ticket);
  }

  onSessionEnded(listener: (sessionId: string, code: SessionEndCode) => void): () => void {
    return this.#ended.on(listener);
  }

  onSessionsChanged(listener: (count: number) => void): () => void {
    return this.#changed.on(listener);
  }

  windowState(): WindowState {
    const now = this.#d.time.now();
    const schedule = this.#policy?.schedule;
    return {
      open: schedule?.openWindowAt(now),
      next: schedule?.nextWindows(now, 2).find((w) => w.start > now),
      paused: this.#paused || (schedule?.isPausedAt(now) ?? false),
      policyVersion: this.#policy?.body.version,
      timeZone: this.#policy?.body.timeZone,
      clockSynced: this.#d.clockSynced(),
      installPreviewUntil:
        this.#installPreviewUntil !== undefined && this.#installPreviewUntil > now
          ? this.#installPreviewUntil
          : undefined,
    };
  }

  cameraWanted(leadMs: number): boolean {
    if (this.#live.size > 0) return true;
    const state = this.windowState();
    if (!state.clockSynced || state.paused) return false;
    if (state.open) return true;
    return state.next !== undefined && state.next.start - this.#d.time.now() <= leadMs;
  }

  async applyPolicy(jws: string, actor: string): Promise<PolicyVerdict> {
    const verdict = await verifyPolicy(jws.trim(), this.#trustFor(this.#policy?.body.version));
    if (!verdict.ok) {
      await this.#record({ type: 'policy_rejected', actor, code: verdict.code });
      return verdict;
    }
    // A policy change takes effect only once it is audited and stored; otherwise the old one stays.
    const version = verdict.policy.body.version;
    try {
      await this.#d.audit.append({ type: 'policy_applied', actor, detail: { version } });
    } catch {
      return { ok: false, code: 'audit_unavailable', message: 'the policy change could not be audited' };
    }
    try {
      await this.#d.state.writeAtomic(POLICY_FILE, verdict.policy.jws);
    } catch {
      await this.#record({ type: 'policy_rejected', actor, code: 'state_unwritable', detail: { version } });
      return { ok: false, code: 'state_unwritable', message: 'the policy could not be stored' };
    }
    this.#policy = verdict.policy;
    await this.#recheckSessions();
    return verdict;
  }

  /**
   * The resident's pause button. Pausing fails closed: it applies even if it cannot be audited or
   * stored. Resuming opens the camera again, so it happens only once audited and stored.
   */
  async setPaused(paused: boolean, actor: string): Promise<void> {
    if (paused) {
      this.#paused = true;
      await this.#record({ type: 'pause', actor });
      await Promise.all([...this.#live.keys()].map((id) => this.end(id, 'paused')));
      await this.#d.state.writeAtomic(PAUSE_FILE, JSON.stringify({ paused })).catch((error) => {
        this.#d.log.error({ err: error }, 'pause could not be stored; it holds until restart');
      });
      return;
    }
    await this.#d.audit.append({ type: 'resume', actor });
    await this.#d.state.writeAtomic(PAUSE_FILE, JSON.stringify({ paused }));
    this.#paused = false;
  }

  /** The stored pause flag; an unreadable one counts as paused (fail closed). */
  async #readPause(): Promise<boolean> {
    try {
      const text = await this.#d.state.read(PAUSE_FILE);
      return text === undefined ? false : (JSON.parse(text) as { paused: unknown }).paused !== false;
    } catch (error) {
      this.#d.log.error({ err: error }, 'pause flag unreadable: staying paused until the resident resumes');
      return true;
    }
  }

  /** Opens (or, with undefined, closes) the installer's aiming preview for `install`-scope tokens. */
  setInstallPreview(until: EpochMillis | undefined): void {
    this.#installPreviewUntil = until;
  }

  /** After a policy change, every live session must still pass the gate; its end can only come sooner. */
  async #recheckSessions(): Promise<void> {
    const now = this.#d.time.now();
    for (const live of [...this.#live.values()]) {
      const others = this.#gateState(live.ticket.sessionId);
      const decision = authorize(live.claims, now, others);
      if (decision.kind === 'deny') {
        await this.end(live.ticket.sessionId, decision.code === 'revoked' ? 'revoked' : 'policy_changed');
      } else if (decision.until < live.ticket.until) {
        live.timer?.cancel();
        live.ticket = { ...live.ticket, until: decision.until };
        live.endCode = endCodeFor(decision, live.claims, now, this.#policy!);
        live.timer = this.#d.time.timeout('session-cut', decision.until - now, () => {
          void this.end(live.ticket.sessionId, live.endCode);
        });
      }
    }
  }

  #reserve(claims: StaffClaims, grant: Grant, now: EpochMillis): Live {
    const ticket: SessionTicket = {
      sessionId: this.#d.randomId(),
      staffId: claims.staffId,
      tokenId: claims.tokenId,
      scope: grant.scope,
      emergency: grant.emergency,
      windowId: grant.windowId,
      until: grant.until,
      startedAt: this.#d.time.monotonic(),
    };
    const live: Live = {
      ticket,
      claims,
      endCode: endCodeFor(grant, claims, now, this.#policy!),
      timer: undefined,
    };
    this.#live.set(ticket.sessionId, live);
    return live;
  }

  #gateState(excludeSession?: string): GateState {
    return {
      clockSynced: this.#d.clockSynced(),
      policy: this.#policy,
      pausedByResident: this.#paused,
      auditWritable: this.#d.audit.writable,
      installPreviewUntil: this.#installPreviewUntil,
      liveSessions: [...this.#live.values()]
        .filter((l) => l.ticket.sessionId !== excludeSession)
        .map((l) => ({ sessionId: l.ticket.sessionId, tokenId: l.claims.tokenId })),
    };
  }

  #trustFor(currentVersion: number | undefined) {
    return { publicKey: this.#d.policyKey, deviceId: this.#d.trust.deviceId, currentVersion };
  }

  async #deny(code: DenyCode, claims: StaffClaims | undefined, origin: RequestOrigin): Promise<Admission> {
    const detail = { remote: origin.remote, transport: origin.transport };
    await this.#record({ type: 'deny', actor: claims?.staffId ?? 'unknown', code, detail });
    return this.#refusal(code);
  }

  #refusal(code: DenyCode): Admission {
    const status = AUTHENTICATION_CODES.has(code)
      ? 401
      : code === 'audit_unavailable'
        ? 503
        : code === 'unknown_session'
          ? 404
          : 403;
    return { ok: false, code, status, message: DENY_MESSAGES[code] };
  }

  /** Appends to the audit log; a failure is logged (the log turns unwritable and the gate denies). */
  async #record(entry: AuditEntry): Promise<void> {
    try {
      await this.#d.audit.append(entry);
    } catch (error) {
      this.#d.log.error({ err: error, type: entry.type }, 'audit append failed');
    }
  }

  #emitChanged(): void {
    this.#changed.emit(this.#live.size);
  }
}

function endCodeFor(
  grant: Grant,
  claims: StaffClaims,
  now: EpochMillis,
  policy: ActivePolicy,
): SessionEndCode {
  if (grant.until === claims.expiresAt) return 'token_expired';
  if (grant.until === now + policy.body.maxSessionSeconds * 1000) return 'max_session';
  return 'window_end';
}

function grantDetail(
  claims: StaffClaims,
  grant: Grant,
  origin: RequestOrigin,
): Record<string, string | boolean> {
  return {
    scope: grant.scope,
    tokenId: claims.tokenId,
    until: new Date(grant.until).toISOString(),
    emergency: grant.emergency,
    remote: origin.remote,
    transport: origin.transport,
    ...(grant.windowId ? { windowId: grant.windowId } : {}),
    ...(claims.reason ? { reason: claims.reason } : {}),
  };
}
