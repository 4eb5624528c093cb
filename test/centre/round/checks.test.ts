/**
 * The round's decisions, pure: which checks a staff member sees tonight, their order, readiness,
 * done and follow-up state, and when the Look button is enabled (exactly when the device's gate
 * would grant: an open window and no pause; outside a window, a reason where the policy allows it).
 */
import { describe, expect, it } from 'vitest';
import { buildRound, lookFor, readinessOf } from '../../../src/centre/round/checks.ts';
import type { DeviceSnapshot } from '../../../src/centre/round/fleet.ts';
import type { LookRecord } from '../../../src/centre/round/lookHistory.ts';
import { schedulePayload } from './devicePayloads.ts';

const NOW = Date.parse('2026-12-03T01:40:00Z');
const MIN = 60_000;
const SHIFT_END = NOW + 5 * 60 * MIN;
const device = (id: string, room: string) => ({ deviceId: id, room, carePlanRef: `KP-2026-${id.slice(-5)}` });

function snapshot(o: Partial<DeviceSnapshot> & { windows?: [number, number][] } = {}): DeviceSnapshot {
  const windows = (o.windows ?? [[-5, 10]]).map(([a, b], i) => ({
    id: `w${i}`,
    start: NOW + a * MIN,
    end: NOW + b * MIN,
  }));
  return {
    presence: o.presence ?? 'online',
    schedule: 'schedule' in o ? o.schedule : schedulePayload(NOW, windows),
    health: o.health ?? { readiness: 'ready', problems: [], at: NOW - MIN, staleAt: NOW + 2 * MIN },
    archive: o.archive,
  };
}

const look = (deviceId: string, at: number, outcome: LookRecord['outcome']): LookRecord => ({
  deviceId,
  sessionId: `s-${at}`,
  staffId: 'SE-1',
  outcome,
  at,
});

describe('lookFor: the device gate as the centre sees it', () => {
  it('grants_a_view_until_the_open_windows_end', () => {
    expect(lookFor(snapshot(), NOW)).toEqual({ enabled: true, scope: 'view', until: NOW + 10 * MIN });
  });

  it('refuses_outside_a_window_without_a_reason_and_offline_or_paused_devices_with_their_code', () => {
    expect(lookFor(snapshot({ windows: [[30, 45]] }), NOW)).toEqual({
      enabled: false,
      code: 'outside_window',
    });
    expect(lookFor(snapshot({ presence: 'offline' }), NOW)).toMatchObject({ code: 'device_offline' });
    const paused = schedulePayload(NOW, [], {
      pause: { by: 'resident', since: null, until: '2026-12-27T00:00:00+01:00' },
    });
    expect(lookFor(snapshot({ schedule: paused }), NOW)).toEqual({
      enabled: false,
      code: 'paused',
      until: Date.parse('2026-12-26T23:00:00Z'),
    });
    expect(lookFor(snapshot({ schedule: undefined }), NOW)).toEqual({ enabled: false, code: 'no_schedule' });
  });

  it('refuses_while_the_device_reports_an_unsynced_clock_but_not_on_a_stale_report', () => {
    const unsynced = {
      readiness: 'at_risk' as const,
      problems: ['clock_unsynced'],
      at: NOW,
      staleAt: NOW + MIN,
    };
    expect(lookFor(snapshot({ health: unsynced }), NOW)).toMatchObject({ code: 'clock_unsynced' });
    expect(lookFor(snapshot({ health: { ...unsynced, staleAt: NOW - 1 } }), NOW).enabled).toBe(true);
  });

  it('allows_a_look_with_a_reason_outside_a_window_only_where_the_policy_allows_it_for_at_most_10_min', () => {
    const closed = [[30, 45]] as [number, number][];
    expect(lookFor(snapshot({ windows: closed }), NOW, 'alarm')).toMatchObject({
      code: 'emergency_not_allowed',
    });
    const allowed = schedulePayload(NOW, [], { emergencyAllowed: true, maxSessionSeconds: 900 });
    expect(lookFor(snapshot({ schedule: allowed }), NOW, 'alarm')).toEqual({
      enabled: true,
      scope: 'emergency',
      reason: 'alarm',
      until: NOW + 10 * MIN,
    });
  });
});

describe('readinessOf', () => {
  it('says_offline_for_a_device_without_online_presence_and_unknown_for_stale_health', () => {
    expect(readinessOf(snapshot({ presence: 'stopped' }), NOW).readiness).toBe('offline');
    const stale = { readiness: 'ready' as const, problems: [], at: NOW - 10 * MIN, staleAt: NOW - MIN };
    expect(readinessOf(snapshot({ health: stale }), NOW).readiness).toBe('unknown');
  });

  it('lists_the_failing_checks_of_a_device_at_risk', () => {
    const risk = { readiness: 'ready' as const, problems: ['camera_covered'], at: NOW, staleAt: NOW + MIN };
    expect(readinessOf(snapshot({ health: risk }), NOW)).toEqual({
      readiness: 'at_risk',
      problems: ['camera_covered'],
    });
  });
});

describe('buildRound', () => {
  const input = (looks: LookRecord[] = [], snapshots: Record<string, DeviceSnapshot> = {}) => ({
    devices: [
      { device: device('dev-a-00001', 'Rum 12'), snapshot: snapshots['dev-a-00001'] ?? snapshot() },
      {
        device: device('dev-b-00002', 'Rum 2'),
        snapshot:
          snapshots['dev-b-00002'] ??
          snapshot({
            windows: [
              [-5, 10],
              [120, 135],
              [400, 410],
            ],
          }),
      },
    ],
    looks,
    now: NOW,
    shiftEnd: SHIFT_END,
    followUpMs: 15 * MIN,
  });

  it('lists_windows_from_now_to_the_end_of_the_shift_in_time_then_room_order', () => {
    const round = buildRound(input());
    expect(round.checks.map((c) => [c.deviceId, c.start - NOW, c.status])).toEqual([
      ['dev-b-00002', -5 * MIN, 'due'],
      ['dev-a-00001', -5 * MIN, 'due'],
      ['dev-b-00002', 120 * MIN, 'upcoming'],
    ]);
    expect(round.checks[2]!.look).toEqual({ enabled: false, code: 'not_yet' });
  });

  it('marks_a_window_done_by_a_look_inside_it_and_keeps_the_look_enabled_while_it_is_open', () => {
    const round = buildRound(input([look('dev-a-00001', NOW - MIN, 'asleep_calm')]));
    const a = round.checks.find((c) => c.deviceId === 'dev-a-00001')!;
    expect(a).toMatchObject({ status: 'done', outcome: { outcome: 'asleep_calm', at: NOW - MIN } });
    expect(a.look.enabled).toBe(true);
    expect(round.checks.some((c) => c.kind === 'follow_up')).toBe(false);
  });

  it('puts_a_follow_up_15_minutes_after_not_visible_until_a_later_look_settles_it', () => {
    const seen = look('dev-a-00001', NOW - 20 * MIN, 'not_visible');
    const round = buildRound(input([seen]));
    const follow = round.checks.find((c) => c.kind === 'follow_up')!;
    expect(follow).toMatchObject({
      deviceId: 'dev-a-00001',
      start: seen.at + 15 * MIN,
      end: null,
      status: 'due',
    });
    expect(follow.look).toMatchObject({ enabled: true, scope: 'view' });
    const settled = buildRound(input([seen, look('dev-a-00001', NOW - MIN, 'asleep_calm')]));
    expect(settled.checks.some((c) => c.kind === 'follow_up')).toBe(false);
  });

  it('offers_an_extra_look_only_where_the_policy_allows_looks_outside_windows', () => {
    const allowed = snapshot({ schedule: schedulePayload(NOW, [], { emergencyAllowed: true }) });
    const round = buildRound(input([], { 'dev-a-00001': allowed }));
    expect(round.devices.map((d) => [d.deviceId, d.extraLook])).toEqual([
      ['dev-a-00001', true],
      ['dev-b-00002', false],
    ]);
  });
});

describe('the archive on the round', () => {
  it('shows_how_far_the_archive_holds_each_devices_trail_and_nothing_where_none_said', () => {
    const behind = {
      deviceId: 'dev-a',
      state: 'behind' as const,
      verifiedSeq: 1201,
      highestSeq: 1843,
      pending: 3,
      suspects: 0,
      brokenAt: null,
      lastRecordAt: new Date(NOW - MIN).toISOString(),
      at: new Date(NOW - MIN).toISOString(),
    };
    const round = buildRound({
      devices: [
        { device: device('dev-a', 'Rum 1'), snapshot: snapshot({ archive: behind }) },
        { device: device('dev-b', 'Rum 2'), snapshot: snapshot() },
      ],
      looks: [],
      now: NOW,
      shiftEnd: SHIFT_END,
      followUpMs: 15 * MIN,
    });
    expect(round.devices.map((d) => d.archive)).toEqual([
      { state: 'behind', verifiedSeq: 1201, highestSeq: 1843, at: NOW - MIN },
      null,
    ]);
    // The look stays the device's decision: an archive behind does not close the button.
    expect(round.checks[0]?.look).toMatchObject({ enabled: true });
  });
});
