/**
 * The "who looked" page as HTML, built on the server so it prints and reads the same everywhere:
 * no data from a script, every value escaped, one stylesheet for the phone and the printer, and a
 * print button whose script is the page's only one. It names the room, never the resident, and a
 * role, never a staff member. Its words (below) are written for the resident, not for staff.
 */

import { TOKEN_REFUSALS } from '../../reasons.ts';
import { escapeHtml as h } from '../auth/pages.ts';
import type { LookEntry, PauseSpan, PolicyChange, StoppedAttempt, WhoLookedData } from './query.ts';

export interface WhoLookedView {
  data: WhoLookedData;
  room: string;
  carePlanRef: string;
  /** `november 2026`. */
  monthLabel: string;
  /** Links to the month before and after (none after the current month). */
  previous: { href: string; label: string };
  next: { href: string; label: string } | undefined;
  timeZone: string;
  printedAt: number;
}

export function whoLookedPage(v: WhoLookedView): string {
  const { data, timeZone: tz } = v;
  const title = `Vem har tittat? ${v.room}, ${v.monthLabel}`;
  return `<!doctype html>
<html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${h(title)}</title>
<link rel="stylesheet" href="/round/who-looked/assets/page.css">
<script src="/round/who-looked/assets/print.js" defer></script>
</head><body>
<header>
<h1>Vem har tittat i kameran?</h1>
<p class="sub"><span class="room">${h(v.room)}</span> · <span class="month">${h(v.monthLabel)}</span></p>
<nav class="tools" aria-label="Månad och utskrift">
<a href="${h(v.previous.href)}" rel="prev">‹ ${h(v.previous.label)}</a>
${v.next ? `<a href="${h(v.next.href)}" rel="next">${h(v.next.label)} ›</a>` : ''}
<button type="button" id="print">Skriv ut</button>
</nav>
<p class="about">Här står varje gång någon tittade genom kameran i rummet under månaden: när, hur länge och
vilken yrkesroll personen har. Kameran visar bara bild, aldrig ljud, och ingenting spelas in. Lampan vid
kameran lyser medan någon tittar.</p>
</header>
<main>
${looksSection(data.looks, tz)}
${stoppedSection(data.stopped, tz)}
${pausesSection(data.pauses, tz)}
${policiesSection(data.policies, tz)}
</main>
<footer>
<p class="complete" data-state="${h(data.archive?.state ?? 'unknown')}">${h(completeness(data, tz))}</p>
<p>Omsorgsplan ${h(v.carePlanRef)} · Utskriven ${h(momentText(v.printedAt, tz))}. Tiderna är rummets lokala tid.</p>
</footer>
</body></html>
`;
}

function looksSection(looks: LookEntry[], tz: string): string {
  if (looks.length === 0)
    return '<section id="looks"><h2>Tittningar</h2><p class="none">Ingen har tittat den här månaden.</p></section>';
  const rows = looks.map(
    (l) => `<tr${l.verified ? '' : ' class="unverified"'}>
<td data-label="Dag">${h(dayText(l.at, tz))}</td>
<td data-label="Tid">${h(timeText(l.at, tz))}${l.endedAt !== null ? `–${h(timeText(l.endedAt, tz))}` : ''}</td>
<td data-label="Hur länge">${h(durationText(l.durationMs))}</td>
<td data-label="Vem">${h(roleText(l.kind, l.role))}</td>
<td data-label="Varför">${h(kindText(l.kind, l.reason))}</td>
</tr>`,
  );
  return `<section id="looks"><h2>Tittningar (${looks.length})</h2>
<table><thead><tr><th>Dag</th><th>Tid</th><th>Hur länge</th><th>Vem</th><th>Varför</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function stoppedSection(stopped: StoppedAttempt[], tz: string): string {
  if (stopped.length === 0) return '';
  const items = stopped.map((s) => `<li>${h(momentText(s.at, tz))}: ${h(stoppedText(s.code))}</li>`);
  return `<section id="stopped"><h2>Försök som stoppades (${stopped.length})</h2>
<p>Någon försökte titta men fick ingen bild, därför att:</p><ul>${items.join('')}</ul></section>`;
}

function pausesSection(pauses: PauseSpan[], tz: string): string {
  if (pauses.length === 0) return '';
  const items = pauses.map((p) => {
    const until = p.to === null ? 'och pågår fortfarande' : `till ${momentText(p.to, tz)}`;
    return `<li>Pausad från ${h(momentText(p.from, tz))} ${h(until)}, ${h(pausedBy(p.by))}.</li>`;
  });
  return `<section id="pauses"><h2>Pauser</h2>
<p>Under en paus går det inte att titta alls.</p><ul>${items.join('')}</ul></section>`;
}

function policiesSection(policies: PolicyChange[], tz: string): string {
  if (policies.length === 0) return '';
  const items = policies.map(
    (p) =>
      `<li>${h(momentText(p.at, tz))}: en ny överenskommelse om tider för tillsyn började gälla${
        p.version === null ? '' : ` (version ${p.version})`
      }.</li>`,
  );
  return `<section id="policies"><h2>Ändringar i överenskommelsen</h2><ul>${items.join('')}</ul></section>`;
}

function completeness(data: WhoLookedData, tz: string): string {
  const a = data.archive;
  if (!a) return 'Centralen har ännu inte fått några uppgifter från kameran.';
  const checked = `Senast kontrollerad ${momentText(Date.parse(a.at), tz)}.`;
  if (a.state === 'complete')
    return `Listan är komplett: allt kameran har rapporterat har kommit fram och stämmer. ${checked}`;
  if (a.state === 'behind')
    return `Obs: alla uppgifter från kameran har inte kommit fram ännu, så listan kan bli längre. ${checked}`;
  return `Obs: centralen har fått en uppgift som inte stämmer och utreder den. ${checked}`;
}

/**
 * The "who looked" page's words: Swedish, plain, for a resident and her family rather than for
 * staff. Every code the page can meet has a sentence; an unknown one gets a general one rather
 * than the code. Times are the resident's local time on a 24-hour clock.
 */
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
