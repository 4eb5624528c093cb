/**
 * Whether the wall clock can be trusted: systemd-timesyncd creates a flag file once NTP has synced
 * (the Pi has no battery clock). The file is re-read every few seconds (another process owns it)
 * and a change is announced, so the gate, the camera schedule and health never poll it themselves.
 */
import { Emitter } from './emitter.ts';
import type { Time, Timer } from './time.ts';

/** How often the flag is re-read. */
export const CLOCK_PROBE_MS = 5_000;

export interface ClockSyncDeps {
  /** Reads the flag (platform/system.ts `timesyncProbe`). */
  probe: () => Promise<boolean>;
  /** Demo and development machines only: trusted without NTP, never re-read. */
  assumeSynced: boolean;
  time: Pick<Time, 'interval'>;
  onChangeLog?: (synced: boolean) => void;
}

export class ClockSync {
  readonly #d: ClockSyncDeps;
  readonly #changed = new Emitter<[boolean]>();
  #synced = false;
  #timer: Timer | undefined;

  constructor(deps: ClockSyncDeps) {
    this.#d = deps;
  }

  /** The latest reading (false until `start` has read it once). */
  synced = (): boolean => this.#synced;

  onChange(listener: (synced: boolean) => void): () => void {
    return this.#changed.on(listener);
  }

  async start(): Promise<void> {
    if (this.#d.assumeSynced) {
      this.#synced = true;
      return;
    }
    this.#synced = await this.#d.probe();
    this.#timer ??= this.#d.time.interval('clock-probe', CLOCK_PROBE_MS, () => void this.#read());
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  async #read(): Promise<void> {
    const synced = await this.#d.probe();
    if (synced === this.#synced) return;
    this.#synced = synced;
    this.#d.onChangeLog?.(synced);
    this.#changed.emit(synced);
  }
}
