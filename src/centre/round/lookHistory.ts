/**
 * The looks the round has to know about: what a staff member saw on each look, as the device
 * recorded it in its audit chain (a `look_outcome` record linked to the session). The round reads
 * them through this interface only, so that done checks and follow-ups survive a reload and are
 * the same at every centre instance: in production the audit archive answers (its store holds
 * every device's audit records); `MemoryLookHistory` serves tests and a centre without an archive.
 */
import type { LookOutcome } from '../../protocol/index.ts';

export interface LookRecord {
  deviceId: string;
  /** The device's WHEP session the look was. */
  sessionId: string;
  /** Who looked (the IdP's staff id, the token's `sub`). */
  staffId: string;
  outcome: LookOutcome;
  /** When the device recorded the outcome (epoch ms). */
  at: number;
  /** The supervision window the look fell in, when there was one. */
  windowId?: string | undefined;
}

export interface LookHistory {
  /** Outcomes recorded for these devices at or after `since` (epoch ms), oldest first. */
  looksSince(deviceIds: readonly string[], since: number): Promise<LookRecord[]>;
}

/** Keeps outcomes for a day and a half (a night shift from any moment), oldest first. */
export class MemoryLookHistory implements LookHistory {
  static readonly KEEP_MS = 36 * 3_600_000;
  readonly #byDevice = new Map<string, LookRecord[]>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Adds a record; a repeat of one already held (same device, session and time) is dropped. */
  add(record: LookRecord): void {
    const list = this.#byDevice.get(record.deviceId) ?? [];
    if (list.some((r) => r.sessionId === record.sessionId && r.at === record.at)) return;
    const horizon = this.#now() - MemoryLookHistory.KEEP_MS;
    const kept = list.filter((r) => r.at >= horizon);
    kept.push(record);
    kept.sort((a, b) => a.at - b.at);
    this.#byDevice.set(record.deviceId, kept);
  }

  async looksSince(deviceIds: readonly string[], since: number): Promise<LookRecord[]> {
    return deviceIds
      .flatMap((id) => this.#byDevice.get(id) ?? [])
      .filter((r) => r.at >= since)
      .sort((a, b) => a.at - b.at);
  }
}
