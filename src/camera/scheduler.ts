/**
 * Runs the camera only while it is wanted: a window opens within the lead time, is open, or a
 * session lives (`access.cameraSchedule`). Pushed, not polled: it re-evaluates when access control
 * announces a change (policy, pause, sessions, clock sync) and at the one instant the answer can
 * change by time alone, which access control names. Start and stop never overlap.
 */
import type { AccessControl } from '../access/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import { systemTime, type Time, type Timer } from '../platform/time.ts';

export interface SchedulerOptions {
  access: Pick<AccessControl, 'cameraSchedule' | 'onChange'>;
  camera: { start(): Promise<void>; stop(): Promise<void> };
  /** The configured lead (camera.leadSeconds). */
  leadMs: number;
  /** Leads other parts need the camera up for, e.g. the readiness check before a window. */
  neededLeadMs?: readonly number[];
  time?: Time;
  logger?: Logger;
}

export class CameraScheduler {
  readonly #o: SchedulerOptions;
  readonly #time: Time;
  readonly #log: Logger;
  readonly #subscriptions = new Subscriptions();
  #recheck: Timer | undefined;
  #cameraOn = false;
  #active = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#time = options.time ?? systemTime;
    this.#log = options.logger ?? silentLogger;
  }

  get cameraOn(): boolean {
    return this.#cameraOn;
  }

  /** The lead actually used: the longest anyone needs. */
  get leadMs(): number {
    return Math.max(this.#o.leadMs, ...(this.#o.neededLeadMs ?? []));
  }

  async start(): Promise<void> {
    if (this.#active) return;
    this.#active = true;
    this.#subscriptions.add(this.#o.access.onChange(() => void this.evaluate()));
    await this.evaluate();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#subscriptions.clear();
    this.#recheck?.cancel();
    this.#recheck = undefined;
    await this.#enqueue(async () => {
      if (!this.#cameraOn) return;
      this.#cameraOn = false;
      await this.#o.camera.stop();
    });
  }

  /** Starts or stops the camera to match the schedule now; resolves once it has. */
  evaluate(): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#active) return;
      const { wanted, recheckAt } = this.#o.access.cameraSchedule(this.leadMs);
      this.#recheck?.cancel();
      this.#recheck =
        recheckAt === undefined
          ? undefined
          : this.#time.timeout('camera-schedule', recheckAt - this.#time.now(), () => void this.evaluate());
      if (wanted === this.#cameraOn) return;
      this.#cameraOn = wanted;
      this.#log.info({ wanted }, wanted ? 'camera wanted: starting' : 'camera not wanted: stopping');
      await (wanted ? this.#o.camera.start() : this.#o.camera.stop());
    });
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch((error) =>
      this.#log.error({ err: String(error) }, 'camera schedule step failed'),
    );
    return run;
  }
}
