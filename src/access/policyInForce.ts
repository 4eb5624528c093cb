/**
 * The policy in force and the resident's own switches: the signed policy (loaded from and
 * persisted to the state directory, replaced only once audited and stored), the pause (the
 * resident's button or the centre on the resident's behalf, with who, since when and until when;
 * persisted; unreadable counts as paused) and the installer's aiming preview. Announces every
 * change, so the camera schedule and readiness follow it instead of polling, and caches the open
 * and next window until the next of them begins or ends (the window search is not cheap).
 */
import type { KeyObject } from 'jose';
import type { Logger } from '../log.ts';
import { Emitter } from '../platform/emitter.ts';
import {
  type ActivePolicy,
  type AuditEntry,
  type DurableStore,
  type EpochMillis,
  type PolicyVerdict,
  verifyPolicy,
  type WindowOccurrence,
} from '../policy/index.ts';

import { type PauseRequest, type PauseState, parsePause, pauseDetail } from './pause.ts';
import type { LookPlan } from './types.ts';

/** More windows than any real night holds (the schedule payload's own bound is 200). */
const PLAN_MAX_WINDOWS = 64;

/** The open window and the next one at an instant. */
export interface Windows {
  open: WindowOccurrence | undefined;
  next: WindowOccurrence | undefined;
}

interface CachedWindows extends Windows {
  policy: ActivePolicy;
  from: number;
  until: number;
}

export const POLICY_FILE = 'policy.jws';
export const PAUSE_FILE = 'pause.json';

export interface PolicyInForceDeps {
  state: DurableStore;
  /** Appends and resolves once durable; throws when the audit log cannot be written. */
  append: (entry: AuditEntry) => Promise<unknown>;
  /** Appends, logging a failure instead of throwing (fail-closed paths). */
  record: (entry: AuditEntry) => Promise<void>;
  policyKey: KeyObject | CryptoKey;
  deviceId: string;
  log: Logger;
}

export class PolicyInForce {
  readonly #d: PolicyInForceDeps;
  readonly #changed = new Emitter<[]>();
  #policy: ActivePolicy | undefined;
  #pause: PauseState | undefined;
  #installPreviewUntil: EpochMillis | undefined;
  #windows: CachedWindows | undefined;

  constructor(deps: PolicyInForceDeps) {
    this.#d = deps;
  }

  /** Loads the persisted policy and pause flag. A policy that no longer verifies is dropped: fail closed. */
  async load(): Promise<void> {
    const jws = await this.#d.state.read(POLICY_FILE);
    if (jws) {
      const verdict = await verifyPolicy(jws.trim(), this.#trust(undefined));
      if (verdict.ok) this.#policy = verdict.policy;
      else
        this.#d.log.error(
          { code: verdict.code },
          'stored policy refused; no sessions until a valid one arrives',
        );
    }
    this.#pause = await this.#readPause();
    this.#changed.emit();
  }

  get policy(): ActivePolicy | undefined {
    return this.#policy;
  }

  /** A pause by the resident's switch or by the centre is set (its `until` may have passed). */
  get pausedByResident(): boolean {
    return this.#pause !== undefined;
  }

  /** The pause by the resident's switch or by the centre, while it holds at `now`. */
  pauseAt(now: EpochMillis): PauseState | undefined {
    const p = this.#pause;
    return p && (p.until === undefined || now < p.until) ? p : undefined;
  }

  get installPreviewUntil(): EpochMillis | undefined {
    return this.#installPreviewUntil;
  }

  /**
   * The window open at `now` and the next to open after it, from the cache while `now` lies before
   * the earlier of the open one's end and the next one's start (nothing can change before then).
   */
  /** The windows from `now` up to `horizon` and the policy's look rules (the round's plan). */
  plan(now: EpochMillis, horizon: EpochMillis): LookPlan {
    const policy = this.#policy;
    if (!policy) return { windows: [], emergencyAllowed: false, maxSessionSeconds: undefined };
    const windows = policy.schedule.nextWindows(now, PLAN_MAX_WINDOWS).filter((w) => w.start < horizon);
    const { emergencyAllowed, maxSessionSeconds } = policy.body;
    return { windows, emergencyAllowed, maxSessionSeconds };
  }

  windowsAt(now: EpochMillis): Windows {
    const policy = this.#policy;
    if (!policy) return { open: undefined, next: undefined };
    const c = this.#windows;
    if (c && c.policy === policy && now >= c.from && now < c.until) return { open: c.open, next: c.next };
    const open = policy.schedule.openWindowAt(now);
    const next = policy.schedule.nextWindows(now, 2).find((w) => w.start > now);
    const until = Math.min(open?.end ?? Number.POSITIVE_INFINITY, next?.start ?? Number.POSITIVE_INFINITY);
    this.#windows = { policy, from: now, until, open, next };
    return { open, next };
  }

  /** Fired after the policy, the pause or the install preview changed. */
  onChange(listener: () => void): () => void {
    return this.#changed.on(listener);
  }

  /** Verifies, audits, stores (atomically), then applies. Any failure leaves the policy in force. */
  async apply(jws: string, actor: string): Promise<PolicyVerdict> {
    const verdict = await verifyPolicy(jws.trim(), this.#trust(this.#policy?.body.version));
    if (!verdict.ok) {
      await this.#d.record({ type: 'policy_rejected', actor, code: verdict.code });
      return verdict;
    }
    const version = verdict.policy.body.version;
    try {
      await this.#d.append({ type: 'policy_applied', actor, detail: { version } });
    } catch {
      return { ok: false, code: 'audit_unavailable', message: 'the policy change could not be audited' };
    }
    try {
      await this.#d.state.writeAtomic(POLICY_FILE, verdict.policy.jws);
    } catch {
      await this.#d.record({ type: 'policy_rejected', actor, code: 'state_unwritable', detail: { version } });
      return { ok: false, code: 'state_unwritable', message: 'the policy could not be stored' };
    }
    this.#policy = verdict.policy;
    this.#changed.emit();
    return verdict;
  }

  /**
   * Pausing fails closed: it holds at once, even if it cannot be audited (the record says who paused
   * and until when); `storePause` persists it. A bare actor is the resident's switch.
   */
  async pause(request: PauseRequest | string): Promise<void> {
    const p: PauseRequest =
      typeof request === 'string' ? { by: 'resident', actor: request, since: undefined } : request;
    this.#pause = { by: p.by, actor: p.actor, since: p.since, until: p.until };
    this.#changed.emit();
    await this.#d.record({ type: 'pause', actor: p.actor, detail: pauseDetail(this.#pause) });
  }

  async storePause(): Promise<void> {
    const text = JSON.stringify({ paused: true, ...this.#pause });
    await this.#d.state.writeAtomic(PAUSE_FILE, text).catch((error) => {
      this.#d.log.error({ err: error }, 'pause could not be stored; it holds until restart');
    });
  }

  /**
   * Resuming opens the camera again, so it happens only once audited and stored (else it throws).
   * `expired`: the pause reached its own `until` (agreed and audited when it was made).
   */
  async resume(actor: string, expired = false): Promise<void> {
    const by = this.#pause?.by;
    await this.#d.append({
      type: 'resume',
      actor,
      ...(by ? { detail: { by, ...(expired ? { expired } : {}) } } : {}),
    });
    await this.#d.state.writeAtomic(PAUSE_FILE, JSON.stringify({ paused: false }));
    this.#pause = undefined;
    this.#changed.emit();
  }

  setInstallPreview(until: EpochMillis | undefined): void {
    this.#installPreviewUntil = until;
    this.#changed.emit();
  }

  /** The stored pause; an unreadable one counts as paused by the resident, open-ended (fail closed). */
  async #readPause(): Promise<PauseState | undefined> {
    try {
      const text = await this.#d.state.read(PAUSE_FILE);
      return text === undefined ? undefined : parsePause(JSON.parse(text));
    } catch (error) {
      this.#d.log.error({ err: error }, 'pause flag unreadable: staying paused until the resident resumes');
      return { by: 'resident', actor: 'resident', since: undefined, until: undefined };
    }
  }

  #trust(currentVersion: number | undefined) {
    return { publicKey: this.#d.policyKey, deviceId: this.#d.deviceId, currentVersion };
  }
}
