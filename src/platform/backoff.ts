/**
 * The one back-off schedule, as a value (after matter.js's RetrySchedule): tests, health reports and
 * docs read the delays instead of sleeping. Exponential from `initialMs` by `factor` up to `maxMs`;
 * each delay shortened by a random share up to `jitter`, so a fleet that lost the same broker does
 * not come back in lockstep. Used by the camera's restarts, the MQTT reconnects and the outbox's
 * retries after a store failure.
 */
export interface BackoffSpec {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Share of each delay that is random: 0.5 gives a delay between half and all of the base. */
  jitter?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  readonly jitter: number;

  constructor(spec: BackoffSpec) {
    this.initialMs = spec.initialMs;
    this.factor = spec.factor;
    this.maxMs = spec.maxMs;
    this.jitter = spec.jitter ?? 0;
  }

  /** The un-jittered delay before attempt `attempt` (0 = the first retry). */
  baseDelay(attempt: number): number {
    return Math.min(this.maxMs, this.initialMs * this.factor ** Math.min(attempt, 64));
  }

  /** The delay before attempt `attempt`, given a random number in [0, 1) (no jitter: ignored). */
  delay(attempt: number, random = 0): number {
    return Math.round(this.baseDelay(attempt) * (1 - this.jitter * random));
  }

  /** The first `n` delays for a sequence of random numbers, e.g. [500, 1000, 2000, 4000]. */
  delays(n: number, random: () => number = () => 0): number[] {
    return Array.from({ length: n }, (_, i) => this.delay(i, random()));
  }

  toString(): string {
    return `${this.delays(4).join(', ')} … ≤ ${this.maxMs} ms`;
  }
}
