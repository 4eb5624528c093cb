/**
 * The synthetic camera's timestamp strip: the capture wall-clock time, drawn into the bottom
 * 32 rows of every picture as 40 blocks of 16×32 pixels (macroblock-aligned, so H.264 at low bit
 * rates keeps them readable): white, black, 32 bits of the epoch milliseconds modulo 2^32 (MSB
 * first), 4 bits of (value mod 15) as a check, white, black. A viewer samples each block's centre,
 * thresholds between the sync blocks, and picks the full time nearest its own clock.
 * The same layout is decoded in the browser by the viewer page and the bench (see STRIP_JS).
 */

export const STRIP_BLOCKS = 40;
export const STRIP_BLOCK_WIDTH = 16;
export const STRIP_HEIGHT = 32;
const LOW = 16;
const HIGH = 235;
const MOD32 = 4294967296;

/** The ffmpeg `geq` luma expression that draws the strip into a 640×32 crop (T = epoch seconds). */
export function stripGeqExpression(): string {
  const b = 'ld(1)';
  const v = 'ld(0)';
  const white = (n: number) => `${HIGH}*eq(${b},${n})+${LOW}*eq(${b},${n + 1})`;
  const bit = (value: string, shift: string) => `${LOW}+${HIGH - LOW}*mod(floor(${value}/pow(2,${shift})),2)`;
  return [
    `st(0,mod(round(T*1000),${MOD32}))`,
    `st(1,floor(X/${STRIP_BLOCK_WIDTH}))`,
    `if(lt(${b},2),${white(0)},if(gte(${b},38),${white(38)},if(lt(${b},34),${bit(v, `33-${b}`)},${bit(`mod(${v},15)`, `37-${b}`)})))`,
  ].join(';');
}

/**
 * Decodes the strip from luma samples (one byte per pixel, `stride` bytes per row) of a decoded
 * picture `width` pixels wide whose strip starts at row `top`. Returns the capture time in epoch
 * ms, the one nearest `nowMs`, or undefined when the strip does not read cleanly.
 */
export function decodeStrip(
  luma: (x: number, y: number) => number,
  width: number,
  top: number,
  nowMs: number,
): number | undefined {
  const scale = width / (STRIP_BLOCKS * STRIP_BLOCK_WIDTH);
  const y = top + (STRIP_HEIGHT * scale) / 2;
  const sample = (block: number) => {
    const cx = (block + 0.5) * STRIP_BLOCK_WIDTH * scale;
    let sum = 0;
    for (let dx = -2; dx <= 2; dx++)
      for (let dy = -2; dy <= 2; dy++) sum += luma(Math.round(cx + dx), Math.round(y + dy));
    return sum / 25;
  };
  const white = (sample(0) + sample(38)) / 2;
  const black = (sample(1) + sample(39)) / 2;
  if (white - black < 60) return undefined;
  const threshold = (white + black) / 2;
  let value = 0;
  for (let i = 2; i < 34; i++) value = value * 2 + (sample(i) > threshold ? 1 : 0);
  let check = 0;
  for (let i = 34; i < 38; i++) check = check * 2 + (sample(i) > threshold ? 1 : 0);
  if (value % 15 !== check) return undefined;
  const base = nowMs - (nowMs % MOD32);
  const candidates = [base - MOD32 + value, base + value, base + MOD32 + value];
  return candidates.reduce((best, c) => (Math.abs(c - nowMs) < Math.abs(best - nowMs) ? c : best));
}

/** The same decoder as a self-contained browser function source, for the viewer page and bench. */
export const STRIP_JS = `function decodeStrip(luma, width, top, nowMs) {${decodeStrip
  .toString()
  .replace(/^[^{]*\{/, '')
  .replace(/STRIP_BLOCKS/g, String(STRIP_BLOCKS))
  .replace(/STRIP_BLOCK_WIDTH/g, String(STRIP_BLOCK_WIDTH))
  .replace(/STRIP_HEIGHT/g, String(STRIP_HEIGHT))
  .replace(/MOD32/g, String(MOD32))}`;
