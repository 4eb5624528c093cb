import { beforeAll, describe, expect, it } from 'vitest';
import {
  AnnexBParser,
  MAX_RTP_PAYLOAD,
  type ParsedAccessUnit,
  packetizeNalUnits,
  splitNalUnits,
} from '../../src/h264/index.ts';
import { h264Fixture, makeH264 } from '../fixtures/h264.ts';

/** RFC 6184 depacketizer for the test: single NAL units and FU-A. */
function depacketize(payloads: Buffer[]): Buffer[] {
  const nals: Buffer[] = [];
  let fu: Buffer[] = [];
  for (const p of payloads) {
    const type = p[0]! & 0x1f;
    if (type !== 28) {
      nals.push(p);
      continue;
    }
    if (p[1]! & 0x80) fu = [Buffer.from([(p[0]! & 0xe0) | (p[1]! & 0x1f)])];
    fu.push(p.subarray(2));
    if (p[1]! & 0x40) nals.push(Buffer.concat(fu));
  }
  return nals;
}

describe('packetizeNalUnits', () => {
  let aus: ParsedAccessUnit[];
  beforeAll(async () => {
    aus = [];
    const parser = new AnnexBParser((au) => aus.push(au));
    parser.push(await makeH264(1, 15));
    parser.flush();
  });

  it('keeps every payload within 1200 bytes and marks only the last packet of a picture', () => {
    for (const au of aus) {
      const packets = packetizeNalUnits(au.nals);
      expect(packets.every((p) => p.payload.length <= MAX_RTP_PAYLOAD)).toBe(true);
      expect(packets.map((p) => p.marker)).toEqual(packets.map((_, i) => i === packets.length - 1));
    }
  });

  it('fragments a keyframe with FU-A and reassembles to the same NAL units, without the AUD', () => {
    const key = aus[0]!;
    const packets = packetizeNalUnits(key.nals);
    expect(packets.some((p) => (p.payload[0]! & 0x1f) === 28)).toBe(true);
    const expected = splitNalUnits(key.data).filter((n) => (n[0]! & 0x1f) !== 9);
    expect(depacketize(packets.map((p) => p.payload)).map((b) => b.toString('hex'))).toEqual(
      expected.map((n) => Buffer.from(n).toString('hex')),
    );
  });

  it('honours a smaller payload limit', () => {
    const packets = packetizeNalUnits(aus[0]!.nals, 300);
    expect(Math.max(...packets.map((p) => p.payload.length))).toBeLessThanOrEqual(300);
  });

  it('fragments_the_committed_keyframe_and_reassembles_it_byte_for_byte', () => {
    const parsed: ParsedAccessUnit[] = [];
    const parser = new AnnexBParser((au) => parsed.push(au));
    parser.push(h264Fixture('valid/testsrc-96x64-gop3'));
    parser.flush();
    const key = parsed[0]!;
    const payloads = packetizeNalUnits(key.nals).map((p) => p.payload);
    expect(payloads.filter((p) => (p[0]! & 0x1f) === 28).length).toBeGreaterThan(1);
    expect(depacketize(payloads).map((b) => b.toString('hex'))).toEqual(
      key.nals.filter((n) => (n[0]! & 0x1f) !== 9).map((n) => Buffer.from(n).toString('hex')),
    );
  });
});
