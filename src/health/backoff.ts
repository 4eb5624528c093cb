/**
 * Reconnect back-off as a value (after matter.js's RetrySchedule): tests read the delays without
 * sleeping. Exponential from `initialMs` to `maxMs`, each delay shortened by a random share up to
 * `jitter` so a fleet that lost the same broker does not come back in lockstep.
 */
import type { BackoffConfig } from './config.ts';

export class BackoffSchedule {
  readonly config: BackoffConfig;

  constructor(config: BackoffConfig) {
    this.config = config;
  }

  /** The base (un-jittered) delay before attempt `attempt` (0 = first retry). */
  baseDelay(attempt: number): number {
    const { initialMs, maxMs, factor } = this.config;
    return Math.min(maxMs, initialMs * factor ** Math.min(attempt, 64));
  }

  /** The delay before attempt `attempt`, given a random number in [0, 1). */
  delay(attempt: number, random: number): number {
    const base = this.baseDelay(attempt);
    return Math.round(base * (1 - this.config.jitter * random));
  }

  /** The first `n` delays for a sequence of random numbers: what tests and the docs read. */
  delays(n: number, random: () => number): number[] {
    return Array.from({ length: n }, (_, i) => this.delay(i, random()));
  }
}
