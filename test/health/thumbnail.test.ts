/** The frame checks' arithmetic on grey thumbnails: statistics and the area-average downscale. */
import { describe, expect, it } from 'vitest';
import { downscale, greyStats, type Thumbnail } from '../../src/health/thumbnail.ts';

const picture = (width: number, height: number, pixel: (x: number, y: number) => number): Thumbnail => ({
  width,
  height,
  data: Uint8Array.from({ length: width * height }, (_, i) => pixel(i % width, Math.floor(i / width))),
});

describe('grey statistics', () => {
  it('gives the mean and the sample standard deviation', () => {
    const stats = greyStats({ width: 4, height: 1, data: Uint8Array.from([0, 0, 255, 255]) });
    expect(stats.mean).toBe(127.5);
    expect(stats.stdev).toBeCloseTo(Math.sqrt((4 * 127.5 ** 2) / 3), 9);
  });

  it('gives zero spread for a flat picture', () => {
    expect(greyStats(picture(160, 120, () => 37))).toEqual({ mean: 37, stdev: 0 });
  });
});

describe('area-average downscale', () => {
  it('keeps a flat picture flat at any ratio, including 120 rows into 32', () => {
    expect([
      ...new Set(
        downscale(
          picture(160, 120, () => 201),
          32,
          32,
        ),
      ),
    ]).toEqual([201]);
  });

  it('averages exactly the area each output pixel covers', () => {
    // 4x3 -> 2x2: columns pair up; each output row covers 1.5 source rows.
    const src = picture(4, 3, (x, y) => [0, 60, 120][y]! + (x < 2 ? 0 : 100));
    expect([...downscale(src, 2, 2)]).toEqual([20, 120, 100, 200]);
  });

  it('keeps the mean of the picture', () => {
    const src = picture(160, 120, (x, y) => (x * 7 + y * 13) % 256);
    const small = downscale(src, 32, 32);
    const mean = (d: Uint8Array) => d.reduce((a, b) => a + b, 0) / d.length;
    expect(Math.abs(mean(small) - mean(src.data))).toBeLessThan(0.5);
  });
});
