/**
 * H.264 NAL units in an Annex B byte stream (ITU-T H.264 Annex B, §7.4.1): the unit types nattsyn
 * acts on, and splitting and joining on start codes. Pure: no I/O, nothing of ours imported.
 */

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SEI = 6;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
export const NAL_AUD = 9;
/** Fragmentation unit A, the RTP payload type of a NAL split over packets (RFC 6184 §5.8). */
export const NAL_FU_A = 28;

export const START_CODE = Uint8Array.of(0, 0, 0, 1);

export const nalType = (nal: Uint8Array): number => (nal[0] ?? 0) & 0x1f;

/** A coded slice (types 1-5): the picture itself, as opposed to parameter sets and side data. */
export const isVcl = (type: number): boolean => type >= 1 && type <= 5;

/** Finds the NAL units of a complete Annex B buffer (start codes and trailing zeros removed). */
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

/** The zero bytes before a start code belong to it (or are trailing_zero_8bits), not to the NAL. */
export function trimZeros(nal: Uint8Array): Uint8Array {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end -= 1;
  return nal.subarray(0, end);
}

/**
 * Joins NAL units into Annex B bytes (4-byte start codes), and returns the units again as views
 * into those bytes, so one copy serves both readers.
 */
export function joinNalUnits(units: readonly Uint8Array[]): { data: Uint8Array; nals: Uint8Array[] } {
  const data = new Uint8Array(units.reduce((n, u) => n + START_CODE.length + u.length, 0));
  const nals: Uint8Array[] = [];
  let offset = 0;
  for (const unit of units) {
    data.set(START_CODE, offset);
    offset += START_CODE.length;
    data.set(unit, offset);
    nals.push(data.subarray(offset, offset + unit.length));
    offset += unit.length;
  }
  return { data, nals };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
