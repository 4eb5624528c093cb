/** The SDP the fuzzing starts from: every committed offer, trickle fragments, and lines to splice in. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { anyText } from './budget.ts';

const SDP_DIR = join(import.meta.dirname, '../fixtures/stream/sdp');
const read = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.sdp'))
    .map((n) => readFileSync(join(dir, n), 'utf8'));
export const OFFERS = [...read(SDP_DIR), ...read(join(SDP_DIR, 'invalid'))];

/** Lines an attacker or a strange browser would put in an offer. */
export const SDP_LINES = fc.oneof(
  fc.constantFrom(
    'a=group:BUNDLE',
    'a=group:BUNDLE 0 1 2',
    'a=mid:',
    'a=mid:0',
    'a=mid:video',
    'a=sendonly',
    'a=sendrecv',
    'a=inactive',
    'a=recvonly',
    'a=rid:hi send',
    'a=simulcast:send hi;lo',
    'a=ssrc:1 cname:x',
    'a=msid:s t',
    'm=video 9 UDP/TLS/RTP/SAVPF 102',
    'm=video 0 UDP/TLS/RTP/SAVPF 102',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'm=video',
    'a=rtpmap:102 H264/90000',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'a=rtpmap:103 rtx/90000',
    'a=fmtp:103 apt=102',
    'a=candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host',
    'a=candidate:2 1 udp 2122260223 0a1b2c3d-0000-4000-8000-000000000000.local 54321 typ host',
    'a=candidate:',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:',
    'a=fingerprint:sha-256 00',
    'a=setup:active',
    'v=0',
    'c=IN IP4 0.0.0.0',
  ),
  anyText(80),
  anyText(40).map((t) => `a=${t}`),
  anyText(40).map((t) => `m=${t}`),
);

export const FRAGMENTS = [
  'a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host\r\n',
  'a=mid:0\r\na=candidate:2 1 tcp 1518280447 198.51.100.2 9 typ host tcptype active\r\na=end-of-candidates\r\n',
  'a=mid:0\r\na=candidate:3 1 udp 2122260223 0a1b2c3d-0000-4000-8000-000000000000.local 54321 typ host\r\n',
];
