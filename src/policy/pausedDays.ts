/**
 * The resident's pauses as whole local days, for the window search: merged into sorted runs that do
 * not overlap, so the run covering a day is found by binary search and each run is skipped in one
 * step however long it is (issue 13: a search that walked a long pause day by day blocked the device).
 * ISO dates (`YYYY-MM-DD`) compare as strings.
 */
import type { PauseSpec } from './schedule.ts';

export interface DayRun {
  /** First paused local date. */
  from: string;
  /** Last paused local date (inclusive). */
  to: string;
}

export class PausedDays {
  readonly #runs: DayRun[];
  readonly #starts: string[];

  constructor(pauses: readonly PauseSpec[]) {
    const sorted = pauses
      .map((p) => ({ from: p.from, to: p.to }))
      .sort((a, b) => a.from.localeCompare(b.from));
    const runs: DayRun[] = [];
    for (const p of sorted) {
      const last = runs.at(-1);
      if (!last || p.from > last.to) runs.push(p);
      else if (p.to > last.to) last.to = p.to;
    }
    this.#runs = runs;
    this.#starts = runs.map((r) => r.from);
  }

  /** The run of paused days containing `isoDate`, or undefined. */
  covering(isoDate: string): DayRun | undefined {
    const i = firstAtOrAfter(this.#starts, isoDate);
    const run = this.#runs[i]?.from === isoDate ? this.#runs[i] : this.#runs[i - 1];
    return run && run.from <= isoDate && isoDate <= run.to ? run : undefined;
  }
}

/** Index of the first entry of a sorted list that is not before `key`. */
export function firstAtOrAfter(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
