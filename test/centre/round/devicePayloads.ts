/**
 * What a device publishes retained for the round (status, schedule, health), built as the device
 * builds them and checked against the device's own schemas, so the round is tested on payloads a
 * real device would send.
 */
import type { MqttClient } from 'mqtt';
import { healthPayloadSchema, statusPayloadSchema } from '../../../src/health/payloads.ts';
import { deviceTopics, type SchedulePayload, schedulePayloadSchema } from '../../../src/protocol/index.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export interface WindowSpan {
  id: string;
  start: number;
  end: number;
}

export function schedulePayload(now: number, windows: WindowSpan[], extra: Partial<SchedulePayload> = {}) {
  return schedulePayloadSchema.parse({
    ts: iso(now),
    policyVersion: 1,
    timeZone: 'Europe/Stockholm',
    pause: null,
    emergencyAllowed: false,
    maxSessionSeconds: 600,
    windows: windows.map((w) => ({ id: w.id, start: iso(w.start), end: iso(w.end) })),
    ...extra,
  });
}

export function healthPayload(
  now: number,
  readiness: 'ready' | 'at_risk' | 'unknown',
  problems: string[] = [],
) {
  return healthPayloadSchema.parse({
    ts: iso(now),
    uptimeSeconds: 3600,
    bootId: 'boot-1',
    cpuTemperatureC: 48.2,
    load1: 0.3,
    memoryAvailableBytes: 400_000_000,
    memoryTotalBytes: 1_000_000_000,
    diskFreeBytes: 8_000_000_000,
    diskTotalBytes: 16_000_000_000,
    clockSynced: !problems.includes('clock_unsynced'),
    throttling: null,
    camera: { state: 'running', fps: 15, lastFrameAgeMs: 40, restarts: 0, lastError: null },
    frames: {
      checkedAt: iso(now),
      covered: problems.includes('camera_covered'),
      frozen: false,
      moved: false,
    },
    sessions: 0,
    policyVersion: 1,
    paused: false,
    windowOpen: false,
    nextWindow: null,
    readiness,
    problems,
    periodSeconds: 60,
    audit: {
      writable: true,
      lastSeq: 40,
      acknowledgedSeq: 40,
      undelivered: 0,
      oldestUndeliveredSeconds: null,
    },
  });
}

export function statusPayload(now: number, state: 'online' | 'stopped' | 'offline') {
  return statusPayloadSchema.parse({ state, connection: 3, since: iso(now), policyVersion: 1 });
}

/** Publishes what a device keeps retained on the broker. */
export async function publishRetained(
  client: MqttClient,
  deviceId: string,
  parts: { status?: unknown; schedule?: unknown; health?: unknown },
): Promise<void> {
  const topics = deviceTopics(deviceId);
  const put = (topic: string, value: unknown) =>
    client.publishAsync(topic, JSON.stringify(value), { qos: 1, retain: true });
  if (parts.status !== undefined) await put(topics.status, parts.status);
  if (parts.schedule !== undefined) await put(topics.schedule, parts.schedule);
  if (parts.health !== undefined) await put(topics.health, parts.health);
}
