/**
 * Frame checks on the live camera, in memory only: every `intervalSeconds` one keyframe is decoded
 * to a grey thumbnail and judged: too dark (covered), identical to the last ones (frozen), or far
 * from the reference view the installer confirmed (turned away). A problem raises its event once,
 * when it appears. The thumbnail's pixels are zeroed as soon as its statistics are taken; between
 * checks only the verdict and a noise fingerprint (thumbnail.ts: pair differences, not a picture)
 * are kept, so nothing of the room stays in memory while the camera runs without a session.
 */
import type { AccessUnit, CameraSource } from '../camera/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { type Clock, systemTime } from '../platform/time.ts';
import type { FrameCheckConfig } from './config.ts';
import type { EventSink } from './events.ts';
import type { EventCode } from './payloads.ts';
import {
  ffmpegThumbnailDecoder,
  fingerprintDistance,
  fingerprintPairs,
  greyStats,
  hashDistance,
  type NoiseFingerprint,
  noiseFingerprint,
  type ThumbnailDecoder,
  thumbnailHash,
} from './thumbnail.ts';

export interface FrameVerdict {
  /** Wall-clock time of the last check, epoch ms; undefined before the first. */
  checkedAt: number | undefined;
  covered: boolean;
  frozen: boolean;
  moved: boolean;
  mean: number | undefined;
  distance: number | undefined;
}

export interface FrameCheckerDeps {
  config: FrameCheckConfig;
  camera?: Pick<CameraSource, 'onAccessUnit' | 'onStatus'>;
  /** The reference-view hash confirmed at registration; undefined skips the turned-away check. */
  referenceHash: () => string | undefined;
  events?: EventSink;
  decode?: ThumbnailDecoder;
  /** Whether the IR illuminator is on; a dark picture only means "covered" when it is. */
  irOn?: () => boolean;
  time?: Clock;
  /** Draws the fingerprint's pixel pairs (once per thumbnail size). */
  random?: () => number;
  log?: Log;
}

/** What one check takes from a thumbnail before its pixels are wiped. */
interface FrameStats {
  mean: number;
  fingerprint: NoiseFingerprint;
  hash: string | undefined;
}

const EMPTY: FrameVerdict = {
  checkedAt: undefined,
  covered: false,
  frozen: false,
  moved: false,
  mean: undefined,
  distance: undefined,
};

export class FrameChecker {
  readonly #deps: FrameCheckerDeps;
  readonly #decode: ThumbnailDecoder;
  readonly #listeners = new Set<(verdict: FrameVerdict) => void>();
  #verdict: FrameVerdict = EMPTY;
  #previous: NoiseFingerprint | undefined;
  #pairs: Uint32Array | undefined;
  #sameStreak = 0;
  #lastCheck = Number.NEGATIVE_INFINITY;
  #busy: Promise<unknown> | undefined;
  readonly #subscriptions = new Subscriptions();

  constructor(deps: FrameCheckerDeps) {
    this.#deps = deps;
    this.#decode = deps.decode ?? ffmpegThumbnailDecoder();
  }

  start(): void {
    const { camera } = this.#deps;
    if (!camera || this.#subscriptions.active) return;
    this.#subscriptions.add(
      camera.onAccessUnit((au) => this.#offer(au)),
      camera.onStatus((s) => {
        if (s.state !== 'running') this.reset();
      }),
    );
  }

  async stop(): Promise<void> {
    this.#subscriptions.clear();
    await this.#busy?.catch(() => undefined);
    this.reset();
  }

  verdict(): FrameVerdict {
    return { ...this.#verdict };
  }

  onVerdict(listener: (verdict: FrameVerdict) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets what was seen (the camera stopped): problems are unknown, not cleared by evidence. */
  reset(): void {
    this.#verdict = EMPTY;
    this.#previous = undefined;
    this.#sameStreak = 0;
  }

  /** What is kept between checks: never pixels (tests read it). */
  get retained(): NoiseFingerprint | undefined {
    return this.#previous;
  }

  /** Judges one keyframe now (tests and the self-test call this directly). */
  async check(au: AccessUnit): Promise<FrameVerdict> {
    const { config } = this.#deps;
    const reference = this.#deps.referenceHash();
    const { mean, fingerprint, hash } = await this.#statistics(au, reference !== undefined);
    const covered = mean < config.darkMean && (this.#deps.irOn?.() ?? true);
    const same =
      this.#previous !== undefined &&
      fingerprintDistance(this.#previous, fingerprint) <= config.frozenDifference;
    this.#sameStreak = same ? this.#sameStreak + 1 : 0;
    this.#previous = fingerprint;
    const distance =
      reference === undefined || hash === undefined || covered ? undefined : hashDistance(hash, reference);
    const verdict: FrameVerdict = {
      checkedAt: (this.#deps.time ?? systemTime).now(),
      covered,
      frozen: !covered && this.#sameStreak >= config.frozenChecks - 1,
      moved: distance !== undefined && distance > config.movedDistance,
      mean,
      distance,
    };
    await this.#raiseNew(this.#verdict, verdict);
    this.#verdict = verdict;
    for (const listener of this.#listeners) listener(verdict);
    return verdict;
  }

  /** Decodes, takes every statistic the verdict needs, then zeroes the pixels whatever happened. */
  async #statistics(au: AccessUnit, wantHash: boolean): Promise<FrameStats> {
    const thumb = await this.#decode(au.data);
    try {
      const pixels = thumb.data.length;
      if (this.#pairs === undefined || this.#previous?.pixels !== pixels)
        this.#pairs = fingerprintPairs(pixels, this.#deps.random);
      const { mean } = await greyStats(thumb);
      const hash = wantHash ? await thumbnailHash(thumb) : undefined;
      return { mean, fingerprint: noiseFingerprint(thumb, this.#pairs), hash };
    } finally {
      thumb.data.fill(0);
    }
  }

  /** The interval is measured on the monotonic clock: a wall clock stepped back must not pause checks. */
  #offer(au: AccessUnit): void {
    const now = (this.#deps.time ?? systemTime).monotonic();
    if (!au.keyframe || this.#busy || now - this.#lastCheck < this.#deps.config.intervalSeconds * 1000)
      return;
    this.#lastCheck = now;
    this.#busy = this.check(au)
      .catch((error) =>
        this.#deps.log?.warn({ code: error.code ?? 'frame_check_failed' }, 'frame check failed'),
      )
      .finally(() => {
        this.#busy = undefined;
      });
  }

  async #raiseNew(before: FrameVerdict, after: FrameVerdict): Promise<void> {
    const { events } = this.#deps;
    const log = this.#deps.log ?? silentLog;
    const rising: Array<[EventCode, boolean, boolean]> = [
      ['camera_covered', before.covered, after.covered],
      ['camera_frozen', before.frozen, after.frozen],
      ['camera_moved', before.moved, after.moved],
    ];
    for (const [code, was, is] of rising) {
      if (is && !was) {
        log.warn({ code }, 'frame check problem');
        const detail: Record<string, number> =
          code === 'camera_moved'
            ? { distance: after.distance ?? -1 }
            : { mean: Math.round(after.mean ?? 0) };
        await events?.raise(code, detail);
      }
    }
  }
}
