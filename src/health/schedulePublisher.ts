/**
 * The device's supervision plan, retained on `schedule` (src/protocol/schedule.ts): its windows for
 * the next 36 hours in its resident's time zone, its pause and the looks its policy allows. The
 * device is the source of truth for the centre's round: it publishes on every connection, whenever
 * access control announces a change (policy, pause), and again when the first listed window ends,
 * so the list never goes stale.
 */
import type { AccessControl, WindowState } from '../access/types.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { epochMillis, systemTime, type Time, type Timer } from '../platform/time.ts';
import { SCHEDULE_HORIZON_HOURS, type SchedulePayload } from '../protocol/schedule.ts';
import type { MqttLink } from './link.ts';

export interface SchedulePublisherDeps {
  link: Pick<MqttLink, 'publish' | 'onConnect' | 'connected' | 'topics'>;
  access: Pick<AccessControl, 'windowState' | 'plan' | 'onChange'>;
  time?: Time;
  log?: Log;
}

/** The list is republished at least this often even when nothing announces a change. */
const REFRESH_MS = 60 * 60_000;

export class SchedulePublisher {
  readonly #d: SchedulePublisherDeps;
  readonly #time: Time;
  #offs: Array<() => void> = [];
  #refresh: Timer | undefined;

  constructor(deps: SchedulePublisherDeps) {
    this.#d = deps;
    this.#time = deps.time ?? systemTime;
  }

  start(): void {
    if (this.#offs.length > 0) return;
    this.#offs = [
      this.#d.link.onConnect(async () => this.publish()),
      this.#d.access.onChange(() => void this.publish()),
    ];
  }

  stop(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#refresh?.cancel();
    this.#refresh = undefined;
  }

  /** What is published now (also for tests and the schema check). */
  payload(): SchedulePayload {
    const now = this.#time.now();
    const state = this.#d.access.windowState();
    const plan = this.#d.access.plan(epochMillis(now + SCHEDULE_HORIZON_HOURS * 3_600_000));
    const iso = (t: number) => new Date(t).toISOString();
    return {
      ts: iso(now),
      policyVersion: state.policyVersion ?? null,
      timeZone: state.timeZone ?? null,
      pause: pauseOf(state),
      emergencyAllowed: plan.emergencyAllowed,
      maxSessionSeconds: plan.maxSessionSeconds ?? null,
      windows: plan.windows.map((w) => ({ id: w.windowId, start: iso(w.start), end: iso(w.end) })),
    };
  }

  /** Publishes (retained, QoS 1) and arms the next refresh; a failure waits for the next connection. */
  async publish(): Promise<void> {
    const payload = this.payload();
    this.#arm(payload);
    if (!this.#d.link.connected) return;
    await this.#d.link
      .publish(this.#d.link.topics.schedule, JSON.stringify(payload), { qos: 1, retain: true })
      .catch((error) => (this.#d.log ?? silentLog).debug({ err: String(error) }, 'schedule not published'));
  }

  #arm(payload: SchedulePayload): void {
    this.#refresh?.cancel();
    const now = this.#time.now();
    const firstEnd = payload.windows[0] ? Date.parse(payload.windows[0].end) : Number.POSITIVE_INFINITY;
    const delay = Math.max(1000, Math.min(REFRESH_MS, firstEnd - now + 1000));
    this.#refresh = this.#time.timeout('schedule-refresh', delay, () => void this.publish());
  }
}

/** Who paused, since and until when (unknown times as null; `until` null: until resumed). */
function pauseOf(state: WindowState): SchedulePayload['pause'] {
  const by = state.pause?.by ?? state.pausedBy;
  if (!by) return null;
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return { by, since: iso(state.pause?.since), until: iso(state.pause?.until) };
}
