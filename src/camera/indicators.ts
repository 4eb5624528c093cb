/**
 * The room's two lights: the IR illuminator is on while the camera runs; the privacy LED is on
 * exactly while at least one session lives, so the resident can always tell they are watched. The
 * LED also blinks to confirm the pause button, but only while nobody watches: a session starting
 * mid-blink ends the blink with the LED on.
 */
import type { AccessControl } from '../access/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { GpioOutputs } from './gpio.ts';
import type { CameraSource, CameraState } from './types.ts';

export interface IndicatorOptions {
  gpio: GpioOutputs;
  camera: Pick<CameraSource, 'onStatus' | 'status'>;
  access: Pick<AccessControl, 'onSessionsChanged' | 'sessions'>;
  irPin?: number | undefined;
  ledPin?: number | undefined;
  logger?: Logger;
  /** For the LED's confirmation blinks. */
  time?: Pick<Time, 'timeout'>;
}

const CAMERA_ON: ReadonlySet<CameraState> = new Set(['starting', 'running', 'stalled']);

export class PrivacyIndicators {
  readonly #o: IndicatorOptions;
  readonly #log: Logger;
  readonly #subscriptions = new Subscriptions();
  #queue: Promise<void> = Promise.resolve();
  #blink: Timer | undefined;

  constructor(options: IndicatorOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(
      this.#o.access.onSessionsChanged((count) => {
        this.#stopBlink();
        this.#set(this.#o.ledPin, count > 0);
      }),
      this.#o.camera.onStatus((s) => this.#set(this.#o.irPin, CAMERA_ON.has(s.state))),
    );
    this.#set(this.#o.ledPin, this.#o.access.sessions().length > 0);
    this.#set(this.#o.irPin, CAMERA_ON.has(this.#o.camera.status().state));
    await this.#queue;
  }

  async stop(): Promise<void> {
    this.#stopBlink();
    this.#subscriptions.clear();
    await this.#queue;
    await this.#o.gpio.close();
  }

  /** Resolves when every pin change asked for so far is done. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** Blinks the LED `times` times, `onMs` on and off each; not while a session lives. */
  blink(times: number, onMs: number): void {
    const { ledPin, time, access } = this.#o;
    if (ledPin === undefined || !time || !this.#subscriptions.active || access.sessions().length > 0) return;
    this.#stopBlink();
    let step = 0;
    const next = () => {
      if (step === times * 2) {
        this.#blink = undefined;
        this.#set(ledPin, access.sessions().length > 0);
        return;
      }
      this.#set(ledPin, step % 2 === 0);
      step += 1;
      this.#blink = time.timeout('led-blink', onMs, next);
    };
    next();
  }

  #stopBlink(): void {
    this.#blink?.cancel();
    this.#blink = undefined;
  }

  #set(pin: number | undefined, on: boolean): void {
    if (pin === undefined) return;
    this.#queue = this.#queue
      .then(() => this.#o.gpio.set(pin, on))
      .catch((error) => this.#log.error({ pin, err: String(error) }, 'gpio write failed'));
  }
}
