/**
 * The readiness check: `leadMinutes` before each supervision window, asks whether the window will
 * work (camera delivering, frame checks fine, clock synced, broker reachable) and raises
 * `window_ready` or `window_at_risk` with the failing checks, once per window occurrence, so the
 * centre can send someone before 02:30 instead of after. The camera has to be running by then:
 * start it `cameraLeadMs` before a window (access.cameraWanted(readiness.cameraLeadMs)).
 */
import type { AccessControl } from '../access/types.ts';
import { systemTime } from '../platform/systemTime.ts';
import type { EventSink } from './events.ts';
import type { FrameVerdict } from './frames.ts';
import type { HealthPayload } from './payloads.ts';
import type { Time, Timer } from './ports.ts';

export const READINESS_CHECKS = ['camera', 'frames', 'clock', 'broker'] as const;
export type ReadinessCheckName = (typeof READINESS_CHECKS)[number];

export interface ReadinessProbes {
  /** The camera is running and its last access unit is fresh. */
  cameraDelivering(): boolean;
  frames(): FrameVerdict | undefined;
  clockSynced(): Promise<boolean> | boolean;
  brokerReachable(): boolean;
}

export interface ReadinessDeps {
  leadMinutes: number;
  access: Pick<AccessControl, 'windowState'>;
  probes: ReadinessProbes;
  events: EventSink;
  time?: Pick<Time, 'now' | 'interval'>;
  /** How often the check looks at the schedule. */
  tickMs?: number;
}

export interface ReadinessResult {
  windowId: string;
  start: number;
  failing: ReadinessCheckName[];
}

/** Extra lead the camera needs to be up and checked once before readiness is judged. */
const CAMERA_SETTLE_MS = 2 * 60_000;

export class ReadinessCheck {
  readonly #deps: ReadinessDeps;
  readonly #time: Pick<Time, 'now' | 'interval'>;
  #interval: Timer | undefined;
  #last: ReadinessResult | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: ReadinessDeps) {
    this.#deps = deps;
    this.#time = deps.time ?? systemTime;
  }

  get leadMs(): number {
    return this.#deps.leadMinutes * 60_000;
  }

  /** How long before a window the camera should start so readiness can judge it. */
  get cameraLeadMs(): number {
    return this.leadMs + CAMERA_SETTLE_MS;
  }

  start(): void {
    if (this.#interval !== undefined) return;
    this.#interval = this.#time.interval('readiness', this.#deps.tickMs ?? 15_000, () => void this.tick());
    void this.tick();
  }

  async stop(): Promise<void> {
    this.#interval?.cancel();
    this.#interval = undefined;
    await this.#running;
  }

  /** The verdict for the coming window: `unknown` until it has been judged. */
  status(): HealthPayload['readiness'] {
    const next = this.#deps.access.windowState().next;
    if (!this.#last || !next || next.start !== this.#last.start || next.windowId !== this.#last.windowId) {
      return 'unknown';
    }
    return this.#last.failing.length === 0 ? 'ready' : 'at_risk';
  }

  last(): ReadinessResult | undefined {
    return this.#last;
  }

  /** Judges the coming window once it is within the lead time (idempotent per occurrence). */
  tick(): Promise<void> {
    this.#running ??= this.#tick().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(): Promise<void> {
    const now = this.#time.now();
    const { next, open } = this.#deps.access.windowState();
    if (open || !next || now < next.start - this.leadMs || now >= next.start) return;
    if (this.#last?.start === next.start && this.#last.windowId === next.windowId) return;
    const failing = await this.evaluate();
    this.#last = { windowId: next.windowId, start: next.start, failing };
    const detail = {
      windowId: next.windowId,
      start: new Date(next.start).toISOString(),
      failing: failing.join(','),
    };
    await this.#deps.events.raise(failing.length === 0 ? 'window_ready' : 'window_at_risk', detail);
  }

  /** The checks that fail right now. */
  async evaluate(): Promise<ReadinessCheckName[]> {
    const { probes } = this.#deps;
    const frames = probes.frames();
    const failing: ReadinessCheckName[] = [];
    if (!probes.cameraDelivering()) failing.push('camera');
    if (!frames?.checkedAt || frames.covered || frames.frozen || frames.moved) failing.push('frames');
    if (!(await probes.clockSynced())) failing.push('clock');
    if (!probes.brokerReachable()) failing.push('broker');
    return failing;
  }
}
