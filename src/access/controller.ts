/**
 * The access controller: the stateful side of the policy core, and the only way in for the stream
 * (WHEP), health (inbound policies, pause) and the installer verbs. It composes three roles, each
 * small and tested alone: the policy in force (policyInForce.ts), the live sessions and their cuts
 * (sessionTable.ts) and the decision (decision.ts). Every decision is written to the audit log
 * (fsync) before it takes effect.
 */
import type { KeyObject } from 'jose';
import type { Logger } from '../log.ts';
import { Emitter, Subscriptions } from '../platform/emitter.ts';
import type { Time } from '../platform/time.ts';
import type {
  ActivePolicy,
  AuditEntry,
  AuditLog,
  DurableStore,
  EpochMillis,
  PolicyVerdict,
  TokenTrust,
} from '../policy/index.ts';
import { AuditProbe } from './auditProbe.ts';
import { cameraScheduleAt } from './cameraSchedule.ts';
import { AccessDecision, endCodeFor, grantDetail, mediaOf, recheckSessions, refusal } from './decision.ts';
import { type FollowUpRefusal, LookFollowUp, type LookStatus } from './followUp.ts';
import { PauseExpiry, pauseInForce } from './pause.ts';
import { PolicyInForce } from './policyInForce.ts';
import { RefusalRecorder } from './refusals.ts';
import { SessionTable } from './sessionTable.ts';
import type {
  AccessControl,
  Admission,
  CameraSchedule,
  LookPlan,
  PauseOptions,
  Refusal,
  RequestOrigin,
  SessionEndCode,
  SessionTicket,
  TokenCheck,
  WindowState,
} from './types.ts';

export interface AccessControllerDeps {
  /** Wall time for the gate, monotonic time for durations, and the cut timers. */
  time: Time;
  audit: Pick<AuditLog, 'append' | 'writable'>;
  /** The state directory: the policy in force and the pause flag live here. */
  state: DurableStore;
  trust: TokenTrust;
  policyKey: KeyObject | CryptoKey;
  /** Latest NTP-sync reading, and its change announcements (platform/time.ts, ClockSync). */
  clockSynced: () => boolean;
  onClockSyncChange?: (listener: () => void) => () => void;
  /** ≥ 128 random bits, URL-safe. */
  randomId: () => string;
  log: Logger;
  /**
   * The device's one refusal recorder, shared with the relay's own checks (main.ts); without it the
   * controller keeps one of its own.
   */
  refusals?: RefusalRecorder;
}

export class AccessController implements AccessControl {
  readonly #d: AccessControllerDeps;
  readonly #policy: PolicyInForce;
  readonly #sessions: SessionTable;
  readonly #decision: AccessDecision;
  readonly #probe: AuditProbe;
  readonly #pauseExpiry: PauseExpiry;
  readonly #followUp: LookFollowUp;
  readonly #refusals: RefusalRecorder;
  readonly #ownsRefusals: boolean;
  readonly #changed = new Emitter<[]>();
  readonly #subscriptions = new Subscriptions();

  constructor(deps: AccessControllerDeps) {
    this.#d = deps;
    const changed = () => this.#changed.emit();
    this.#probe = new AuditProbe({ ...deps, onRestored: changed });
    this.#ownsRefusals = deps.refusals === undefined;
    this.#refusals =
      deps.refusals ?? new RefusalRecorder({ audit: this.#probe, time: deps.time, log: deps.log });
    const record = (entry: AuditEntry) => this.#probe.record(entry);
    const append = (entry: AuditEntry) => this.#probe.append(entry);
    this.#policy = new PolicyInForce({ ...deps, deviceId: deps.trust.deviceId, append, record });
    this.#pauseExpiry = new PauseExpiry({ ...deps, policy: this.#policy, onEnded: changed });
    this.#sessions = new SessionTable({ time: deps.time, record });
    this.#decision = new AccessDecision({
      trust: deps.trust,
      policy: this.#policy,
      sessions: this.#sessions,
      clockSynced: deps.clockSynced,
      auditWritable: () => deps.audit.writable,
    });
    this.#followUp = new LookFollowUp({
      time: deps.time,
      sessions: this.#sessions,
      decision: this.#decision,
      append,
    });
  }

  /** Loads the persisted policy and pause flag, and starts announcing changes. */
  async start(): Promise<void> {
    if (!this.#subscriptions.active) {
      const changed = () => this.#changed.emit();
      this.#subscriptions.add(
        this.#policy.onChange(changed),
        this.#policy.onChange(() => this.#pauseExpiry.arm()),
        this.#sessions.onChanged(changed),
      );
      if (this.#d.onClockSyncChange) this.#subscriptions.add(this.#d.onClockSyncChange(changed));
    }
    this.#followUp.start();
    await this.#policy.load();
    this.#probe.start();
  }

  /** Ends every live session (audited as `shutdown`). */
  async stop(): Promise<void> {
    await this.#sessions.endAll('shutdown');
    this.#probe.stop();
    this.#pauseExpiry.stop();
    this.#followUp.stop();
    this.#subscriptions.clear();
    if (this.#ownsRefusals) await this.#refusals.stop();
  }

  /** The `service_start` record; a log that cannot take it is re-probed from now on. */
  recordServiceStart(): Promise<void> {
    const policyVersion = this.#policy.policy?.body.version ?? 0;
    return this.#probe.record({ type: 'service_start', actor: 'device', detail: { policyVersion } });
  }

  onChange(listener: () => void): () => void {
    return this.#changed.on(listener);
  }

  get policy(): ActivePolicy | undefined {
    return this.#policy.policy;
  }

  async checkToken(token: string | undefined, origin?: RequestOrigin): Promise<TokenCheck> {
    const verdict = await this.#decision.verify(token, this.#d.time.now());
    if (verdict.ok) return { ok: true, staffId: verdict.claims.staffId, scope: verdict.claims.scope };
    return origin ? this.#deny(verdict, undefined, origin) : verdict;
  }

  async admit(token: string | undefined, origin: RequestOrigin): Promise<Admission> {
    const now = this.#d.time.now();
    const verdict = await this.#decision.verify(token, now);
    if (!verdict.ok) return this.#deny(verdict, undefined, origin);
    const { claims } = verdict;
    await this.#probe.ensure(); // a log that failed earlier may be writable again: never refuse on stale news
    const decision = this.#decision.decide(claims, now);
    if (decision.kind === 'deny') return this.#deny(refusal(decision.code), claims.staffId, origin);
    const ticket: SessionTicket = {
      sessionId: this.#d.randomId(),
      staffId: claims.staffId,
      tokenId: claims.tokenId,
      scope: decision.scope,
      emergency: decision.emergency,
      windowId: decision.windowId,
      until: decision.until,
      startedAt: this.#d.time.monotonic(),
    };
    const live = this.#sessions.reserve(ticket, claims, endCodeFor(decision, claims, now, this.policy));
    try {
      await this.#probe.append({
        type: decision.scope === 'install' ? 'install_preview' : 'grant',
        actor: claims.staffId,
        sessionId: ticket.sessionId,
        detail: grantDetail(ticket, claims, origin),
      });
    } catch {
      this.#sessions.release(ticket.sessionId);
      return refusal('audit_unavailable');
    }
    if (!this.#sessions.has(ticket.sessionId)) {
      // Ended (pause, new policy, shutdown) while its grant was being written: it never starts.
      const again = this.#decision.decide(claims, this.#d.time.now());
      return refusal(again.kind === 'deny' ? again.code : 'unknown_session');
    }
    this.#sessions.cutAt(live, ticket.until, live.endCode);
    return { ok: true, session: live.ticket };
  }

  async authenticateFor(
    token: string | undefined,
    sessionId: string,
    origin: RequestOrigin,
  ): Promise<Admission> {
    const verdict = await this.#decision.verify(token, this.#d.time.now());
    if (!verdict.ok) return this.#deny(verdict, undefined, origin);
    const live = this.#sessions.get(sessionId);
    if (!live || live.claims.tokenId !== verdict.claims.tokenId) {
      return this.#deny(refusal('unknown_session'), verdict.claims.staffId, origin);
    }
    return { ok: true, session: live.ticket };
  }

  sessionStatus(
    token: string | undefined,
    sessionId: string,
  ): Promise<{ ok: true; status: LookStatus } | FollowUpRefusal> {
    return this.#followUp.status(token, sessionId);
  }

  recordOutcome(
    token: string | undefined,
    sessionId: string,
    outcome: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true; seq: number } | FollowUpRefusal> {
    return this.#followUp.outcome(token, sessionId, outcome, origin);
  }

  end(sessionId: string, code: SessionEndCode): Promise<void> {
    return this.#sessions.end(sessionId, code);
  }

  sessions(): readonly SessionTicket[] {
    return this.#sessions.tickets();
  }

  onSessionEnded(listener: (sessionId: string, code: SessionEndCode) => void): () => void {
    return this.#sessions.onEnded(listener);
  }

  onSessionsChanged(listener: (count: number) => void): () => void {
    return this.#sessions.onChanged(listener);
  }

  windowState(): WindowState {
    const now = this.#d.time.now();
    const { policy } = this.#policy;
    const preview = this.#policy.installPreviewUntil;
    const { open, next } = this.#policy.windowsAt(now);
    const pause = pauseInForce(this.#policy, now);
    return {
      open,
      next,
      paused: pause !== undefined,
      pause,
      pausedBy: pause?.by,
      policyVersion: policy?.body.version,
      timeZone: policy?.body.timeZone,
      clockSynced: this.#d.clockSynced(),
      installPreviewUntil: preview !== undefined && preview > now ? preview : undefined,
    };
  }

  plan(horizon: EpochMillis): LookPlan {
    return this.#policy.plan(this.#d.time.now(), horizon);
  }

  cameraWanted(leadMs: number): boolean {
    return this.cameraSchedule(leadMs).wanted;
  }

  cameraSchedule(leadMs: number): CameraSchedule {
    return cameraScheduleAt(this.windowState(), this.#d.time.now(), leadMs, this.#sessions.size);
  }

  async applyPolicy(jws: string, actor: string): Promise<PolicyVerdict> {
    const verdict = await this.#policy.apply(jws, actor);
    if (verdict.ok) await recheckSessions(this.#sessions, this.#decision, this.#d.time.now(), this.policy);
    return verdict;
  }

  /** The resident's pause: pausing cuts live sessions at once, even unaudited (fail closed). */
  async setPaused(paused: boolean, actor: string, options: PauseOptions = {}): Promise<void> {
    if (!paused) return this.#policy.resume(actor);
    const by = options.by ?? (actor === 'centre' ? 'centre' : 'resident');
    await this.#policy.pause({ by, actor, since: this.#d.time.now(), until: options.until });
    await this.#sessions.endAll('paused');
    await this.#policy.storePause();
  }

  /** Opens (or, with undefined, closes) the installer's aiming preview for `install`-scope tokens. */
  setInstallPreview(until: EpochMillis | undefined): void {
    this.#policy.setInstallPreview(until);
  }

  async #deny(
    refused: ReturnType<typeof refusal>,
    actor: string | undefined,
    origin: RequestOrigin,
  ): Promise<Refusal> {
    const detail = { remote: origin.remote, transport: origin.transport, ...mediaOf(origin) };
    await this.#refusals.refused(refused.code, detail, actor);
    return refused;
  }
}
