/**
 * RTP payloads for one H.264 access unit (RFC 6184, packetization-mode 1): single NAL unit packets
 * where a NAL fits, FU-A fragments where it does not; no STAP-A. Payloads never exceed
 * `maxPayload` (1200 bytes leaves room for SRTP and IP headers under a 1280-byte path MTU).
 * Access unit delimiters are dropped: they carry nothing a receiver needs.
 */
import { splitNalUnits } from '../camera/index.ts';

export const MAX_RTP_PAYLOAD = 1200;
const FU_A = 28;
const NAL_AUD = 9;

export interface RtpPayload {
  payload: Buffer;
  /** Last packet of the picture (RTP marker bit). */
  marker: boolean;
}

export function packetizeAccessUnit(data: Uint8Array, maxPayload = MAX_RTP_PAYLOAD): RtpPayload[] {
  const out: RtpPayload[] = [];
  for (const nal of splitNalUnits(data)) {
    if (((nal[0] ?? 0) & 0x1f) === NAL_AUD) continue;
    if (nal.length <= maxPayload) {
      out.push({ payload: Buffer.from(nal), marker: false });
      continue;
    }
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const type = nal[0]! & 0x1f;
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
