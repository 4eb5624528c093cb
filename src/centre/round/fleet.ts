/**
 * What the broker holds about each device, as the round needs it: the retained `schedule` (the
 * device is the source of truth for its windows and pause) and the readiness part of the retained
 * `health`, and how far the audit archive holds its chain (the archive's retained state under the
 * centre's own topic space). Mirrored from the broker's retained messages, so any centre instance knows the same
 * the moment it subscribes; nothing here is the centre's own state.
 */
import { z } from 'zod';
import type { Logger } from '../../platform/ports.ts';
import {
  type ArchiveDeviceState,
  archiveDeviceStateSchema,
  type SchedulePayload,
  schedulePayloadSchema,
} from '../../protocol/index.ts';
import type { CentreBroker, InboundMessage, Presence } from '../broker.ts';

/**
 * The part of the device's `health` payload the round reads (its full schema is the device's,
 * published as schemas/health.schema.json); other fields are let through unread.
 */
export const healthSummarySchema = z.looseObject({
  ts: z.iso.datetime({ offset: true }),
  readiness: z.enum(['ready', 'at_risk', 'unknown']),
  problems: z.array(z.string().max(64)).max(32),
  periodSeconds: z.number().int().positive(),
});
export type HealthSummary = Pick<z.infer<typeof healthSummarySchema>, 'readiness' | 'problems'> & {
  /** Epoch ms of the reading, and when it stops counting (the payload's own 3× period expiry). */
  at: number;
  staleAt: number;
};

export interface DeviceSnapshot {
  presence: Presence;
  schedule: SchedulePayload | undefined;
  health: HealthSummary | undefined;
  /** The archive's state of the device's chain; undefined where no archive has published one. */
  archive?: ArchiveDeviceState | undefined;
}

export interface FleetDeps {
  broker: Pick<CentreBroker, 'onMessage' | 'presence' | 'onArchiveState'>;
  log: Logger;
}

export class Fleet {
  readonly #d: FleetDeps;
  readonly #schedules = new Map<string, SchedulePayload>();
  readonly #health = new Map<string, HealthSummary>();
  readonly #archive = new Map<string, ArchiveDeviceState>();
  #offs: (() => void)[] = [];

  constructor(deps: FleetDeps) {
    this.#d = deps;
  }

  /** Call before the broker connects, so the retained messages sent on subscribe are seen. */
  start(): void {
    if (this.#offs.length > 0) return;
    this.#offs = [
      this.#d.broker.onMessage((m) => this.#take(m)),
      this.#d.broker.onArchiveState((id, payload) => this.#takeArchive(id, payload)),
    ];
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  snapshot(deviceId: string): DeviceSnapshot {
    return {
      presence: this.#d.broker.presence(deviceId),
      schedule: this.#schedules.get(deviceId),
      health: this.#health.get(deviceId),
      archive: this.#archive.get(deviceId),
    };
  }

  #takeArchive(deviceId: string, payload: Buffer): void {
    if (payload.length === 0) {
      this.#archive.delete(deviceId);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = archiveDeviceStateSchema.safeParse(json);
    if (parsed.success && parsed.data.deviceId === deviceId) this.#archive.set(deviceId, parsed.data);
    else this.#d.log.warn({ deviceId }, 'archive state payload refused');
  }

  #take(message: InboundMessage): void {
    if (message.rest !== 'schedule' && message.rest !== 'health') return;
    const map = message.rest === 'schedule' ? this.#schedules : this.#health;
    // An empty retained message clears the topic (a decommissioned device).
    if (message.payload.length === 0) {
      map.delete(message.deviceId);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(message.payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    if (message.rest === 'schedule') {
      const parsed = schedulePayloadSchema.safeParse(json);
      if (parsed.success) this.#schedules.set(message.deviceId, parsed.data);
      else this.#d.log.warn({ deviceId: message.deviceId }, 'schedule payload refused');
      return;
    }
    const parsed = healthSummarySchema.safeParse(json);
    if (!parsed.success) {
      this.#d.log.warn({ deviceId: message.deviceId }, 'health payload refused');
      return;
    }
    const at = Date.parse(parsed.data.ts);
    this.#health.set(message.deviceId, {
      readiness: parsed.data.readiness,
      problems: parsed.data.problems,
      at,
      staleAt: at + 3 * parsed.data.periodSeconds * 1000,
    });
  }
}
