/**
 * The policy in force and the resident's own switches: the signed policy (loaded from and
 * persisted to the state directory, replaced only once audited and stored), the pause button
 * (persisted; unreadable counts as paused) and the installer's aiming preview. Announces every
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
  #paused = false;
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
    this.#paused = await this.#readPause();
    this.#changed.emit();
  }

  get policy(): ActivePolicy | undefined {
    return this.#policy;
  }

  get pausedByResident(): boolean {
    return this.#paused;
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

  /** Pausing fails closed: it holds at once, even if it cannot be audited; `storePause` persists it. */
  async pause(actor: string): Promise<void> {
    this.#paused = true;
    this.#changed.emit();
    await this.#d.record({ type: 'pause', actor });
  }

  async storePause(): Promise<void> {
    await this.#d.state.writeAtomic(PAUSE_FILE, JSON.stringify({ paused: true })).catch((error) => {
      this.#d.log.error({ err: error }, 'pause could not be stored; it holds until restart');
    });
  }

  /** Resuming opens the camera again, so it happens only once audited and stored (else it throws). */
  async resume(actor: string): Promise<void> {
    await this.#d.append({ type: 'resume', actor });
    await this.#d.state.writeAtomic(PAUSE_FILE, JSON.stringify({ paused: false }));
    this.#paused = false;
    this.#changed.emit();
  }

  setInstallPreview(until: EpochMillis | undefined): void {
    this.#installPreviewUntil = until;
    this.#changed.emit();
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

  #trust(currentVersion: number | undefined) {
    return { publicKey: this.#d.policyKey, deviceId: this.#d.deviceId, currentVersion };
  }
}
