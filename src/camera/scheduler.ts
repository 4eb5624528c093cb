/**
 * Runs the camera only while it is wanted: a window opens within the lead time, is open, or a
 * session lives (`access.cameraWanted`). Re-evaluates on every session change and on a tick;
 * start and stop never overlap.
 */
import type { AccessControl } from '../access/types.ts';
import { systemTime } from '../platform/systemTime.ts';
import type { Timer } from '../platform/time.ts';
import { type Logger, silentLogger, type Time } from './ports.ts';

export interface SchedulerOptions {
  access: Pick<AccessControl, 'cameraWanted' | 'onSessionsChanged'>;
  camera: { start(): Promise<void>; stop(): Promise<void> };
  leadMs: number;
  tickMs?: number;
  time?: Time;
  logger?: Logger;
}

export class CameraScheduler {
  readonly #o: Required<SchedulerOptions>;
  #timer: Timer | undefined;
  #off: (() => void) | undefined;
  #cameraOn = false;
  #active = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.#o = { tickMs: 5000, time: systemTime, logger: silentLogger, ...options };
  }

  get cameraOn(): boolean {
    return this.#cameraOn;
  }

  async start(): Promise<void> {
    if (this.#active) return;
    this.#active = true;
    this.#off = this.#o.access.onSessionsChanged(() => void this.evaluate());
    this.#tick();
    await this.evaluate();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#off?.();
    this.#off = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#enqueue(async () => {
      if (!this.#cameraOn) return;
      this.#cameraOn = false;
      await this.#o.camera.stop();
    });
  }

  /** Starts or stops the camera to match `cameraWanted` now; resolves once it has. */
  evaluate(): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#active) return;
      const wanted = this.#o.access.cameraWanted(this.#o.leadMs);
      if (wanted === this.#cameraOn) return;
      this.#cameraOn = wanted;
      this.#o.logger.info({ wanted }, wanted ? 'camera wanted: starting' : 'camera not wanted: stopping');
      await (wanted ? this.#o.camera.start() : this.#o.camera.stop());
    });
  }

  #tick(): void {
    this.#timer = this.#o.time.timeout('camera-schedule', this.#o.tickMs, () => {
      if (!this.#active) return;
      void this.evaluate();
      this.#tick();
    });
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch((error) =>
      this.#o.logger.error({ err: String(error) }, 'camera schedule step failed'),
    );
    return run;
  }
}
