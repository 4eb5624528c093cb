/**
 * The installer's aiming window (issue 5): for at most 10 minutes after a registration or a local
 * self-test, an `install`-scope token may open a live preview outside the supervision windows. This
 * class owns when that window is open (persisted, so the CLI can open it for the running service)
 * and the reference view: on confirmation only the picture's perceptual hash is stored, never the
 * picture. Every step is audited as `install_preview` / `reference_view_set`.
 * The audit log has one writer, the service: a CLI process opens the window without `audit`, and the
 * service audits that opening when it next calls `load()`.
 */

import type { AccessUnit } from '../camera/types.ts';
import { NattsynError } from '../errors.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { AuditEntry, DurableStore, EpochMillis } from '../policy/index.ts';

export const INSTALL_PREVIEW_MS = 10 * 60_000;
export const INSTALL_WINDOW_FILE = 'install-window.json';
export const REFERENCE_VIEW_FILE = 'reference-view.json';

export type InstallWindowReason = 'registration' | 'selftest';

export interface InstallWindowDeps {
  store: DurableStore;
  /** Wall time for the window; its timer only for `start()` (the service follows the CLI's openings). */
  time: Pick<Time, 'now'> & Partial<Pick<Time, 'timeout'>>;
  /** The service's audit log; left out in CLI processes (the service audits their openings on load). */
  audit?: { append(entry: AuditEntry): Promise<unknown> } | undefined;
  /** The frame checks' hash of one keyframe (health: `perceptualHash(au)`), computed in memory. */
  perceptualHash?: ((au: AccessUnit) => Promise<string>) | undefined;
}

interface Persisted {
  openedAt: number;
  reason: InstallWindowReason;
  audited: boolean;
}

export class InstallWindow {
  readonly #deps: InstallWindowDeps;
  #opened: Persisted | undefined;
  #reference: string | undefined;
  #polling = false;
  #timer: Timer | undefined;
  /** `start()`'s listener and the end it last reported. */
  #onChange: ((until: EpochMillis | undefined) => void) | undefined;
  #announced: EpochMillis | undefined;

  constructor(deps: InstallWindowDeps) {
    this.#deps = deps;
  }

  /** Reads the persisted window (the CLI may have opened it) and audits an opening not yet audited. */
  async load(): Promise<void> {
    const text = await this.#deps.store.read(INSTALL_WINDOW_FILE);
    const p = text === undefined ? undefined : (JSON.parse(text) as Partial<Persisted>);
    this.#opened =
      typeof p?.openedAt === 'number' && (p.reason === 'registration' || p.reason === 'selftest')
        ? { openedAt: p.openedAt, reason: p.reason, audited: p.audited === true }
        : undefined;
    if (this.#opened && !this.#opened.audited && this.#deps.audit) await this.#auditOpening(this.#opened);
    await this.referenceHash();
  }

  /**
   * The end of the open window, for `GateState.installPreviewUntil`; undefined when none is open.
   * A window whose opening lies in the future (clock set back) counts as closed.
   */
  until(now: EpochMillis = this.#deps.time.now()): EpochMillis | undefined {
    if (!this.#opened) return undefined;
    const end = this.#opened.openedAt + INSTALL_PREVIEW_MS;
    return now >= this.#opened.openedAt && now < end ? (end as EpochMillis) : undefined;
  }

  async open(reason: InstallWindowReason): Promise<EpochMillis> {
    const opened: Persisted = { openedAt: this.#deps.time.now(), reason, audited: false };
    await this.#deps.store.writeAtomic(INSTALL_WINDOW_FILE, JSON.stringify(opened));
    this.#opened = opened;
    if (this.#deps.audit) await this.#auditOpening(opened);
    return (opened.openedAt + INSTALL_PREVIEW_MS) as EpochMillis;
  }

  async #auditOpening(opened: Persisted): Promise<void> {
    const until = new Date(opened.openedAt + INSTALL_PREVIEW_MS).toISOString();
    await this.#deps.audit?.append({
      type: 'install_preview',
      actor: 'installer',
      detail: { event: 'window_opened', reason: opened.reason, until },
    });
    opened.audited = true;
    await this.#deps.store.writeAtomic(INSTALL_WINDOW_FILE, JSON.stringify(opened));
  }

  /** Closes the window and tells the listener at once: a preview must not outlive it by a poll. */
  async close(): Promise<void> {
    this.#opened = undefined;
    this.#announce(undefined);
    await this.#deps.store.remove(INSTALL_WINDOW_FILE);
  }

  #announce(until: EpochMillis | undefined): void {
    if (this.#announced === until) return;
    this.#announced = until;
    this.#onChange?.(until);
  }

  /**
   * Follows the persisted window (a CLI process opens it) and reports its end whenever it changes,
   * e.g. to `AccessController.setInstallPreview`. Polls a small file: simple, and testable with
   * injected timers.
   */
  async start(onChange: (until: EpochMillis | undefined) => void, pollMs = 2000): Promise<void> {
    const timeout = this.#deps.time.timeout?.bind(this.#deps.time);
    if (!timeout) throw new NattsynError('internal', 'InstallWindow.start needs timers');
    const tick = async () => {
      await this.load().catch(() => undefined);
      this.#announce(this.until());
      if (this.#polling) this.#timer = timeout('install-window', pollMs, () => void tick());
    };
    this.#polling = true;
    this.#onChange = onChange;
    this.#announced = undefined;
    onChange(undefined);
    await tick();
  }

  stop(): void {
    this.#polling = false;
    this.#onChange = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Stores the perceptual hash of the confirmed view (never the picture) and closes the window. */
  async confirmReference(keyframe: AccessUnit, actor: string): Promise<string> {
    if (this.until() === undefined)
      throw new NattsynError('wrong_scope', 'the aiming window is closed; run the self-test to reopen it');
    if (!keyframe.keyframe) throw new NattsynError('not_keyframe', 'the reference view must be a keyframe');
    if (!this.#deps.perceptualHash)
      throw new NattsynError('internal', 'no frame hash to store the reference view');
    const hash = await this.#deps.perceptualHash(keyframe);
    const setAt = new Date(this.#deps.time.now()).toISOString();
    await this.#deps.audit?.append({ type: 'reference_view_set', actor, detail: { hash } });
    await this.#deps.store.writeAtomic(REFERENCE_VIEW_FILE, JSON.stringify({ hash, setAt }));
    this.#reference = hash;
    await this.close();
    return hash;
  }

  /** The stored reference hash the frame checks compare against ("turned away"); also cached. */
  async referenceHash(): Promise<string | undefined> {
    const text = await this.#deps.store.read(REFERENCE_VIEW_FILE);
    this.#reference = text === undefined ? undefined : (JSON.parse(text) as { hash: string }).hash;
    return this.#reference;
  }

  /** The reference hash as last read or set, synchronously (health's `FrameChecker.referenceHash`). */
  get reference(): string | undefined {
    return this.#reference;
  }
}
