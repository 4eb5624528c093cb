/**
 * Access control's way to the audit log: appends that notice a failure, and the re-probe of a log
 * that could not be written (issue 9, item 7). While the log is unwritable
 * the gate refuses every request with `audit_unavailable`; before this probe, the first request
 * after the disk came back was refused too, because only its own denial record reopened the log.
 * The probe is the record that says the log is back (`audit_restored`, with when access control
 * first found it unwritable): tried before a request is decided, and on a timer while the log stays
 * unwritable, so the log (and health's view of it) comes back without waiting for a request.
 */
import type { Logger } from '../log.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { AuditEntry, AuditLog, AuditRecord, EpochMillis } from '../policy/index.ts';

/** How often an unwritable log is tried again when no request comes. */
export const AUDIT_PROBE_PERIOD_MS = 15_000;

export interface AuditProbeDeps {
  audit: Pick<AuditLog, 'append' | 'writable'>;
  time: Pick<Time, 'now' | 'timeout'>;
  log: Logger;
  /** Called once the log is writable again. */
  onRestored: () => void;
  periodMs?: number;
}

export class AuditProbe {
  readonly #d: AuditProbeDeps;
  #active = false;
  #since: EpochMillis | undefined;
  #timer: Timer | undefined;
  #probing: Promise<boolean> | undefined;

  constructor(deps: AuditProbeDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#active = true;
    this.watch();
  }

  stop(): void {
    this.#active = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Appends and resolves once durable; a failure arms the re-probe, then throws. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    try {
      return await this.#d.audit.append(entry);
    } catch (error) {
      this.watch();
      throw error;
    }
  }

  /** Appends, logging a failure instead of throwing (fail-closed paths: the gate then denies). */
  async record(entry: AuditEntry): Promise<void> {
    await this.append(entry).catch((error) => {
      this.#d.log.error({ err: error, type: entry.type }, 'audit append failed');
    });
  }

  /** Called wherever a write may have failed: arms the timer while the log is unwritable. */
  watch(): void {
    if (!this.#active || this.#d.audit.writable || this.#timer) return;
    this.#since ??= this.#d.time.now();
    const period = this.#d.periodMs ?? AUDIT_PROBE_PERIOD_MS;
    this.#timer = this.#d.time.timeout('audit-probe', period, () => {
      this.#timer = undefined;
      void this.ensure();
    });
  }

  /** True when the log is writable, probing it first when it is not (one probe at a time). */
  ensure(): Promise<boolean> {
    if (this.#d.audit.writable) return Promise.resolve(true);
    this.#probing ??= this.#probe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  async #probe(): Promise<boolean> {
    const since = this.#since ?? this.#d.time.now();
    try {
      await this.#d.audit.append({
        type: 'audit_restored',
        actor: 'device',
        detail: { since: new Date(since).toISOString() },
      });
    } catch {
      this.watch();
      return false;
    }
    this.#since = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#d.log.warn({ since: new Date(since).toISOString() }, 'audit log writable again');
    this.#d.onRestored();
    return true;
  }
}
