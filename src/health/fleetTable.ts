/**
 * The monitor's table for a person: one line per device, times in the reader's local time with the
 * UTC offset beside each (a night nurse reads 23:30 +01:00, never a bare UTC time), and, for
 * `--watch` on a terminal, the ANSI sequences that redraw it in place so the header and the devices
 * to visit tonight stay on screen however many devices there are.
 */
import type { ArchiveView, DeviceView } from './fleet.ts';

export interface TableOptions {
  /** IANA zone the times are shown in. */
  timeZone: string;
}

/** A fixed-width table for a terminal. */
export function renderTable(devices: readonly DeviceView[], options: TableOptions): string {
  const header = [
    'DEVICE',
    'STATUS',
    'LAST SEEN',
    'PROBLEMS',
    'NEXT WINDOW',
    'READINESS',
    'FLAGS',
    'CARE PLAN',
    'ARCHIVE',
    'VISIT',
  ];
  const rows = devices.map((d) => [
    d.deviceId,
    d.status,
    d.lastSeen ? localTime(d.lastSeen, options.timeZone, true) : '-',
    d.problems.join(',') || '-',
    d.nextWindow ? localTime(d.nextWindow, options.timeZone, false) : '-',
    d.readiness,
    d.flags.join(',') || '-',
    d.carePlanRef ?? '-',
    archiveCell(d.archive),
    d.needsVisit ? 'TONIGHT' : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/**
 * How far the archive holds the chain: `ok 1843`, `behind 1201/1843` (verified/highest: records
 * wait past a gap), `broken at 1202` (a record that does not verify blocks the chain), `down 1843`
 * (no archive instance running), with the count of suspect records when there are any.
 */
export function archiveCell(a: ArchiveView | undefined): string {
  if (!a) return '-';
  const main =
    a.state === 'complete'
      ? `ok ${a.verifiedSeq}`
      : a.state === 'behind'
        ? `behind ${a.verifiedSeq}/${a.highestSeq}`
        : a.state === 'broken'
          ? `broken at ${a.brokenAt ?? a.verifiedSeq + 1}`
          : `down ${a.verifiedSeq}`;
  return a.suspects > 0 ? `${main} (${a.suspects} suspect)` : main;
}

/** `2026-11-23 23:30 +01:00`: local date and time in `timeZone` with its UTC offset then. */
export function localTime(iso: string, timeZone: string, seconds: boolean): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      timeZoneName: 'longOffset',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  const time = `${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ''}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time} ${offset}`;
}

/** True for an IANA zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const CLEAR_SCREEN = '\x1b[2J';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

/**
 * One frame of a redraw in place: home the cursor, write each line over the last frame's (erasing
 * what is left of it), then erase below, so a shorter table leaves nothing behind. The first frame
 * clears the screen once. A frame taller than the terminal would scroll its top away, so it is cut
 * to `rows` lines: the title, the header and the devices to visit tonight (sorted first) stay.
 */
export function frame(text: string, first: boolean, rows?: number): string {
  let lines = text.replace(/\n$/, '').split('\n');
  if (rows !== undefined && rows >= 3 && lines.length > rows - 1) {
    const hidden = lines.length - (rows - 2);
    lines = [
      ...lines.slice(0, rows - 2),
      `… ${hidden} more not shown: a taller terminal, or --json, shows all`,
    ];
  }
  return `${first ? CLEAR_SCREEN : ''}${HOME}${lines.map((l) => `${l}${CLEAR_LINE_END}`).join('\n')}\n${CLEAR_BELOW}`;
}
