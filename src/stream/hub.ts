/**
 * The stream hub: one camera in, many viewers out. Each access unit is packetized once; the payload
 * buffers are shared (never mutated), while every viewer builds its own RTP packets with its own
 * sequence numbers and timestamps (werift's sendRtp mutates the packet it is given). The current GOP
 * is cached in memory only, so a joining viewer can start on a keyframe at once (viewer.ts).
 */
import type { AccessUnit, CameraSource } from '../camera/index.ts';
import { findSps, type H264Profile, packetizeNalUnits, type RtpPayload, spsProfile } from '../h264/index.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { systemTime, type Time } from '../platform/time.ts';

export interface HubFrame {
  /** The camera's own clock: it starts again with every run of the source. */
  pts90k: number;
  /** Which run of the camera source this picture came from (a restart begins a new one). */
  run: number;
  /** When the hub received it, on the monotonic clock. */
  arrivedMono: number;
  keyframe: boolean;
  captureTime: number;
  payloads: readonly RtpPayload[];
  bytes: number;
  /** The access unit's Annex B bytes (the MPEG-1 fallback's encoder input); never copied. */
  annexB: Uint8Array;
}

export interface FrameSink {
  onFrame(frame: HubFrame): void;
}

export interface StreamHubOptions {
  camera: Pick<CameraSource, 'onAccessUnit' | 'onStatus' | 'requestKeyframe'>;
  gopMaxBytes?: number;
  /** PLIs closer together than this are merged into one keyframe request. */
  keyframeRequestIntervalMs?: number;
  time?: Pick<Time, 'monotonic' | 'timeout'>;
}

export class StreamHub {
  readonly #o: StreamHubOptions;
  readonly #time: Pick<Time, 'monotonic' | 'timeout'>;
  readonly #sinks = new Set<FrameSink>();
  readonly #keyframeWaiters = new Set<() => void>();
  #gop: HubFrame[] = [];
  #gopBytes = 0;
  readonly #subscriptions = new Subscriptions();
  #lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  #profile: H264Profile | undefined;
  #run = 0;

  constructor(options: StreamHubOptions) {
    this.#o = options;
    this.#time = options.time ?? systemTime;
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(this.#o.camera.onAccessUnit((au) => this.#onAccessUnit(au)));
    // A stopped, failed or restarting camera's last GOP is stale: never replay it to a new viewer.
    // Its next pictures start a new run, whose clock starts again (viewerFeed.ts keeps viewers' own).
    this.#subscriptions.add(
      this.#o.camera.onStatus((s) => {
        if (s.state === 'stopped' || s.state === 'failed' || s.state === 'starting') {
          this.#run += 1;
          this.clear();
        }
      }),
    );
  }

  stop(): void {
    this.#subscriptions.clear();
    this.#sinks.clear();
    this.clear();
    for (const wake of this.#keyframeWaiters) wake();
    this.#keyframeWaiters.clear();
  }

  /** Drops the cached GOP (camera stopped: stale pictures must not be replayed). */
  clear(): void {
    this.#gop = [];
    this.#gopBytes = 0;
  }

  /** The cached GOP, keyframe first; empty until the camera delivered a keyframe. */
  currentGop(): readonly HubFrame[] {
    return this.#gop;
  }

  /**
   * The profile and level of the camera's stream, from the last SPS seen (kept across camera
   * restarts: it describes the encoder, not a picture); undefined before the first keyframe.
   */
  streamProfile(): H264Profile | undefined {
    return this.#profile;
  }

  hasKeyframe(): boolean {
    return this.#gop.length > 0;
  }

  /** Resolves true once a keyframe is cached, false after `timeoutMs`. */
  waitForKeyframe(timeoutMs: number): Promise<boolean> {
    if (this.hasKeyframe()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        timer.cancel();
        this.#keyframeWaiters.delete(wake);
        resolve(this.hasKeyframe());
      };
      const timer = this.#time.timeout('first-keyframe', timeoutMs, wake);
      this.#keyframeWaiters.add(wake);
    });
  }

  /** The camera's next keyframe (in memory only), or undefined after `timeoutMs`. */
  nextKeyframe(timeoutMs: number): Promise<AccessUnit | undefined> {
    return new Promise((resolve) => {
      const done = (au: AccessUnit | undefined) => {
        timer.cancel();
        off();
        resolve(au);
      };
      const timer = this.#time.timeout('next-keyframe', timeoutMs, () => done(undefined));
      const off = this.#o.camera.onAccessUnit((au) => {
        if (au.keyframe) done(au);
      });
    });
  }

  get viewerCount(): number {
    return this.#sinks.size;
  }

  attach(sink: FrameSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** A viewer lost a picture (PLI): ask the camera for an IDR where it can, at most once per interval. */
  requestKeyframe(): void {
    const now = this.#time.monotonic();
    if (now - this.#lastKeyframeRequest < (this.#o.keyframeRequestIntervalMs ?? 1000)) return;
    this.#lastKeyframeRequest = now;
    this.#o.camera.requestKeyframe?.();
  }

  #onAccessUnit(au: AccessUnit): void {
    const payloads = packetizeNalUnits(au.nals);
    const bytes = payloads.reduce((n, p) => n + p.payload.length, 0);
    const frame: HubFrame = {
      pts90k: au.pts90k,
      run: this.#run,
      arrivedMono: this.#time.monotonic(),
      keyframe: au.keyframe,
      captureTime: au.captureTime,
      payloads,
      bytes,
      annexB: au.data,
    };
    if (au.keyframe) {
      const sps = findSps(au.nals);
      this.#profile = (sps && spsProfile(sps)) ?? this.#profile;
      this.#gop = [frame];
      this.#gopBytes = bytes;
      for (const wake of [...this.#keyframeWaiters]) wake();
    } else if (this.#gop.length > 0 && this.#gopBytes + bytes <= (this.#o.gopMaxBytes ?? 4 << 20)) {
      this.#gop.push(frame);
      this.#gopBytes += bytes;
    }
    for (const sink of this.#sinks) sink.onFrame(frame);
  }
}
