/**
 * H.264 NAL units (ITU-T H.264 §7.4.1): the unit types nattsyn acts on, splitting and joining them
 * on Annex B start codes, and packing them into RTP payloads (RFC 6184). Pure: no I/O, nothing of
 * ours imported.
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

/**
 * RTP payloads for one H.264 access unit (RFC 6184, packetization-mode 1): single NAL unit packets
 * where a NAL fits, FU-A fragments where it does not; no STAP-A. Payloads never exceed
 * `maxPayload` (1200 bytes leaves room for SRTP and IP headers under a 1280-byte path MTU).
 * Access unit delimiters are dropped: they carry nothing a receiver needs.
 *
 * werift has an `H264Packetizer`, but ours stays: werift's builds whole RTP packets with its own
 * sequence numbers and SSRC for one receiver and re-splits Annex B bytes, while the hub packetizes
 * each picture once into payloads every viewer shares, each viewer building its own packets
 * (werift's sendRtp mutates the packet it is given, so packets are never shared). And this folder
 * stays free of werift, which only src/stream may import.
 */

export const MAX_RTP_PAYLOAD = 1200;

export interface RtpPayload {
  payload: Buffer;
  /** Last packet of the picture (RTP marker bit). */
  marker: boolean;
}

/** `nals`: the access unit's NAL units without start codes, in decoding order. */
export function packetizeNalUnits(nals: readonly Uint8Array[], maxPayload = MAX_RTP_PAYLOAD): RtpPayload[] {
  const out: RtpPayload[] = [];
  for (const nal of nals) {
    if (nal.length === 0 || nalType(nal) === NAL_AUD) continue;
    if (nal.length <= maxPayload) {
      out.push({ payload: Buffer.from(nal.buffer, nal.byteOffset, nal.length), marker: false });
      continue;
    }
    const indicator = (nal[0]! & 0xe0) | NAL_FU_A;
    const type = nalType(nal);
    const chunk = maxPayload - 2;
    for (let offset = 1; offset < nal.length; offset += chunk) {
      const end = Math.min(nal.length, offset + chunk);
      const header = (offset === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
      const payload = Buffer.allocUnsafe(2 + end - offset);
      payload[0] = indicator;
      payload[1] = header;
      payload.set(nal.subarray(offset, end), 2);
      out.push({ payload, marker: false });
    }
  }
  const last = out.at(-1);
  if (last) last.marker = true;
  return out;
}
