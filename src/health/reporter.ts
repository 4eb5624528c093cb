/**
 * The health reporter: samples the cheap probes, the camera, the frame checks and the window state,
 * publishes `health` (retained, QoS 1, expiry 3× the period) every period and at once when something
 * that matters changes, raises events for problems as they appear, and announces `info` + `health`
 * on every connection before the link says `online`. Health goes out whatever the event queue does:
 * a full or read-only disk that refuses the problem's event must not also silence the report of it
 * (issue 9). The period is measured on the monotonic clock, so a wall clock stepped back by NTP
 * does not hold health back until the retained copy expires; wall time is only for timestamps.
 */

import type { AccessControl } from '../access/types.ts';
import type { CameraSource } from '../camera/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, type Timer } from '../platform/time.ts';
import type { HealthConfig } from './config.ts';
import type { EventSink } from './events.ts';
import type { FrameVerdict } from './frames.ts';
import type { Inventory } from './inventory.ts';
import type { MqttLink } from './link.ts';
import {
  type HealthPayload,
  type HealthProblem,
  healthPayloadSchema,
  infoPayloadSchema,
} from './payloads.ts';
import type { SystemSnapshot } from './probes.ts';
import { newProblemEvents, problemsOf } from './problems.ts';

export interface HealthReporterDeps {
  deviceId: string;
  softwareVersion: string;
  config: HealthConfig;
  link: Pick<MqttLink, 'publish' | 'onConnect' | 'connected' | 'topics'>;
  probes: { read(): Promise<SystemSnapshot> };
  access: Pick<AccessControl, 'windowState' | 'sessions'>;
  events: EventSink;
  inventory: () => Promise<Inventory>;
  camera?: Pick<CameraSource, 'status' | 'onStatus'>;
  frames?: { verdict(): FrameVerdict; onVerdict(l: (v: FrameVerdict) => void): () => void };
  readiness?: () => HealthPayload['readiness'];
  /** The audit log's writability and its backlog at the archive. */
  audit?: () => AuditStatus;
  time?: Time;
  log?: Log;
}

export interface AuditStatus {
  writable: boolean;
  lastSeq: number;
  acknowledgedSeq: number;
  undelivered: number;
  /** Wall-clock `ts` of the oldest record the archive has not acknowledged. */
  oldestTs: string | undefined;
}

/** Camera and frame-check changes are batched for this long before a sample. */
const CHANGE_DEBOUNCE_MS = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

export class HealthReporter {
  readonly #deps: HealthReporterDeps;
  readonly #time: Time;
  readonly #log: Log;
  #interval: Timer | undefined;
  readonly #subscriptions = new Subscriptions();
  #current: HealthPayload | undefined;
  #problems: HealthProblem[] = [];
  #paused: boolean | undefined;
  #lastKey = '';
  #lastPublished = Number.NEGATIVE_INFINITY;
  #sampling: Promise<void> | undefined;
  #again = false;
  #pendingSoon: Timer | undefined;

  constructor(deps: HealthReporterDeps) {
    this.#deps = deps;
    this.#time = deps.time ?? systemTime;
    this.#log = deps.log ?? silentLog;
  }

  /** The last health payload built (undefined before the first sample). */
  current(): HealthPayload | undefined {
    return this.#current;
  }

  async start(): Promise<void> {
    if (this.#interval !== undefined) return;
    const { link, camera, frames, config } = this.#deps;
    this.#interval = this.#time.interval(
      'health-sample',
      config.sampleSeconds * 1000,
      () => void this.sample(),
    );
    this.#subscriptions.add(link.onConnect((connection) => this.#announce(connection)));
    if (camera) this.#subscriptions.add(camera.onStatus(() => this.#soon()));
    if (frames) this.#subscriptions.add(frames.onVerdict(() => this.#soon()));
    await this.sample();
  }

  async stop(): Promise<void> {
    this.#interval?.cancel();
    this.#pendingSoon?.cancel();
    this.#interval = undefined;
    this.#pendingSoon = undefined;
    this.#subscriptions.clear();
    await this.#sampling;
  }

  /** Samples now; publishes when something that matters changed or a period has passed. */
  sample(): Promise<void> {
    if (this.#sampling) {
      this.#again = true;
      return this.#sampling;
    }
    this.#sampling = this.#sampleOnce()
      .catch((error) => this.#log.warn({ err: String(error) }, 'health sample failed'))
      .finally(() => {
        this.#sampling = undefined;
        if (this.#again) {
          this.#again = false;
          void this.sample();
        }
      });
    return this.#sampling;
  }

  /** A change was signalled (camera, frames): sample within a second, however often it is signalled. */
  #soon(): void {
    if (this.#pendingSoon !== undefined || this.#interval === undefined) return;
    this.#pendingSoon = this.#time.timeout('health-change', CHANGE_DEBOUNCE_MS, () => {
      this.#pendingSoon = undefined;
      void this.sample();
    });
  }

  async #sampleOnce(): Promise<void> {
    const payload = await this.#build();
    const now = this.#time.monotonic();
    this.#current = payload;
    const key = significant(payload);
    const due = now - this.#lastPublished >= this.#deps.config.periodSeconds * 1000;
    if ((key !== this.#lastKey || due) && this.#deps.link.connected) {
      await this.#publish(payload).catch(() => undefined);
      this.#lastPublished = now;
      this.#lastKey = key;
    }
    await this.#raise(payload);
  }

  async #build(): Promise<HealthPayload> {
    const { access, camera, frames, config } = this.#deps;
    const now = this.#time.now();
    const system = await this.#deps.probes.read();
    const ws = access.windowState();
    const cam = camera?.status();
    const verdict = frames?.verdict();
    const audit = this.#auditReading(now);
    const problems = problemsOf(
      {
        system,
        camera: cam,
        frames: verdict,
        windowOpen: ws.open !== undefined,
        policyVersion: ws.policyVersion,
        audit: audit ?? undefined,
      },
      config,
    );
    return healthPayloadSchema.parse({
      ts: iso(now),
      ...system,
      camera: {
        state: cam?.state ?? 'stopped',
        fps: cam?.fps ?? 0,
        lastFrameAgeMs: cam?.lastFrameAgeMs ?? null,
        restarts: cam?.restarts ?? 0,
        lastError: cam?.lastError ?? null,
      },
      frames: {
        checkedAt: verdict?.checkedAt === undefined ? null : iso(verdict.checkedAt),
        covered: verdict?.covered ?? false,
        frozen: verdict?.frozen ?? false,
        moved: verdict?.moved ?? false,
      },
      sessions: access.sessions().length,
      policyVersion: ws.policyVersion ?? null,
      paused: ws.paused,
      windowOpen: ws.open !== undefined,
      nextWindow: ws.next ? { id: ws.next.windowId, start: iso(ws.next.start), end: iso(ws.next.end) } : null,
      readiness: this.#deps.readiness?.() ?? 'unknown',
      problems,
      periodSeconds: config.periodSeconds,
      audit,
    });
  }

  #auditReading(now: number): HealthPayload['audit'] {
    const status = this.#deps.audit?.();
    if (!status) return null;
    const oldest = status.oldestTs === undefined ? Number.NaN : Date.parse(status.oldestTs);
    return {
      writable: status.writable,
      lastSeq: status.lastSeq,
      acknowledgedSeq: status.acknowledgedSeq,
      undelivered: status.undelivered,
      oldestUndeliveredSeconds: Number.isNaN(oldest) ? null : Math.max(0, Math.floor((now - oldest) / 1000)),
    };
  }

  /**
   * Raises an event for each problem that appeared. An event the queue refuses (the disk is full)
   * is not counted as raised, so the next sample tries again; health has already gone out.
   */
  async #raise(payload: HealthPayload): Promise<void> {
    const unraised = new Set<string>();
    for (const code of newProblemEvents(this.#problems, payload.problems)) {
      this.#log.warn({ code }, 'health problem');
      if (!(await this.#tryRaise(code))) unraised.add(code);
    }
    this.#problems = payload.problems.filter((p) => !unraised.has(p));
    if (this.#paused !== undefined && this.#paused !== payload.paused) {
      if (!(await this.#tryRaise('paused', { paused: payload.paused }))) return;
    }
    this.#paused = payload.paused;
  }

  async #tryRaise(...args: Parameters<EventSink['raise']>): Promise<boolean> {
    try {
      await this.#deps.events.raise(...args);
      return true;
    } catch (error) {
      this.#log.warn(
        { code: args[0], err: String(error) },
        'event not stored; raised again at the next sample',
      );
      return false;
    }
  }

  #publish(payload: HealthPayload): Promise<void> {
    const { link, config } = this.#deps;
    return link.publish(link.topics.health, JSON.stringify(payload), {
      qos: 1,
      retain: true,
      expirySeconds: config.periodSeconds * 3,
    });
  }

  /** On every connection: inventory on `info`, then a fresh `health`; the link then says online. */
  async #announce(connection: number): Promise<void> {
    const { link, deviceId, softwareVersion } = this.#deps;
    const now = this.#time.now();
    const monotonic = this.#time.monotonic();
    const inventory = await this.#deps.inventory();
    const info = infoPayloadSchema.parse({
      deviceId,
      software: { name: 'nattsyn', version: softwareVersion },
      connection,
      ...inventory,
      ts: iso(now),
    });
    await link.publish(link.topics.info, JSON.stringify(info), { qos: 1, retain: true });
    const payload = await this.#build();
    this.#current = payload;
    await this.#publish(payload);
    this.#lastPublished = monotonic;
    this.#lastKey = significant(payload);
  }
}

/** What makes a health change worth publishing before the period is up. */
function significant(p: HealthPayload): string {
  return JSON.stringify([
    p.problems,
    p.camera.state,
    p.paused,
    p.windowOpen,
    p.nextWindow?.start,
    p.policyVersion,
    p.readiness,
    p.sessions,
    p.clockSynced,
  ]);
}
