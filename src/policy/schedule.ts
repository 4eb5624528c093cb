/**
 * Supervision windows in the resident's time zone. Owns the answer to "is a window open at this
 * instant, and which are next?" and nothing else.
 *
 * DST happens at night, exactly when windows run, so it is handled explicitly (RFC 5545 §3.3.5,
 * with the rule for gaps set by the product, not by RFC 5545):
 * - a start that falls in the spring-forward gap opens at the end of the gap;
 * - a start that falls in the repeated autumn hour opens once, at the first occurrence;
 * - a duration is elapsed time, so a window is never shortened or stretched by the clock change.
 * A window may cross midnight; its `days` name the local day it starts on.
 * Pauses are whole local days: a window whose start falls in a pause does not open, and a window
 * that runs into a pause closes where the pause begins.
 */
import { Temporal } from 'temporal-polyfill';
import { firstAtOrAfter, PausedDays } from './pausedDays.ts';
import { type EpochMillis, epochMillis } from './ports.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RecurringWindowSpec {
  id: string;
  /** Local start time, `HH:MM`. */
  start: string;
  durationMinutes: number;
  days: readonly Weekday[];
}

export interface OneOffWindowSpec {
  id: string;
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  start: string;
  durationMinutes: number;
}

export interface PauseSpec {
  /** First paused local date, `YYYY-MM-DD`. */
  from: string;
  /** Last paused local date (inclusive). */
  to: string;
  reason: string;
}

export interface ScheduleSpec {
  timeZone: string;
  windows: readonly RecurringWindowSpec[];
  oneOff: readonly OneOffWindowSpec[];
  pauses: readonly PauseSpec[];
}

export interface WindowOccurrence {
  windowId: string;
  start: EpochMillis;
  end: EpochMillis;
  /** True when the scheduled start fell in a DST gap and was moved to the gap's end. */
  movedByDst: boolean;
}

interface Interval {
  start: number;
  end: number;
}

export interface ScheduleOptions {
  /**
   * Called once per unit of search work: a local day whose occurrences are computed, or a pause
   * jumped over. Tests bound the work of a search with it (issue 13: a long pause once cost seconds).
   */
  onStep?: () => void;
}

/** What the search knows about one local day: computed once, reused until the day changes. */
interface DayCache {
  /** The local day's bounds: any instant in [start, end) reuses this cache. */
  start: number;
  end: number;
  /** Occurrences starting yesterday and today (one of them may still be open), in start order. */
  current: WindowOccurrence[];
  /** Occurrences starting after today, in order, as far as a search has needed them. */
  later: WindowOccurrence[];
  /** Where the search for `later` resumes; undefined once the horizon is reached. */
  resume: Temporal.PlainDate | undefined;
  last: Temporal.PlainDate;
}

/** The longest window the policy schema admits; bounds how far back a search must look. */
export const MAX_WINDOW_MINUTES = 24 * 60;
const SEARCH_HORIZON_DAYS = 800;

/**
 * Searches are bounded: a day that cannot hold a window (no window on its weekday, inside a pause)
 * is never computed. A pause is skipped in one step and a day with a window on it yields at least
 * one occurrence, so finding `n` windows costs at most `n` days plus one step per pause, and the
 * answer is kept until the local day changes (the schedule itself is rebuilt with each policy).
 */
export class Schedule {
  readonly timeZone: string;
  readonly #spec: ScheduleSpec;
  readonly #pauses: Interval[];
  readonly #pausedDays: PausedDays;
  readonly #weekdays: ReadonlySet<number>;
  readonly #oneOffDates: string[];
  readonly #step: () => void;
  #day: DayCache | undefined;

  constructor(spec: ScheduleSpec, options: ScheduleOptions = {}) {
    this.timeZone = spec.timeZone;
    this.#spec = spec;
    this.#pauses = spec.pauses
      .map((p) => ({
        start: startOfLocalDay(Temporal.PlainDate.from(p.from), spec.timeZone),
        end: startOfLocalDay(Temporal.PlainDate.from(p.to).add({ days: 1 }), spec.timeZone),
      }))
      .sort((a, b) => a.start - b.start);
    this.#pausedDays = new PausedDays(spec.pauses);
    this.#weekdays = new Set(spec.windows.flatMap((w) => w.days.map((d) => WEEKDAYS.indexOf(d) + 1)));
    this.#oneOffDates = [...new Set(spec.oneOff.map((o) => o.date))].sort();
    this.#step = options.onStep ?? (() => undefined);
  }

  /** The open window containing `instant` (the one that stays open longest), or undefined. */
  openWindowAt(instant: EpochMillis): WindowOccurrence | undefined {
    let best: WindowOccurrence | undefined;
    for (const w of this.#dayOf(instant).current) {
      if (w.start <= instant && instant < w.end && (!best || w.end > best.end)) best = w;
    }
    return best;
  }

  /** True when `instant` lies inside one of the policy's pauses. */
  isPausedAt(instant: EpochMillis): boolean {
    return this.pauseAt(instant) !== undefined;
  }

  /** The policy's pause around `instant`, from its first day's start to the end of the last day it runs into. */
  pauseAt(instant: EpochMillis): { start: EpochMillis; end: EpochMillis } | undefined {
    const i = this.#pauses.findIndex((q) => q.start <= instant && instant < q.end);
    if (i < 0) return undefined;
    let end = this.#pauses[i]!.end;
    for (const q of this.#pauses.slice(i + 1)) if (q.start <= end) end = Math.max(end, q.end);
    return { start: epochMillis(this.#pauses[i]!.start), end: epochMillis(end) };
  }

  /** The next `n` windows that have not ended at `instant` (an open one first), in start order. */
  nextWindows(instant: EpochMillis, n: number): WindowOccurrence[] {
    const day = this.#dayOf(instant);
    const found = day.current.filter((w) => w.end > instant);
    if (found.length < n) found.push(...this.#later(day, n - found.length));
    return found.slice(0, n);
  }

  /** Today's cache, rebuilt when `instant` lies on another local day. */
  #dayOf(instant: EpochMillis): DayCache {
    const cached = this.#day;
    if (cached && cached.start <= instant && instant < cached.end) return cached;
    const today = this.#localDate(instant);
    const yesterday = today.subtract({ days: 1 });
    const tomorrow = today.add({ days: 1 });
    this.#day = {
      start: startOfLocalDay(today, this.timeZone),
      end: startOfLocalDay(tomorrow, this.timeZone),
      current: [...this.#occurrencesOn(yesterday), ...this.#occurrencesOn(today)],
      later: [],
      resume: tomorrow,
      // The same horizon as ever: 800 local days, counted from yesterday.
      last: yesterday.add({ days: SEARCH_HORIZON_DAYS - 1 }),
    };
    return this.#day;
  }

  /** The first `count` occurrences after today, continuing the day's search where it stopped. */
  #later(day: DayCache, count: number): WindowOccurrence[] {
    let date = day.resume;
    while (date && day.later.length < count) {
      date = this.#nextCandidate(date);
      if (!date || Temporal.PlainDate.compare(date, day.last) > 0) {
        date = undefined;
        break;
      }
      const pause = this.#pausedDays.covering(date.toString());
      if (pause) {
        this.#step();
        date = Temporal.PlainDate.from(pause.to).add({ days: 1 });
        continue;
      }
      day.later.push(...this.#occurrencesOn(date));
      date = date.add({ days: 1 });
    }
    day.resume = date;
    return day.later.slice(0, count);
  }

  /** The first day from `date` on with a window on it: its weekday has one, or a one-off falls on it. */
  #nextCandidate(date: Temporal.PlainDate): Temporal.PlainDate | undefined {
    let best: Temporal.PlainDate | undefined;
    for (let k = 0; k < 7 && this.#weekdays.size > 0; k++) {
      if (this.#weekdays.has(((date.dayOfWeek - 1 + k) % 7) + 1)) {
        best = date.add({ days: k });
        break;
      }
    }
    const oneOff = this.#oneOffDates[firstAtOrAfter(this.#oneOffDates, date.toString())];
    if (oneOff !== undefined && (!best || oneOff < best.toString())) return Temporal.PlainDate.from(oneOff);
    return best;
  }

  /** Every occurrence whose start lies on the local `date`, pause rules applied, in start order. */
  #occurrencesOn(date: Temporal.PlainDate): WindowOccurrence[] {
    this.#step();
    const weekday = WEEKDAYS[date.dayOfWeek - 1]!;
    const isoDate = date.toString();
    const specs = [
      ...this.#spec.windows.filter((w) => w.days.includes(weekday)),
      ...this.#spec.oneOff.filter((w) => w.date === isoDate),
    ];
    const out: WindowOccurrence[] = [];
    for (const spec of specs) {
      const { epoch, movedByDst } = resolveLocalStart(
        date,
        Temporal.PlainTime.from(spec.start),
        this.timeZone,
      );
      const occurrence = this.#applyPauses({
        windowId: spec.id,
        start: epochMillis(epoch),
        end: epochMillis(epoch + spec.durationMinutes * 60_000),
        movedByDst,
      });
      if (occurrence) out.push(occurrence);
    }
    return out.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  #applyPauses(w: WindowOccurrence): WindowOccurrence | undefined {
    let end: number = w.end;
    for (const p of this.#pauses) {
      if (p.start <= w.start && w.start < p.end) return undefined;
      if (w.start < p.start && p.start < end) end = p.start;
    }
    return { ...w, end: epochMillis(end) };
  }

  #localDate(instant: EpochMillis): Temporal.PlainDate {
    return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(this.timeZone).toPlainDate();
  }
}

/**
 * The instant a local date and time name in `timeZone`: the first of two in a repeated hour, the
 * end of the gap for a time the clock skips.
 */
export function resolveLocalStart(
  date: Temporal.PlainDate,
  time: Temporal.PlainTime,
  timeZone: string,
): { epoch: number; movedByDst: boolean } {
  const local = date.toPlainDateTime(time);
  const earlier = local.toZonedDateTime(timeZone, { disambiguation: 'earlier' });
  if (earlier.toPlainDateTime().equals(local)) return { epoch: earlier.epochMilliseconds, movedByDst: false };
  // In a gap, `earlier` lies before the transition (shifted back by the gap), so the next transition is the gap's end.
  const gapEnd = earlier.getTimeZoneTransition('next');
  if (!gapEnd) throw new RangeError(`no time-zone transition after ${local.toString()} in ${timeZone}`);
  return { epoch: gapEnd.epochMilliseconds, movedByDst: true };
}

function startOfLocalDay(date: Temporal.PlainDate, timeZone: string): number {
  return date.toZonedDateTime(timeZone).epochMilliseconds;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  // IANA names only (Area/Location or UTC): offset ids like "+01:00" carry no DST rules.
  if (!/^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/.test(timeZone)) return false;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(timeZone);
    return true;
  } catch {
    return false;
  }
}
