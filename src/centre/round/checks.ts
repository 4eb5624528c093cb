/**
 * Tonight's round for one staff member, decided from what the devices published (schedule,
 * health, presence) and the looks the archive holds. Pure: no clock, no I/O. The Look button's
 * rule is the device's gate as far as the centre can see it (`lookFor`), so the button is enabled
 * exactly when the device would grant; the device still decides every look.
 */
import type { ArchiveState, LookOutcome, LookReason } from '../../protocol/index.ts';
import type { RosterDevice } from '../roster/index.ts';
import type { DeviceSnapshot } from './fleet.ts';
import type { LookRecord } from './lookHistory.ts';

/** The longest look outside a window (the token's own cap): 10 minutes. */
export const MAX_EXTRA_LOOK_MS = 600_000;
/** How far back the round reads looks: one shift. */
export const LOOKBACK_MS = 12 * 3_600_000;

export type Readiness = 'ready' | 'at_risk' | 'unknown' | 'offline';

export type LookOption =
  | { enabled: true; scope: 'view'; until: number }
  | { enabled: true; scope: 'emergency'; reason: LookReason; until: number }
  /** `until`: when the blocking state ends, where known (a pause). */
  | { enabled: false; code: string; until?: number | null };

export interface SeenLook {
  outcome: LookOutcome;
  at: number;
  staffId: string;
}

export interface RoundDevice {
  deviceId: string;
  room: string;
  timeZone: string | null;
  readiness: Readiness;
  problems: string[];
  pause: { by: string; until: number | null } | null;
  /** A look with a reason outside a window is possible now (the policy allows it). */
  extraLook: boolean;
  lastLook: SeenLook | null;
  /** How far the audit archive holds the device's chain, where an archive publishes it. */
  archive: { state: ArchiveState; verifiedSeq: number; highestSeq: number; at: number } | null;
}

export interface RoundCheck {
  id: string;
  deviceId: string;
  kind: 'window' | 'follow_up';
  windowId: string | null;
  start: number;
  /** A follow-up has no end: it stays until someone looks. */
  end: number | null;
  status: 'upcoming' | 'due' | 'done';
  outcome: SeenLook | null;
  look: LookOption;
}

export interface Round {
  now: number;
  shiftEnd: number;
  devices: RoundDevice[];
  checks: RoundCheck[];
}

export interface RoundInput {
  devices: { device: RosterDevice; snapshot: DeviceSnapshot }[];
  looks: readonly LookRecord[];
  now: number;
  shiftEnd: number;
  followUpMs: number;
}

/**
 * Whether the device would grant a look now, and as what: inside an open window a plain view
 * until its end; outside one, with a reason, an emergency look where the policy allows it.
 */
export function lookFor(s: DeviceSnapshot, now: number, reason?: LookReason): LookOption {
  if (s.presence !== 'online') return { enabled: false, code: 'device_offline' };
  const schedule = s.schedule;
  if (!schedule) return { enabled: false, code: 'no_schedule' };
  if (schedule.pause) {
    const until = schedule.pause.until === null ? null : Date.parse(schedule.pause.until);
    return { enabled: false, code: 'paused', until };
  }
  if (schedule.policyVersion === null) return { enabled: false, code: 'no_policy' };
  const fresh = s.health && now < s.health.staleAt ? s.health.problems : [];
  const blocking = fresh.find((p) => p === 'clock_unsynced' || p === 'no_policy');
  if (blocking) return { enabled: false, code: blocking };
  const open = schedule.windows.find((w) => Date.parse(w.start) <= now && now < Date.parse(w.end));
  if (open) return { enabled: true, scope: 'view', until: Date.parse(open.end) };
  if (reason === undefined) return { enabled: false, code: 'outside_window' };
  if (!schedule.emergencyAllowed) return { enabled: false, code: 'emergency_not_allowed' };
  const longest = Math.min(MAX_EXTRA_LOOK_MS, (schedule.maxSessionSeconds ?? Infinity) * 1000);
  return { enabled: true, scope: 'emergency', reason, until: now + longest };
}

export function readinessOf(s: DeviceSnapshot, now: number): { readiness: Readiness; problems: string[] } {
  const health = s.health && now < s.health.staleAt ? s.health : undefined;
  if (s.presence !== 'online') return { readiness: 'offline', problems: [] };
  if (!health) return { readiness: 'unknown', problems: [] };
  if (health.readiness === 'at_risk' || health.problems.length > 0)
    return { readiness: 'at_risk', problems: [...health.problems] };
  return { readiness: health.readiness, problems: [] };
}

export function buildRound(input: RoundInput): Round {
  const { now, shiftEnd } = input;
  const devices: RoundDevice[] = [];
  const checks: RoundCheck[] = [];
  for (const { device, snapshot } of input.devices) {
    const looks = input.looks.filter((l) => l.deviceId === device.deviceId);
    const last = looks.at(-1);
    const extra = lookFor(snapshot, now, 'other_concern');
    devices.push({
      deviceId: device.deviceId,
      room: device.room,
      timeZone: snapshot.schedule?.timeZone ?? null,
      ...readinessOf(snapshot, now),
      pause: pauseOf(snapshot),
      extraLook: extra.enabled && extra.scope === 'emergency',
      lastLook: last ? seen(last) : null,
      archive: archiveOf(snapshot),
    });
    checks.push(...windowChecks(device.deviceId, snapshot, looks, now, shiftEnd));
    if (last?.outcome === 'not_visible') checks.push(followUp(device.deviceId, snapshot, last, now, input));
  }
  const room = new Map(devices.map((d) => [d.deviceId, d.room]));
  checks.sort(
    (a, b) =>
      a.start - b.start ||
      room.get(a.deviceId)!.localeCompare(room.get(b.deviceId)!, 'sv', { numeric: true }),
  );
  return { now, shiftEnd, devices, checks };
}

function windowChecks(
  deviceId: string,
  s: DeviceSnapshot,
  looks: readonly LookRecord[],
  now: number,
  shiftEnd: number,
): RoundCheck[] {
  const out: RoundCheck[] = [];
  for (const w of s.schedule?.windows ?? []) {
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    if (end <= now || start >= shiftEnd) continue;
    const inside = looks.filter((l) => l.at >= start && l.at <= end).at(-1);
    const open = start <= now;
    out.push({
      id: `${deviceId}/${w.id}/${start}`,
      deviceId,
      kind: 'window',
      windowId: w.id,
      start,
      end,
      status: inside ? 'done' : open ? 'due' : 'upcoming',
      outcome: inside ? seen(inside) : null,
      look: open ? lookFor(s, now) : { enabled: false, code: 'not_yet' },
    });
  }
  return out;
}

/** "Not visible" puts a look on the round `followUpMs` later; any later look settles it. */
function followUp(
  deviceId: string,
  s: DeviceSnapshot,
  last: LookRecord,
  now: number,
  input: RoundInput,
): RoundCheck {
  const start = last.at + input.followUpMs;
  const due = now >= start;
  return {
    id: `${deviceId}/follow-up/${last.sessionId}`,
    deviceId,
    kind: 'follow_up',
    windowId: null,
    start,
    end: null,
    status: due ? 'due' : 'upcoming',
    outcome: null,
    look: due ? lookFor(s, now, 'follow_up') : { enabled: false, code: 'not_yet' },
  };
}

function pauseOf(s: DeviceSnapshot): RoundDevice['pause'] {
  const pause = s.schedule?.pause;
  if (!pause) return null;
  return { by: pause.by, until: pause.until === null ? null : Date.parse(pause.until) };
}

function archiveOf(s: DeviceSnapshot): RoundDevice['archive'] {
  const a = s.archive;
  return a
    ? { state: a.state, verifiedSeq: a.verifiedSeq, highestSeq: a.highestSeq, at: Date.parse(a.at) }
    : null;
}

function seen(l: LookRecord): SeenLook {
  return { outcome: l.outcome, at: l.at, staffId: l.staffId };
}
