/**
 * The resident's pause button (issue 9, item 10): one GPIO input by the bed. A press pauses
 * supervision until the resident resumes; holding it for `longPressMs` resumes. Access control
 * cuts any live look, audits who paused and stores it; the privacy LED blinks to confirm (three
 * short blinks: paused; one long: resumed). Nothing is confirmed that did not happen: a resume that
 * could not be audited, or a planned pause of the signed policy (which no button lifts), gives no
 * blink. Debounced on the injected clock: a level counts once it has held `debounceMs`.
 */
import type { AccessControl } from '../access/types.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { GpioInputs } from './gpio.ts';

export interface PauseButtonConfig {
  pin: number;
  activeLow: boolean;
  debounceMs: number;
  longPressMs: number;
}

export interface PauseButtonDeps {
  gpio: GpioInputs;
  config: PauseButtonConfig;
  access: Pick<AccessControl, 'setPaused' | 'windowState'>;
  /** Blinks the privacy LED `times` times, each `onMs` long (indicators.ts). */
  confirm: (times: number, onMs: number) => void;
  time: Pick<Time, 'timeout'>;
  logger?: Logger;
}

export const PAUSED_BLINK = { times: 3, onMs: 200 } as const;
export const RESUMED_BLINK = { times: 1, onMs: 1000 } as const;

export class PauseButton {
  readonly #d: PauseButtonDeps;
  readonly #log: Logger;
  #off: (() => void) | undefined;
  #value: 0 | 1 = 1;
  #pressed = false;
  /** The press was held long enough to resume: its release does not pause. */
  #held = false;
  #debounce: Timer | undefined;
  #hold: Timer | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(deps: PauseButtonDeps) {
    this.#d = deps;
    this.#log = deps.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.#off) return;
    const { gpio, config } = this.#d;
    this.#value = await gpio.read(config.pin);
    this.#pressed = this.#isPressed(this.#value);
    this.#off = await gpio.watch(config.pin, (value) => this.#edge(value));
  }

  async stop(): Promise<void> {
    this.#off?.();
    this.#off = undefined;
    this.#debounce?.cancel();
    this.#hold?.cancel();
    this.#debounce = this.#hold = undefined;
    await this.#queue;
  }

  #isPressed(value: 0 | 1): boolean {
    return this.#d.config.activeLow ? value === 0 : value === 1;
  }

  #edge(value: 0 | 1): void {
    this.#value = value;
    this.#debounce?.cancel();
    this.#debounce = this.#d.time.timeout('pause-button-debounce', this.#d.config.debounceMs, () => {
      this.#debounce = undefined;
      this.#settled();
    });
  }

  /** The line has held one level for the debounce time: a press or a release, if it changed. */
  #settled(): void {
    const pressed = this.#isPressed(this.#value);
    if (pressed === this.#pressed) return;
    this.#pressed = pressed;
    if (pressed) {
      this.#held = false;
      this.#hold = this.#d.time.timeout('pause-button-hold', this.#d.config.longPressMs, () => {
        this.#hold = undefined;
        this.#held = true;
        this.#run(() => this.#resume());
      });
      return;
    }
    this.#hold?.cancel();
    this.#hold = undefined;
    if (!this.#held) this.#run(() => this.#pause());
  }

  #run(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(step).catch((error) => {
      this.#log.error({ err: String(error) }, 'pause button: not done');
    });
  }

  async #pause(): Promise<void> {
    const { pause } = this.#d.access.windowState();
    if (!pause || pause.by === 'policy') await this.#d.access.setPaused(true, 'resident', { by: 'resident' });
    this.#log.info({ by: 'resident' }, 'paused by the button');
    this.#d.confirm(PAUSED_BLINK.times, PAUSED_BLINK.onMs);
  }

  async #resume(): Promise<void> {
    const { pause } = this.#d.access.windowState();
    if (!pause || pause.by === 'policy') return;
    await this.#d.access.setPaused(false, 'resident');
    this.#log.info({ by: 'resident' }, 'resumed by the button');
    this.#d.confirm(RESUMED_BLINK.times, RESUMED_BLINK.onMs);
  }
}
