/**
 * The "who looked" page's words: Swedish, plain, for a resident and her family rather than for
 * staff. Every code the page can meet has a sentence; an unknown one gets a general one rather
 * than the code. Times are the resident's local time on a 24-hour clock.
 */
import { TOKEN_REFUSALS } from '../../reasons.ts';

const REASONS: Record<string, string> = {
  alarm: 'Extra tillsyn efter ett larm',
  phone_call: 'Extra tillsyn efter ett telefonsamtal',
  other_concern: 'Extra tillsyn av annan oro',
  follow_up: 'Uppföljning av en tidigare tillsyn',
};

const STOPPED: Record<string, string> = {
  outside_window: 'utanför den överenskomna tiden',
  paused: 'tillsynen var pausad',
  emergency_not_allowed: 'extra tillsyn är inte tillåten enligt överenskommelsen',
  not_on_roster: 'personen hör inte till personalen för det här rummet',
  too_many_viewers: 'någon annan tittade redan',
  token_in_use: 'någon annan tittade redan',
  clock_unsynced: 'kameran var inte redo',
  no_policy: 'det fanns ingen giltig överenskommelse',
  audit_unavailable: 'kameran kunde inte föra logg, så den visade ingen bild',
  device_offline: 'kameran var inte ansluten',
  no_schedule: 'kameran var inte redo',
};

export function kindText(kind: 'planned' | 'extra' | 'installer', reason: string | null): string {
  if (kind === 'installer') return 'Inställning av kameran vid installation';
  if (kind === 'extra') return REASONS[reason ?? ''] ?? 'Extra tillsyn';
  return 'Planerad tillsyn';
}

export function roleText(kind: 'planned' | 'extra' | 'installer', role: string | null): string {
  if (kind === 'installer') return 'Installatör';
  return role ?? 'Personal';
}

export function stoppedText(code: string): string {
  if ((TOKEN_REFUSALS as readonly string[]).includes(code)) return 'behörigheten gällde inte';
  return STOPPED[code] ?? 'försöket nekades';
}

export function pausedBy(actor: string): string {
  if (actor === 'resident') return 'med pausknappen i rummet';
  if (actor === 'centre') return 'av centralen';
  if (actor === 'installer') return 'av installatören';
  return 'av personalen';
}

/** `1 min 5 s`, `45 s`, `1 tim 2 min`. */
export function durationText(ms: number | null): string {
  if (ms === null) return 'okänt';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  return `${Math.floor(min / 60)} tim ${min % 60} min`;
}

export function dayText(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
  }).format(ms);
}

export function timeText(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}

/** `3 november 23:41`. */
export function momentText(ms: number, timeZone: string): string {
  return `${new Intl.DateTimeFormat('sv-SE', { timeZone, day: 'numeric', month: 'long' }).format(ms)} ${timeText(ms, timeZone)}`;
}

/** `november 2026`. */
export function monthText(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, month: 'long', year: 'numeric' }).format(ms);
}
