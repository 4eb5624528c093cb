/**
 * How long audit records may wait for the archive's acknowledgement before they are sent again. One
 * timer runs while records wait; it is restarted only when an ack moves (never by new records, or a
 * steady stream of them would keep it from firing), and each time it fires with nothing moved the
 * wait doubles up to its cap (a broker that dropped records past its queue, an archive that is away).
 */
import type { Time, Timer } from '../platform/time.ts';

export class AckWait {
  readonly #time: Pick<Time, 'timeout'>;
  readonly #initialMs: number;
  readonly #maxMs: number;
  /** Called when the wait ran out with records still waiting; returns whether they were sent again. */
  readonly #overdue: () => boolean;
  readonly #waiting: () => boolean;
  #wait: number;
  #timer: Timer | undefined;

  constructor(
    time: Pick<Time, 'timeout'>,
    initialMs: number,
    maxMs: number,
    hooks: { waiting: () => boolean; overdue: () => boolean },
  ) {
    this.#time = time;
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#wait = initialMs;
    this.#waiting = hooks.waiting;
    this.#overdue = hooks.overdue;
  }

  /** The current wait (doubled after each time it ran out). */
  get ms(): number {
    return this.#wait;
  }

  /** Starts the timer unless one runs (records were added). */
  ensure(): void {
    if (this.#timer === undefined) this.restart();
  }

  /** An ack moved: back to the first wait, timing from now (nothing when no record waits). */
  acknowledged(): void {
    this.#wait = this.#initialMs;
    this.restart();
  }

  restart(): void {
    this.cancel();
    if (!this.#waiting()) return;
    this.#timer = this.#time.timeout('audit-ack-wait', this.#wait, () => {
      this.#timer = undefined;
      if (this.#waiting() && this.#overdue()) this.#wait = Math.min(this.#wait * 2, this.#maxMs);
      this.restart();
    });
  }

  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
