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
import { type EpochMillis, epochMillis } from './time.ts';

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

/** The longest window the policy schema admits; bounds how far back a search must look. */
export const MAX_WINDOW_MINUTES = 24 * 60;
const SEARCH_HORIZON_DAYS = 800;

export class Schedule {
  readonly timeZone: string;
  readonly #spec: ScheduleSpec;
  readonly #pauses: Interval[];

  constructor(spec: ScheduleSpec) {
    this.timeZone = spec.timeZone;
    this.#spec = spec;
    this.#pauses = spec.pauses
      .map((p) => ({
        start: startOfLocalDay(Temporal.PlainDate.from(p.from), spec.timeZone),
        end: startOfLocalDay(Temporal.PlainDate.from(p.to).add({ days: 1 }), spec.timeZone),
      }))
      .sort((a, b) => a.start - b.start);
  }

  /** The open window containing `instant` (the one that stays open longest), or undefined. */
  openWindowAt(instant: EpochMillis): WindowOccurrence | undefined {
    const today = this.#localDate(instant);
    let best: WindowOccurrence | undefined;
    for (const back of [1, 0]) {
      for (const w of this.#occurrencesOn(today.subtract({ days: back }))) {
        if (w.start <= instant && instant < w.end && (!best || w.end > best.end)) best = w;
      }
    }
    return best;
  }

  /** True when `instant` lies inside one of the policy's pauses. */
  isPausedAt(instant: EpochMillis): boolean {
    return this.#pauses.some((p) => p.start <= instant && instant < p.end);
  }

  /** The next `n` windows that have not ended at `instant` (an open one first), in start order. */
  nextWindows(instant: EpochMillis, n: number): WindowOccurrence[] {
    const found: WindowOccurrence[] = [];
    let date = this.#localDate(instant).subtract({ days: 1 });
    for (let i = 0; i < SEARCH_HORIZON_DAYS && found.length < n; i++, date = date.add({ days: 1 })) {
      found.push(...this.#occurrencesOn(date).filter((w) => w.end > instant));
    }
    return found.slice(0, n);
  }

  /** Every occurrence whose start lies on the local `date`, pause rules applied, in start order. */
  #occurrencesOn(date: Temporal.PlainDate): WindowOccurrence[] {
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
