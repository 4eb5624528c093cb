/** Restart back-off as a value: tests and health reports read the schedule instead of sleeping. */
export interface RetryScheduleSpec {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export class RetrySchedule {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;

  constructor(spec: RetryScheduleSpec) {
    this.initialMs = spec.initialMs;
    this.factor = spec.factor;
    this.maxMs = spec.maxMs;
  }

  /** Delay before restart number `attempt` (0-based) of a run of failures. */
  delayFor(attempt: number): number {
    return Math.min(this.maxMs, Math.round(this.initialMs * this.factor ** attempt));
  }

  /** The first `n` delays, e.g. [500, 1000, 2000, 4000]. */
  steps(n: number): number[] {
    return Array.from({ length: n }, (_, i) => this.delayFor(i));
  }

  toString(): string {
    return `${this.steps(4).join(', ')} … ≤ ${this.maxMs} ms`;
  }
}
