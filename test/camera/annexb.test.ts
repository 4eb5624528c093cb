import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnnexBParser, type ParsedAccessUnit, splitNalUnits } from '../../src/camera/index.ts';
import { makeH264 } from '../fixtures/stream/h264.ts';

const parseAll = (stream: Uint8Array, cuts: number[]): ParsedAccessUnit[] => {
  const out: ParsedAccessUnit[] = [];
  const parser = new AnnexBParser((au) => out.push(au));
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push(stream.subarray(from, cut));
    from = cut;
  }
  parser.push(stream.subarray(from));
  parser.flush();
  return out;
};

describe('AnnexBParser', () => {
  let stream: Buffer;
  beforeAll(async () => {
    stream = await makeH264(2, 15);
  });

  it('splits two seconds at 15 fps into 30 pictures with a keyframe every 15', () => {
    const aus = parseAll(stream, []);
    expect(aus).toHaveLength(30);
    expect(aus.map((a, i) => (a.keyframe ? i : -1)).filter((i) => i >= 0)).toEqual([0, 15]);
  });

  it('gives every keyframe its SPS and PPS in front', () => {
    for (const au of parseAll(stream, []).filter((a) => a.keyframe)) {
      const types = splitNalUnits(au.data).map((n) => n[0]! & 0x1f);
      expect(types.indexOf(7)).toBeGreaterThanOrEqual(0);
      expect(types.indexOf(8)).toBeLessThan(types.indexOf(5));
    }
  });

  it('finds the same pictures however the byte stream is cut into chunks', () => {
    const whole = parseAll(stream, []).map((a) => Buffer.from(a.data).toString('base64'));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
        const parts = parseAll(stream, cuts).map((a) => Buffer.from(a.data).toString('base64'));
        expect(parts).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('emits a picture on flush when the producer pauses after it, without waiting for the next', () => {
    const out: ParsedAccessUnit[] = [];
    const parser = new AnnexBParser((au) => out.push(au));
    const firstTwo = parseAll(stream, []).slice(0, 1)[0]!;
    parser.push(firstTwo.data);
    expect(out).toHaveLength(0);
    parser.flush();
    expect(out).toHaveLength(1);
    expect(out[0]!.keyframe).toBe(true);
  });

  it('ignores bytes before the first start code and empty input', () => {
    const out: ParsedAccessUnit[] = [];
    const parser = new AnnexBParser((au) => out.push(au));
    parser.push(new Uint8Array([1, 2, 3]));
    parser.push(new Uint8Array(0));
    parser.flush();
    expect(out).toHaveLength(0);
  });
});
