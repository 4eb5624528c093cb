import { describe, expect, it } from 'vitest';
import type { WindowState } from '../../src/access/types.ts';
import type { CameraStatus } from '../../src/camera/types.ts';
import { healthConfigSchema } from '../../src/health/config.ts';
import { healthPayloadSchema, infoPayloadSchema } from '../../src/health/payloads.ts';
import type { SystemSnapshot } from '../../src/health/probes.ts';
import { type AuditStatus, HealthReporter } from '../../src/health/reporter.ts';
import type { EpochMillis } from '../../src/policy/index.ts';
import { ManualTime } from '../fixtures/time.ts';
import { recordingEvents, recordingLink } from './fixtures/fakes.ts';

const system: SystemSnapshot = {
  uptimeSeconds: 100,
  bootId: 'boot',
  cpuTemperatureC: 55,
  load1: 0.2,
  memoryTotalBytes: 4e9,
  memoryAvailableBytes: 3e9,
  diskFreeBytes: 5e9,
  diskTotalBytes: 3e10,
  clockSynced: true,
  throttling: null,
};

function setup() {
  const time = new ManualTime('2026-11-23T20:00:00Z');
  const link = recordingLink();
  const events = recordingEvents();
  const audit: AuditStatus = {
    writable: true,
    lastSeq: 3,
    acknowledgedSeq: 3,
    undelivered: 0,
    oldestTs: undefined,
  };
  const snapshot = { ...system };
  const statusListeners: Array<(s: CameraStatus) => void> = [];
  const camera: CameraStatus = {
    state: 'running',
    driver: 'synthetic',
    fps: 15,
    lastFrameAgeMs: 40,
    restarts: 0,
  };
  const state: WindowState = {
    open: undefined,
    installPreviewUntil: undefined,
    timeZone: undefined,
    next: {
      windowId: 'night',
      start: (time.wall + 3600_000) as EpochMillis,
      end: (time.wall + 5400_000) as EpochMillis,
      movedByDst: false,
    },
    paused: false,
    pausedBy: undefined,
    policyVersion: 4,
    clockSynced: true,
  };
  const reporter = new HealthReporter({
    deviceId: 'dev-1',
    softwareVersion: '0.1.0',
    config: healthConfigSchema.parse({}),
    link,
    probes: { read: async () => ({ ...snapshot }) },
    access: { windowState: () => state, sessions: () => [] },
    events,
    camera: {
      status: () => camera,
      onStatus: (l) => {
        statusListeners.push(l);
        return () => undefined;
      },
    },
    inventory: async () => ({
      model: 'Raspberry Pi 4 Model B',
      serial: '10000000abcdef',
      os: { distro: 'Debian', release: '12', kernel: '6.6', arch: 'arm64' },
      memoryBytes: 4e9,
      network: [],
    }),
    audit: () => ({ ...audit }),
    time,
  });
  const health = () => link.published.filter((p) => p.topic.endsWith('/health'));
  return {
    reporter,
    link,
    events,
    snapshot,
    camera,
    state,
    health,
    statusListeners,
    audit,
    time,
    advance: (ms: number) => time.advance(ms),
  };
}

describe('health reporter', () => {
  it('announces info then health on connect, health retained with expiry three periods', async () => {
    const { reporter, link } = setup();
    await reporter.start();
    link.published.length = 0;
    await link.connect(7);
    expect(link.published.map((p) => p.topic.split('/').pop())).toEqual(['info', 'health']);
    expect(infoPayloadSchema.parse(link.published[0]!.payload).connection).toBe(7);
    const health = healthPayloadSchema.parse(link.published[1]!.payload);
    expect(health).toMatchObject({
      problems: [],
      policyVersion: 4,
      camera: { state: 'running' },
      readiness: 'unknown',
    });
    expect(link.published[1]!.options).toEqual({ qos: 1, retain: true, expirySeconds: 180 });
  });

  it('publishes at once when a problem appears and raises its event once', async () => {
    const { reporter, events, snapshot, health, advance } = setup();
    await reporter.start();
    expect(health()).toHaveLength(1);
    advance(10_000);
    await reporter.sample();
    expect(health()).toHaveLength(1);
    snapshot.throttling = {
      raw: 1,
      undervoltageNow: true,
      throttledNow: false,
      undervoltageSinceBoot: true,
      throttledSinceBoot: false,
    };
    snapshot.diskFreeBytes = 1000;
    advance(10_000);
    await reporter.sample();
    advance(10_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
    expect(health()[1]!.payload.problems).toEqual(['undervoltage', 'disk_low']);
    expect(events.raised.map((e) => e.code)).toEqual(['undervoltage', 'disk_low']);
  });

  it('republishes unchanged health once a period has passed', async () => {
    const { reporter, health, advance } = setup();
    await reporter.start();
    advance(59_000);
    await reporter.sample();
    expect(health()).toHaveLength(1);
    advance(1_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
  });

  it('raises camera_fault when the camera fails and paused when the resident pauses', async () => {
    const { reporter, events, camera, state } = setup();
    await reporter.start();
    camera.state = 'failed';
    state.paused = true;
    await reporter.sample();
    expect(events.raised).toEqual([{ code: 'camera_fault' }, { code: 'paused', detail: { paused: true } }]);
  });

  it('batches a burst of camera status changes into one sample', async () => {
    const { reporter, camera, statusListeners, time, health } = setup();
    await reporter.start();
    camera.state = 'stalled';
    for (let i = 0; i < 5; i++) statusListeners[0]!(camera);
    expect(time.scheduled().filter((t) => t.name === 'health-change')).toHaveLength(1);
    time.advance(1000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
    expect(health()[1]!.payload.problems).toEqual(['camera_fault']);
  });

  // Issue 9 item 3: the sample waited for an fsynced event append, so a full disk silenced health.
  it('publishes_health_when_the_event_queue_refuses_the_problems_event_and_raises_it_once_the_disk_takes_it', async () => {
    const { reporter, events, snapshot, health, advance } = setup();
    await reporter.start();
    events.failing = true;
    snapshot.diskFreeBytes = 1000;
    advance(10_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
    expect(health()[1]!.payload.problems).toEqual(['disk_low']);
    expect(events.raised).toEqual([]);
    events.failing = false;
    advance(10_000);
    await reporter.sample();
    expect(events.raised).toEqual([{ code: 'disk_low' }]);
    advance(10_000);
    await reporter.sample();
    expect(events.raised).toHaveLength(1);
  });

  it('lists_audit_unwritable_while_the_audit_log_cannot_be_written', async () => {
    const { reporter, audit, health, events, advance } = setup();
    await reporter.start();
    expect(health()[0]!.payload.audit).toEqual({
      writable: true,
      lastSeq: 3,
      acknowledgedSeq: 3,
      undelivered: 0,
      oldestUndeliveredSeconds: null,
    });
    audit.writable = false;
    advance(10_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
    expect(health()[1]!.payload.problems).toEqual(['audit_unwritable']);
    expect(events.raised).toEqual([{ code: 'audit_unwritable' }]);
  });

  // Issue 9 item 5: a broker refusing the audit records (or no archive at all) was silent.
  it('publishes_the_undelivered_backlog_and_lists_audit_backlog_past_either_threshold', async () => {
    const { reporter, audit, health, time } = setup();
    await reporter.start();
    Object.assign(audit, {
      lastSeq: 1003,
      undelivered: 1000,
      oldestTs: new Date(time.wall - 90_000).toISOString(),
    });
    await time.run(60_000);
    expect(health()).toHaveLength(2);
    expect(health()[1]!.payload.audit).toMatchObject({ undelivered: 1000, oldestUndeliveredSeconds: 150 });
    expect(health()[1]!.payload.problems).toEqual([]);
    audit.undelivered = 1001;
    await time.run(10_000);
    expect(health()).toHaveLength(3);
    expect(health()[2]!.payload.problems).toEqual(['audit_backlog']);
    Object.assign(audit, { undelivered: 5, oldestTs: new Date(time.wall - 590_000).toISOString() });
    await time.run(10_000);
    expect(health().at(-1)!.payload.problems).toEqual([]);
    await time.run(10_000);
    expect(health().at(-1)!.payload.problems).toEqual(['audit_backlog']);
  });

  // Issue 9 item 6: stepping the wall clock back 300 s stopped health for 120 s.
  it('keeps_its_period_on_the_monotonic_clock_when_the_wall_clock_steps_back', async () => {
    const { reporter, health, time, advance } = setup();
    await reporter.start();
    time.stepWall(-300_000);
    advance(60_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
    time.stepWall(+3_600_000);
    advance(10_000);
    await reporter.sample();
    expect(health()).toHaveLength(2);
  });
});
