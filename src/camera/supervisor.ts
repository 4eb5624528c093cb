/**
 * Keeps a camera source alive while it is wanted: restarts it when its process dies or when no
 * access unit came for `stallMs`, after the back-off of its schedule (platform/backoff.ts). A run of failures resets
 * once a source has delivered pictures for `healthyAfterMs`. Itself a CameraSource, so the hub and
 * health never see a restart, only the status.
 */

import type { Backoff } from '../platform/backoff.ts';
import { Emitter, Subscriptions } from '../platform/emitter.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import { systemTime, type Time, type Timer } from '../platform/time.ts';
import type { AccessUnit, CameraSource, CameraStatus } from './types.ts';

export interface SupervisorOptions {
  /** Builds a fresh source for each run. */
  create: () => CameraSource;
  schedule: Backoff;
  stallMs: number;
  healthyAfterMs?: number;
  time?: Time;
  logger?: Logger;
}

export class CameraSupervisor implements CameraSource {
  readonly #o: Required<SupervisorOptions>;
  readonly #accessUnits = new Emitter<[AccessUnit]>();
  readonly #statuses = new Emitter<[CameraStatus]>();
  #source: CameraSource | undefined;
  readonly #subscriptions = new Subscriptions();
  #running = false;
  #watchdog: Timer | undefined;
  #retryTimer: Timer | undefined;
  #restarts = 0;
  #attempt = 0;
  #lastAuMono = 0;
  #firstAuMono: number | undefined;
  #lastError: string | undefined;
  #stalled = false;

  constructor(options: SupervisorOptions) {
    this.#o = {
      healthyAfterMs: 10_000,
      time: systemTime,
      logger: silentLogger,
      ...options,
    };
  }

  get schedule(): Backoff {
    return this.#o.schedule;
  }

  /** Delay before the next restart if the source failed now. */
  get nextRetryMs(): number {
    return this.#o.schedule.delay(this.#attempt);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#launch();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#clearTimers();
    await this.#teardown();
    this.#publish();
  }

  status(): CameraStatus {
    const inner = this.#source?.status();
    const state = !this.#running ? 'stopped' : this.#stalled ? 'stalled' : (inner?.state ?? 'failed');
    return {
      state,
      driver: inner?.driver ?? 'none',
      fps: inner?.fps ?? 0,
      lastFrameAgeMs: inner?.lastFrameAgeMs,
      restarts: this.#restarts,
      lastError: this.#lastError ?? inner?.lastError,
    };
  }

  onAccessUnit(listener: (au: AccessUnit) => void): () => void {
    return this.#accessUnits.on(listener);
  }

  onStatus(listener: (s: CameraStatus) => void): () => void {
    return this.#statuses.on(listener);
  }

  requestKeyframe(): void {
    this.#source?.requestKeyframe?.();
  }

  async #launch(): Promise<void> {
    const source = this.#o.create();
    this.#source = source;
    this.#stalled = false;
    this.#firstAuMono = undefined;
    this.#lastAuMono = this.#o.time.monotonic();
    this.#subscriptions.add(
      source.onAccessUnit((au) => this.#onAccessUnit(au)),
      source.onStatus((s) => {
        if (s.state === 'failed') this.#failed(s.lastError ?? 'camera_exited');
        else this.#publish();
      }),
    );
    this.#armWatchdog();
    try {
      await source.start();
    } catch (error) {
      this.#o.logger.warn({ err: String(error) }, 'camera source did not start');
      this.#failed('camera_missing');
    }
  }

  #onAccessUnit(au: AccessUnit): void {
    const now = this.#o.time.monotonic();
    this.#lastAuMono = now;
    this.#firstAuMono ??= now;
    if (this.#stalled) {
      this.#stalled = false;
      this.#publish();
    }
    if (now - this.#firstAuMono >= this.#o.healthyAfterMs) {
      this.#attempt = 0;
      this.#lastError = undefined;
    }
    this.#accessUnits.emit(au);
  }

  #armWatchdog(): void {
    this.#watchdog?.cancel();
    const check = () => {
      this.#watchdog = undefined;
      if (!this.#running || this.#retryTimer) return;
      const quiet = this.#o.time.monotonic() - this.#lastAuMono;
      if (quiet >= this.#o.stallMs) return this.#failed('camera_stalled');
      this.#watchdog = this.#o.time.timeout('camera-stall', Math.max(50, this.#o.stallMs - quiet), check);
    };
    this.#watchdog = this.#o.time.timeout('camera-stall', this.#o.stallMs, check);
  }

  #failed(code: string): void {
    if (!this.#running || this.#retryTimer) return;
    this.#lastError = code;
    this.#stalled = code === 'camera_stalled';
    const delay = this.#o.schedule.delay(this.#attempt);
    this.#attempt += 1;
    this.#o.logger.warn(
      { code, delayMs: delay, restarts: this.#restarts },
      'camera source failed, restarting',
    );
    this.#publish();
    void this.#teardown();
    this.#retryTimer = this.#o.time.timeout('camera-restart', delay, () => {
      this.#retryTimer = undefined;
      if (!this.#running) return;
      this.#restarts += 1;
      void this.#launch();
    });
  }

  async #teardown(): Promise<void> {
    this.#subscriptions.clear();
    const source = this.#source;
    this.#source = undefined;
    this.#watchdog?.cancel();
    this.#watchdog = undefined;
    await source?.stop();
  }

  #clearTimers(): void {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
  }

  #publish(): void {
    const status = this.status();
    this.#statuses.emit(status);
  }
}
