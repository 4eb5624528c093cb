/**
 * Keyframe → small grey thumbnail, in memory only: the access unit goes to ffmpeg on stdin and raw
 * grey pixels come back on stdout. No file, no log line, nothing kept after the check (privacy
 * invariant 2). Also the perceptual hash the installer confirms as the camera's reference view:
 * a 64-bit DCT hash, kept as 16 hex digits, never an image.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import type { AccessUnit } from '../camera/types.ts';
import { NattsynError } from '../errors.ts';
import { systemTime, type Time } from '../platform/time.ts';

export interface Thumbnail {
  width: number;
  height: number;
  /** One byte per pixel, grey. */
  data: Uint8Array;
}

/** sharp (libvips, ~30 MiB resident) is loaded on the first check, not while no camera runs. */
const loadSharp = async () => (await import('sharp')).default;

export type ThumbnailDecoder = (au: Uint8Array) => Promise<Thumbnail>;

export interface DecoderOptions {
  ffmpegPath?: string;
  width?: number;
  height?: number;
  timeoutMs?: number;
  spawn?: typeof nodeSpawn;
  time?: Pick<Time, 'timeout'>;
}

export function ffmpegThumbnailDecoder(options: DecoderOptions = {}): ThumbnailDecoder {
  const { ffmpegPath = 'ffmpeg', width = 160, height = 120, timeoutMs = 5000 } = options;
  const spawn = options.spawn ?? nodeSpawn;
  const time = options.time ?? systemTime;
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', '1'],
    ...['-probesize', '32', '-analyzeduration', '0', '-f', 'h264', '-i', 'pipe:0', '-an'],
    ...['-frames:v', '1', '-vf', `scale=${width}:${height},format=gray`, '-f', 'rawvideo', 'pipe:1'],
  ];
  return (au) =>
    new Promise((resolve, reject) => {
      const child = spawn(ffmpegPath, args, { stdio: ['pipe', 'pipe', 'ignore'] });
      const chunks: Buffer[] = [];
      const timer = time.timeout('thumbnail-kill', timeoutMs, () => child.kill('SIGKILL'));
      child.stdout?.on('data', (c: Buffer) => chunks.push(c));
      child.stdin?.on('error', () => undefined);
      child.once('error', (cause) => {
        timer.cancel();
        reject(new NattsynError('frame_decode_failed', 'ffmpeg could not be started', { cause }));
      });
      child.once('close', () => {
        timer.cancel();
        const data = Buffer.concat(chunks);
        if (data.length < width * height) {
          reject(new NattsynError('frame_decode_failed', 'the keyframe could not be decoded'));
          return;
        }
        resolve({ width, height, data: new Uint8Array(data.subarray(0, width * height)) });
      });
      child.stdin?.end(au);
    });
}

/** Mean and standard deviation of the grey levels, by sharp. */
export async function greyStats(thumb: Thumbnail): Promise<{ mean: number; stdev: number }> {
  const sharp = await loadSharp();
  const stats = await sharp(thumb.data, {
    raw: { width: thumb.width, height: thumb.height, channels: 1 },
  }).stats();
  const channel = stats.channels[0]!;
  return { mean: channel.mean, stdev: channel.stdev };
}

/**
 * What the frozen check keeps between checks instead of a thumbnail (privacy invariant 2): the grey
 * difference inside each of `FINGERPRINT_PAIRS` disjoint pairs of pixels drawn at random over the
 * picture. Sensor noise moves every difference from one check to the next; a hung pipeline repeats
 * them. A difference carries no absolute level and no neighbourhood, and no pixel is in two pairs,
 * so the fingerprint cannot be drawn as a picture of the room. (A 4×4 mean grid or an exact hash
 * could not do the job: measured on our real-H.264 fixtures, noise averages out of a grid (0.05–0.09
 * grey levels between moving-room checks vs 0–0.04 for a still one) and a still picture does not
 * decode bit-identically twice.)
 */
export const FINGERPRINT_PAIRS = 128;

export interface NoiseFingerprint {
  /** Pixel count of the thumbnail it was taken from (another size never matches). */
  pixels: number;
  differences: Int16Array;
}

/** `2 × pairs` distinct pixel indices in [0, pixels), random order: pairs (0,1), (2,3), … */
export function fingerprintPairs(pixels: number, random: () => number = Math.random): Uint32Array {
  const count = Math.min(2 * FINGERPRINT_PAIRS, pixels - (pixels % 2));
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * pixels));
  return Uint32Array.from(picked);
}

export function noiseFingerprint(thumb: Thumbnail, pairs: Uint32Array): NoiseFingerprint {
  const differences = new Int16Array(pairs.length >> 1);
  for (let k = 0; k < differences.length; k++)
    differences[k] = (thumb.data[pairs[2 * k]!] ?? 0) - (thumb.data[pairs[2 * k + 1]!] ?? 0);
  return { pixels: thumb.data.length, differences };
}

/** Mean absolute change of the pair differences between two fingerprints (grey levels). */
export function fingerprintDistance(a: NoiseFingerprint, b: NoiseFingerprint): number {
  if (a.pixels !== b.pixels || a.differences.length !== b.differences.length || a.differences.length === 0)
    return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let k = 0; k < a.differences.length; k++) sum += Math.abs(a.differences[k]! - b.differences[k]!);
  return sum / a.differences.length;
}

const HASH_SIZE = 32;
const COS = Array.from({ length: 8 }, (_, u) =>
  Array.from({ length: HASH_SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_SIZE))),
);

/** pHash: 32×32 grey, 2-D DCT, the 8×8 lowest frequencies against their median → 64 bits. */
export async function thumbnailHash(thumb: Thumbnail): Promise<string> {
  const sharp = await loadSharp();
  const small = await sharp(thumb.data, { raw: { width: thumb.width, height: thumb.height, channels: 1 } })
    .resize(HASH_SIZE, HASH_SIZE, { fit: 'fill' })
    .raw()
    .toBuffer();
  const coefficients: number[] = [];
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let y = 0; y < HASH_SIZE; y++) {
        const cy = COS[u]![y]!;
        for (let x = 0; x < HASH_SIZE; x++) sum += small[y * HASH_SIZE + x]! * cy * COS[v]![x]!;
      }
      coefficients.push(sum);
    }
  }
  const ac = coefficients.slice(1);
  const median = [...ac].sort((a, b) => a - b)[Math.floor(ac.length / 2)]!;
  let bits = 0n;
  for (const c of coefficients) bits = (bits << 1n) | (c > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** Hamming distance between two 64-bit hashes (0 = same view, ~32 = unrelated). */
export function hashDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

let defaultDecoder: ThumbnailDecoder | undefined;

/** The reference-view hash of one keyframe (the installer stores it at registration). */
export async function perceptualHash(
  au: AccessUnit | Uint8Array,
  decode?: ThumbnailDecoder,
): Promise<string> {
  const data = au instanceof Uint8Array ? au : au.data;
  defaultDecoder ??= ffmpegThumbnailDecoder();
  return thumbnailHash(await (decode ?? defaultDecoder)(data));
}

/** Mean grey level (0–255) of one keyframe, in memory: the installer's IR check (`lumaOf`). */
export async function meanLuma(au: AccessUnit | Uint8Array, decode?: ThumbnailDecoder): Promise<number> {
  const data = au instanceof Uint8Array ? au : au.data;
  defaultDecoder ??= ffmpegThumbnailDecoder();
  return (await greyStats(await (decode ?? defaultDecoder)(data))).mean;
}
