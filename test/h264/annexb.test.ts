import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnnexBParser, type ParsedAccessUnit, splitNalUnits } from '../../src/h264/index.ts';
import { h264Fixture, makeH264 } from '../fixtures/h264.ts';

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

  it('hands_each_picture_its_nal_units_as_views_of_its_bytes_so_nothing_splits_them_again', () => {
    for (const au of parseAll(stream, [])) {
      expect(au.nals.map((n) => Buffer.from(n).toString('hex'))).toEqual(
        splitNalUnits(au.data).map((n) => Buffer.from(n).toString('hex')),
      );
      expect(au.nals.every((n) => n.buffer === au.data.buffer)).toBe(true);
    }
  });
});

const types = (au: ParsedAccessUnit) => au.nals.map((n) => n[0]! & 0x1f);

describe('AnnexBParser on the committed streams', () => {
  it('reads_the_valid_stream_as_six_pictures_with_a_keyframe_every_three_each_with_its_headers', () => {
    const aus = parseAll(h264Fixture('valid/testsrc-96x64-gop3'), []);
    expect(aus.map((a) => a.keyframe)).toEqual([true, false, false, true, false, false]);
    expect(types(aus[0]!)).toEqual([9, 7, 8, 6, 5]);
    expect(types(aus[3]!)).toEqual([9, 7, 8, 5]);
    expect(types(aus[1]!)).toEqual([9, 1]);
  });

  it('finds_no_picture_in_bytes_without_a_start_code_or_in_empty_nal_units', () => {
    expect(parseAll(h264Fixture('invalid/no-start-code'), [])).toEqual([]);
    expect(parseAll(h264Fixture('invalid/empty-nal-units'), [])).toEqual([]);
  });

  it('emits_a_keyframe_cut_short_by_a_dying_producer_only_when_flushed_and_nothing_after_it', () => {
    const cut = h264Fixture('invalid/truncated-mid-idr');
    const out: ParsedAccessUnit[] = [];
    const parser = new AnnexBParser((au) => out.push(au));
    parser.push(cut);
    expect(out).toEqual([]);
    parser.flush();
    expect(out.map(types)).toEqual([[9, 7, 8, 6, 5]]);
    expect(out[0]!.data.length).toBeLessThan(cut.length + 8);
  });

  it('gives_an_idr_without_parameter_sets_the_last_ones_seen_after_its_delimiter_and_cannot_when_none_came_before', () => {
    const bare = h264Fixture('invalid/idr-without-parameter-sets');
    expect(parseAll(bare, []).map(types)).toEqual([[9, 5]]);
    const valid = h264Fixture('valid/testsrc-96x64-gop3');
    const after = parseAll(Buffer.concat([valid, bare]), []);
    expect(types(after.at(-1)!)).toEqual([9, 7, 8, 5]);
  });
});
