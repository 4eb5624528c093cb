import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessUnit } from '../../src/camera/types.ts';
import { frameCheckConfigSchema } from '../../src/health/config.ts';
import type { EventSink } from '../../src/health/events.ts';
import { FrameChecker } from '../../src/health/frames.ts';
import type { EventCode } from '../../src/health/payloads.ts';
import { hashDistance, meanLuma, perceptualHash } from '../../src/health/thumbnail.ts';
import { keyframes, SOURCES } from './fixtures/h264.ts';

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
    let now = 0;
    const decoded: number[] = [];
    const listeners: Array<(au: AccessUnit) => void> = [];
    const checker = new FrameChecker({
      config,
      referenceHash: () => undefined,
      now: () => now,
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
    const frame = (keyframe: boolean) => ({ data: new Uint8Array(3), keyframe, captureTime: now, pts90k: 0 });
    listeners[0]!(frame(false));
    listeners[0]!(frame(true));
    await new Promise((r) => setTimeout(r, 50));
    now += 1000;
    listeners[0]!(frame(true));
    now += config.intervalSeconds * 1000;
    listeners[0]!(frame(true));
    await checker.stop();
    expect(decoded).toHaveLength(2);
  });
});
