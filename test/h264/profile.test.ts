import { describe, expect, it } from 'vitest';
import {
  bestDecoder,
  canDecode,
  declaredProfile,
  findSps,
  parseProfileLevelId,
  profileClass,
  profileLevelId,
  spsProfile,
} from '../../src/h264/index.ts';
import { accessUnitsOf, h264Fixture, makeH264At } from '../fixtures/h264.ts';

const profileOf = (hex: string) => parseProfileLevelId(hex)!;

describe('H.264 profiles from the SPS', () => {
  it('reads_profile_constraints_and_level_from_streams_ffmpeg_made_at_four_profiles', async () => {
    const cases = [
      ['baseline', '3.1', '42c01f', 'constrained-baseline'],
      ['baseline', '4.1', '42c029', 'constrained-baseline'],
      ['main', '4.0', '4d4028', 'main'],
      ['high', '4.1', '640029', 'high'],
    ] as const;
    for (const [profile, level, hex, cls] of cases) {
      const [first] = accessUnitsOf(await makeH264At(profile, level));
      const sps = spsProfile(findSps(first!.nals)!)!;
      expect([profile, level, profileLevelId(sps), profileClass(sps)]).toEqual([profile, level, hex, cls]);
    }
  });

  it('refuses_a_nal_that_is_not_an_sps_or_names_no_known_profile', () => {
    const [first] = accessUnitsOf(h264Fixture('valid/testsrc-96x64-gop3'));
    const idr = first!.nals.find((n) => (n[0]! & 0x1f) === 5)!;
    expect(spsProfile(idr)).toBeUndefined();
    expect(spsProfile(Uint8Array.of(0x67, 0x2c, 0, 0x1f))).toBeUndefined();
    expect(spsProfile(Uint8Array.of(0x67, 0x42))).toBeUndefined();
    expect(parseProfileLevelId('42e01')).toBeUndefined();
  });

  it('names_the_profiles_of_rfc_6184_table_5', () => {
    const table = [
      '42e01f',
      '42c01f',
      '4d401f',
      '42001f',
      '4d001f',
      '640c1f',
      '64001f',
      'f4001f',
      '58c01f',
      '58001f',
    ];
    expect(table.map((hex) => profileClass(profileOf(hex)))).toEqual([
      'constrained-baseline',
      'constrained-baseline',
      'main',
      'baseline',
      'main',
      'constrained-high',
      'high',
      'high-444',
      'constrained-baseline',
      'extended',
    ]);
  });

  it('lets_a_stream_go_only_to_a_decoder_whose_profile_contains_it', () => {
    expect(canDecode('main', 'constrained-baseline')).toBe(true);
    expect(canDecode('main', 'baseline')).toBe(false);
    expect(canDecode('constrained-baseline', 'main')).toBe(false);
    expect(canDecode('constrained-high', 'main')).toBe(false);
    expect(canDecode('high-444', 'high')).toBe(true);
    expect(canDecode('high', 'high-444')).toBe(false);
  });

  it('prefers_the_same_profile_then_the_least_capable_decoder_that_plays_the_stream', () => {
    const offered = ['f4001f', '64001f', '4d001f', '42001f', '42e01f'].map((hex) => ({
      hex,
      profile: profileOf(hex),
    }));
    expect(bestDecoder(offered, profileOf('42c029'))?.hex).toBe('42e01f');
    expect(bestDecoder(offered, profileOf('4d4028'))?.hex).toBe('4d001f');
    expect(bestDecoder(offered, profileOf('640029'))?.hex).toBe('64001f');
    expect(bestDecoder(offered.slice(3), profileOf('640029'))).toBeUndefined();
    expect(bestDecoder(offered.slice(0, 3), profileOf('42c01f'))?.hex).toBe('4d001f');
  });

  it('declares_the_sps_own_bytes_when_the_profiles_agree_and_the_decoder_profile_at_the_stream_level_otherwise', () => {
    expect(profileLevelId(declaredProfile(profileOf('42c029'), profileOf('42e01f')))).toBe('42c029');
    expect(profileLevelId(declaredProfile(profileOf('640029'), profileOf('f4001f')))).toBe('f40029');
  });
});
