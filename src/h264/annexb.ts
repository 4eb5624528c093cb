/**
 * Splits an H.264 Annex B byte stream (rpicam-vid, ffmpeg `-f h264`) into access units.
 * An access unit ends where the next one begins (AUD, SPS, PPS, SEI, or a slice with
 * first_mb_in_slice = 0 after a picture: H.264 §7.4.1.2.3), or on `flush()` when the producer went
 * quiet after a whole picture: that saves a frame interval of latency. IDR units lacking SPS/PPS get
 * the last ones seen in front, so every keyframe can start a decoder. Each access unit carries its
 * NAL units as well as its bytes, so the RTP packetizer never splits again what was just joined.
 */
import {
  concat,
  isVcl,
  joinNalUnits,
  NAL_AUD,
  NAL_IDR,
  NAL_PPS,
  NAL_SEI,
  NAL_SPS,
  nalType,
  splitNalUnits,
  trimZeros,
} from './nal.ts';

export interface ParsedAccessUnit {
  /** Annex B bytes: every NAL with a 4-byte start code. */
  data: Uint8Array;
  /** The same NAL units without start codes, in decoding order (views into `data`). */
  nals: readonly Uint8Array[];
  keyframe: boolean;
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
    this.#nals.push(nal);
    if (isVcl(type)) this.#hasVcl = true;
  }

  #emit(): void {
    let units = this.#nals;
    const keyframe = units.some((n) => nalType(n) === NAL_IDR);
    if (keyframe && this.#sps && this.#pps && !units.some((n) => nalType(n) === NAL_SPS)) {
      // An access unit delimiter stays first in its access unit (H.264 §7.4.1.2.3).
      const at = units[0] !== undefined && nalType(units[0]) === NAL_AUD ? 1 : 0;
      units = [...units.slice(0, at), this.#sps, this.#pps, ...units.slice(at)];
    }
    this.#nals = [];
    this.#hasVcl = false;
    const { data, nals } = joinNalUnits(units);
    this.#onAccessUnit({ data, nals, keyframe });
  }
}
