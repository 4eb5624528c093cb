/**
 * The room's two lights: the IR illuminator is on while the camera runs; the privacy LED is on
 * exactly while at least one session lives, so the resident can always tell they are watched.
 */
import type { AccessControl } from '../access/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import type { GpioOutputs } from './gpio.ts';
import type { CameraSource, CameraState } from './types.ts';

export interface IndicatorOptions {
  gpio: GpioOutputs;
  camera: Pick<CameraSource, 'onStatus' | 'status'>;
  access: Pick<AccessControl, 'onSessionsChanged' | 'sessions'>;
  irPin?: number | undefined;
  ledPin?: number | undefined;
  logger?: Logger;
}

const CAMERA_ON: ReadonlySet<CameraState> = new Set(['starting', 'running', 'stalled']);

export class PrivacyIndicators {
  readonly #o: IndicatorOptions;
  readonly #log: Logger;
  readonly #subscriptions = new Subscriptions();
  #queue: Promise<void> = Promise.resolve();

  constructor(options: IndicatorOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(
      this.#o.access.onSessionsChanged((count) => this.#set(this.#o.ledPin, count > 0)),
      this.#o.camera.onStatus((s) => this.#set(this.#o.irPin, CAMERA_ON.has(s.state))),
    );
    this.#set(this.#o.ledPin, this.#o.access.sessions().length > 0);
    this.#set(this.#o.irPin, CAMERA_ON.has(this.#o.camera.status().state));
    await this.#queue;
  }

  async stop(): Promise<void> {
    this.#subscriptions.clear();
    await this.#queue;
    await this.#o.gpio.close();
  }

  /** Resolves when every pin change asked for so far is done. */
  settled(): Promise<void> {
    return this.#queue;
  }

  #set(pin: number | undefined, on: boolean): void {
    if (pin === undefined) return;
    this.#queue = this.#queue
      .then(() => this.#o.gpio.set(pin, on))
      .catch((error) => this.#log.error({ pin, err: String(error) }, 'gpio write failed'));
  }
}
