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
import { NAL_AUD, NAL_FU_A, nalType } from './nal.ts';

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
