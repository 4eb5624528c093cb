import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessUnit } from '../../src/camera/types.ts';
import { frameCheckConfigSchema } from '../../src/health/config.ts';
import type { EventSink } from '../../src/health/events.ts';
import { FrameChecker } from '../../src/health/frames.ts';
import type { EventCode } from '../../src/health/payloads.ts';
import {
  FINGERPRINT_PAIRS,
  ffmpegThumbnailDecoder,
  fingerprintDistance,
  fingerprintPairs,
  hashDistance,
  meanLuma,
  noiseFingerprint,
  perceptualHash,
} from '../../src/health/thumbnail.ts';
import { accessUnit, keyframes, SOURCES } from '../fixtures/h264.ts';
import { ManualTime, settle } from '../fixtures/time.ts';

const config = frameCheckConfigSchema.parse({});
let reference: string;
const scenes: Record<keyof typeof SOURCES, AccessUnit[]> = { normal: [], black: [], still: [], other: [] };

function recorder(): EventSink & { codes: EventCode[] } {
  const codes: EventCode[] = [];
  return {
    codes,
    raise: async (code) => {
      codes.push(code);
      return { eventId: String(codes.length), seq: codes.length, code, ts: new Date().toISOString() };
    },
  };
}

async function run(source: keyof typeof SOURCES): Promise<EventCode[]> {
  const events = recorder();
  const checker = new FrameChecker({ config, referenceHash: () => reference, events });
  for (const au of scenes[source]) await checker.check(au);
  return events.codes;
}

beforeAll(async () => {
  await Promise.all(
    (Object.keys(SOURCES) as Array<keyof typeof SOURCES>).map(async (k) => {
      scenes[k] = await keyframes(SOURCES[k], 4);
    }),
  );
  reference = await perceptualHash(scenes.normal[0]!);
});

describe('frame checks on real H.264', () => {
  it('a normal noisy moving room raises nothing', async () => {
    expect(await run('normal')).toEqual([]);
  });

  it('a black picture raises camera_covered once', async () => {
    expect(await run('black')).toEqual(['camera_covered']);
  });

  it('a picture that never changes raises camera_frozen', async () => {
    expect(await run('still')).toEqual(['camera_frozen']);
  });

  it('a different scene raises camera_moved', async () => {
    expect(await run('other')).toEqual(['camera_moved']);
  });

  it('perceptual hashes of the same view are close and of another view far', async () => {
    const same = await perceptualHash(scenes.normal[2]!);
    const other = await perceptualHash(scenes.other[0]!);
    expect(hashDistance(reference, same)).toBeLessThanOrEqual(config.movedDistance);
    expect(hashDistance(reference, other)).toBeGreaterThan(config.movedDistance);
    expect(reference).toMatch(/^[0-9a-f]{16}$/);
    expect(await meanLuma(scenes.black[0]!)).toBeLessThan(config.darkMean);
    expect(await meanLuma(scenes.normal[0]!)).toBeGreaterThan(50);
  });

  it('checks only keyframes and at most once per interval when fed by a camera', async () => {
    const time = new ManualTime(0);
    const decoded: number[] = [];
    const listeners: Array<(au: AccessUnit) => void> = [];
    const checker = new FrameChecker({
      config,
      referenceHash: () => undefined,
      time,
      decode: async (data) => {
        decoded.push(data.length);
        return { width: 2, height: 1, data: new Uint8Array([100, 100 + decoded.length]) };
      },
      camera: {
        onAccessUnit: (l) => {
          listeners.push(l);
          return () => undefined;
        },
        onStatus: () => () => undefined,
      },
    });
    checker.start();
    const frame = (keyframe: boolean) => accessUnit(new Uint8Array(3), { keyframe, captureTime: time.now() });
    const judged = new Promise((resolve) => checker.onVerdict(resolve));
    listeners[0]!(frame(false));
    listeners[0]!(frame(true));
    await judged;
    await settle();
    time.advance(1000);
    listeners[0]!(frame(true));
    time.advance(config.intervalSeconds * 1000);
    listeners[0]!(frame(true));
    await checker.stop();
    expect(decoded).toHaveLength(2);
  });
  // Issue 9 item 6: a wall clock stepped back 300 s paused the frame checks as it did health.
  it('keeps_checking_every_interval_when_the_wall_clock_steps_back', async () => {
    const time = new ManualTime(0);
    let decoded = 0;
    const listeners: Array<(au: AccessUnit) => void> = [];
    const checker = new FrameChecker({
      config,
      referenceHash: () => undefined,
      time,
      decode: async () => {
        decoded += 1;
        return { width: 2, height: 1, data: new Uint8Array([100, 100 + decoded]) };
      },
      camera: {
        onAccessUnit: (l) => {
          listeners.push(l);
          return () => undefined;
        },
        onStatus: () => () => undefined,
      },
    });
    checker.start();
    const keyframe = () => accessUnit(new Uint8Array(3), { keyframe: true, captureTime: time.now() });
    for (let i = 0; i < 3; i++) {
      const judged = new Promise((resolve) => checker.onVerdict(resolve));
      listeners[0]!(keyframe());
      // A check that never starts leaves nothing to wait for: give up on it after a few real seconds.
      await Promise.race([judged, new Promise((resolve) => setTimeout(resolve, 3000))]);
      await settle();
      time.stepWall(-300_000);
      time.advance(config.intervalSeconds * 1000);
    }
    await checker.stop();
    expect(decoded).toBe(3);
  });
});

describe('frame checks keep no picture of the room', () => {
  it('zeroes the decoded pixels after a check and keeps only pair differences between checks', async () => {
    const decoded: Uint8Array[] = [];
    const checker = new FrameChecker({
      config,
      referenceHash: () => reference,
      decode: async (data) => {
        const thumb = await ffmpegThumbnailDecoder()(data);
        decoded.push(thumb.data);
        return thumb;
      },
    });
    await checker.check(scenes.normal[0]!);
    await checker.check(scenes.normal[1]!);
    expect(decoded).toHaveLength(2);
    for (const pixels of decoded) expect(pixels.every((v) => v === 0)).toBe(true);
    const kept = checker.retained!;
    expect(kept.differences).toBeInstanceOf(Int16Array);
    expect(kept.differences.length).toBe(FINGERPRINT_PAIRS);
    expect(kept.differences.length).toBeLessThan(kept.pixels / 100);
    await checker.stop();
    expect(checker.retained).toBeUndefined();
  });

  it('a fingerprint holds no grey level and no pixel twice, so it cannot be drawn', () => {
    const pixels = 160 * 120;
    const pairs = fingerprintPairs(pixels);
    expect(new Set(pairs).size).toBe(pairs.length);
    const data = Uint8Array.from({ length: pixels }, (_, i) => (i * 7) % 200);
    const brighter = data.map((v) => v + 40);
    const a = noiseFingerprint({ width: 160, height: 120, data }, pairs);
    const b = noiseFingerprint({ width: 160, height: 120, data: brighter }, pairs);
    expect([...b.differences]).toEqual([...a.differences]);
    expect(fingerprintDistance(a, b)).toBe(0);
    expect(fingerprintDistance(a, { pixels: pixels / 4, differences: a.differences })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('separates a still picture from a noisy room by a wide margin whatever pairs are drawn', async () => {
    const decode = ffmpegThumbnailDecoder();
    const stillThumbs = await Promise.all(scenes.still.map((au) => decode(au.data)));
    const roomThumbs = await Promise.all(scenes.normal.map((au) => decode(au.data)));
    let seed = 1;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let stillMax = 0;
    let roomMin = Number.POSITIVE_INFINITY;
    for (let draw = 0; draw < 20; draw++) {
      const pairs = fingerprintPairs(160 * 120, random);
      const still = stillThumbs.map((t) => noiseFingerprint(t, pairs));
      const room = roomThumbs.map((t) => noiseFingerprint(t, pairs));
      for (let i = 1; i < still.length; i++) {
        stillMax = Math.max(stillMax, fingerprintDistance(still[i - 1]!, still[i]!));
        roomMin = Math.min(roomMin, fingerprintDistance(room[i - 1]!, room[i]!));
      }
    }
    expect(stillMax).toBeLessThanOrEqual(config.frozenDifference);
    expect(roomMin).toBeGreaterThan(4 * config.frozenDifference);
  });
});
