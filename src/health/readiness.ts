/**
 * The readiness check: `leadMinutes` before each supervision window, asks whether the window will
 * work (camera delivering, frame checks fine, clock synced, broker reachable) and raises
 * `window_ready` or `window_at_risk` with the failing checks, once per window occurrence, so the
 * centre can send someone before 02:30 instead of after. Pushed, not polled: one timer for the
 * moment the coming window enters the lead, re-armed whenever access control announces a change.
 * The camera has to be running by then: `readinessCameraLeadMs` is what the camera schedule needs.
 */
import type { AccessControl } from '../access/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { systemTime, type Time, type Timer } from '../platform/time.ts';
import type { EventSink } from './events.ts';
import type { FrameVerdict } from './frames.ts';
import type { HealthPayload } from './payloads.ts';

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
  access: Pick<AccessControl, 'windowState' | 'onChange'>;
  probes: ReadinessProbes;
  events: EventSink;
  time?: Pick<Time, 'now' | 'timeout'>;
}

export interface ReadinessResult {
  windowId: string;
  start: number;
  failing: ReadinessCheckName[];
}

/** Extra lead the camera needs to be up and checked once before readiness is judged. */
const CAMERA_SETTLE_MS = 2 * 60_000;

/** How long before a window the camera must run for readiness to judge it (the camera schedule's need). */
export function readinessCameraLeadMs(leadMinutes: number): number {
  return leadMinutes * 60_000 + CAMERA_SETTLE_MS;
}

export class ReadinessCheck {
  readonly #deps: ReadinessDeps;
  readonly #time: Pick<Time, 'now' | 'timeout'>;
  readonly #subscriptions = new Subscriptions();
  #timer: Timer | undefined;
  #last: ReadinessResult | undefined;
  /** The verdict before the window now open, kept while it is open: the round asks during it. */
  #previous: ReadinessResult | undefined;
  #running: Promise<void> | undefined;
  #active = false;

  constructor(deps: ReadinessDeps) {
    this.#deps = deps;
    this.#time = deps.time ?? systemTime;
  }

  get leadMs(): number {
    return this.#deps.leadMinutes * 60_000;
  }

  /** How long before a window the camera should start so readiness can judge it. */
  get cameraLeadMs(): number {
    return readinessCameraLeadMs(this.#deps.leadMinutes);
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#subscriptions.add(this.#deps.access.onChange(() => void this.#arm()));
    void this.#arm();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#subscriptions.clear();
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * The verdict for the window open now, else for the coming one, whichever was judged first in
   * that order: `unknown` until one has been (a device started inside a window has not judged it).
   */
  status(): HealthPayload['readiness'] {
    const { open, next } = this.#deps.access.windowState();
    const judged = (w: typeof open) =>
      w && [this.#last, this.#previous].find((v) => v?.start === w.start && v.windowId === w.windowId);
    const verdict = judged(open) || judged(next);
    if (!verdict) return 'unknown';
    return verdict.failing.length === 0 ? 'ready' : 'at_risk';
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
    // An open window does not excuse the next one: windows may overlap, and each gets its own check.
    const { next } = this.#deps.access.windowState();
    if (!next || now < next.start - this.leadMs || now >= next.start) return;
    if (this.#last?.start === next.start && this.#last.windowId === next.windowId) return;
    const failing = await this.evaluate();
    this.#previous = this.#last;
    this.#last = { windowId: next.windowId, start: next.start, failing };
    const detail = {
      windowId: next.windowId,
      start: new Date(next.start).toISOString(),
      failing: failing.join(','),
    };
    await this.#deps.events.raise(failing.length === 0 ? 'window_ready' : 'window_at_risk', detail);
  }

  /**
   * Judges the coming window if it is inside the lead now, then sets the one timer that matters:
   * when the coming window enters its lead (whether or not another window is open then), or when it
   * starts (after which a later window is the coming one).
   */
  async #arm(): Promise<void> {
    if (!this.#active) return;
    const { next } = this.#deps.access.windowState();
    if (!next) return this.#wakeAt(undefined);
    const judgeFrom = next.start - this.leadMs;
    if (this.#time.now() < judgeFrom) return this.#wakeAt(judgeFrom);
    await this.tick();
    this.#wakeAt(next.start);
  }

  #wakeAt(at: number | undefined): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (at === undefined || !this.#active) return;
    this.#timer = this.#time.timeout('readiness', Math.max(0, at - this.#time.now()), () => void this.#arm());
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
