/**
 * Splits an H.264 Annex B byte stream (rpicam-vid, ffmpeg `-f h264`) into access units.
 * An access unit ends where the next one begins (AUD, SPS, PPS, SEI, or a slice with
 * first_mb_in_slice = 0 after a picture: H.264 §7.4.1.2.3), or on `flush()` when the producer went
 * quiet after a whole picture: that saves a frame interval of latency. IDR units lacking SPS/PPS get
 * the last ones seen in front, so every keyframe can start a decoder.
 */

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SEI = 6;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
export const NAL_AUD = 9;

const START_CODE = Uint8Array.of(0, 0, 0, 1);

export interface ParsedAccessUnit {
  /** Annex B bytes: every NAL with a 4-byte start code. */
  data: Uint8Array;
  keyframe: boolean;
}

export const nalType = (nal: Uint8Array): number => (nal[0] ?? 0) & 0x1f;
const isVcl = (type: number): boolean => type >= 1 && type <= 5;

/** Finds NAL units in a complete Annex B buffer (start codes removed). */
export function splitNalUnits(data: Uint8Array): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) nals.push(trimZeros(data.subarray(start, i)));
      i += 3;
      start = i;
    } else i += 1;
  }
  if (start >= 0 && start < data.length) nals.push(data.subarray(start));
  return nals.filter((n) => n.length > 0);
}

function trimZeros(nal: Uint8Array): Uint8Array {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end -= 1;
  return nal.subarray(0, end);
}

export class AnnexBParser {
  readonly #onAccessUnit: (au: ParsedAccessUnit) => void;
  #pending: Uint8Array = new Uint8Array(0);
  #nals: Uint8Array[] = [];
  #hasVcl = false;
  #sps: Uint8Array | undefined;
  #pps: Uint8Array | undefined;

  constructor(onAccessUnit: (au: ParsedAccessUnit) => void) {
    this.#onAccessUnit = onAccessUnit;
  }

  push(chunk: Uint8Array): void {
    const buf = concat([this.#pending, chunk]);
    let nalStart = -1;
    let i = 0;
    while (i + 2 < buf.length) {
      if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
        if (nalStart >= 0) this.#addNal(trimZeros(buf.subarray(nalStart, i)));
        i += 3;
        nalStart = i;
      } else i += 1;
    }
    // Keep the unfinished NAL, with its start code, for the next chunk.
    this.#pending = nalStart >= 0 ? buf.slice(nalStart - 3) : buf;
  }

  /** The producer paused: the bytes held are a whole NAL. Emits the picture if one is complete. */
  flush(): void {
    const nals = splitNalUnits(this.#pending);
    this.#pending = new Uint8Array(0);
    for (const nal of nals) this.#addNal(nal);
    if (this.#hasVcl) this.#emit();
  }

  #addNal(nal: Uint8Array): void {
    if (nal.length === 0) return;
    const type = nalType(nal);
    const firstSliceOfPicture = isVcl(type) && ((nal[1] ?? 0) & 0x80) !== 0;
    const startsNew = type === NAL_AUD || type === NAL_SPS || type === NAL_PPS || type === NAL_SEI;
    if (this.#hasVcl && (startsNew || firstSliceOfPicture)) this.#emit();
    if (type === NAL_SPS) this.#sps = nal.slice();
    if (type === NAL_PPS) this.#pps = nal.slice();
    this.#nals.push(nal.slice());
    if (isVcl(type)) this.#hasVcl = true;
  }

  #emit(): void {
    let nals = this.#nals;
    const keyframe = nals.some((n) => nalType(n) === NAL_IDR);
    if (keyframe && this.#sps && this.#pps && !nals.some((n) => nalType(n) === NAL_SPS)) {
      nals = [this.#sps, this.#pps, ...nals];
    }
    this.#nals = [];
    this.#hasVcl = false;
    const parts: Uint8Array[] = [];
    for (const nal of nals) parts.push(START_CODE, nal);
    this.#onAccessUnit({ data: concat(parts), keyframe });
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
