/**
 * The "who looked" page as HTML, built on the server so it prints and reads the same everywhere:
 * no data from a script, every value escaped, one stylesheet for the phone and the printer, and a
 * print button whose script is the page's only one. It names the room, never the resident, and a
 * role, never a staff member.
 */
import { escapeHtml as h } from '../auth/pages.ts';
import type { LookEntry, PauseSpan, PolicyChange, StoppedAttempt, WhoLookedData } from './query.ts';
import {
  dayText,
  durationText,
  kindText,
  momentText,
  pausedBy,
  roleText,
  stoppedText,
  timeText,
} from './words.ts';

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
