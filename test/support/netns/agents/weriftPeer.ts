/**
 * A werift peer run by the lab inside a namespace: a sender (a video track fed with dummy RTP) or
 * a receiver, offering or answering, with the ICE servers the test gives (TURN over UDP, TCP or
 * TLS with the lab CA), or a WHEP viewer that POSTs its offer to a device. It reports the selected
 * candidate pair and the RTP it received, so a test can tell how the two sides met.
 */
import {
  MediaStream,
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useNACK,
  usePLI,
} from 'werift';
import { serveAgent } from '../agent.ts';

interface PeerArgs {
  role: 'send' | 'recv';
  iceServers?: IceServerInput[];
  /** PEM of the CA that signed the TURN server's TLS certificate. */
  caPem?: string;
  /** Only relay candidates (the browser's iceTransportPolicy "relay"). */
  relayOnly?: boolean;
}

type IceServerInput = { urls: string; username?: string; credential?: string };

let pc: RTCPeerConnection | undefined;
let feeder: NodeJS.Timeout | undefined;
let received = 0;

function open(args: PeerArgs): RTCPeerConnection {
  const iceServers = args.iceServers ?? [];
  const peer = new RTCPeerConnection({
    iceServers,
    iceTransportPolicy: args.relayOnly ? 'relay' : 'all',
    iceUseIpv6: false,
    ...(args.caPem ? { turnTlsOptions: { ca: args.caPem } } : {}),
    codecs: {
      audio: [],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI()],
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        }),
      ],
    },
  });
  const track = new MediaStreamTrack({ kind: 'video' });
  if (args.role === 'send') {
    peer.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
    let seq = 0;
    feeder = setInterval(() => {
      if (peer.connectionState !== 'connected') return;
      const header = new RtpHeader({
        payloadType: 96,
        sequenceNumber: seq++ & 0xffff,
        timestamp: seq * 3000,
      });
      track.writeRtp(new RtpPacket(header, Buffer.alloc(200, 1)));
    }, 20);
  } else {
    const t = peer.addTransceiver('video', { direction: 'recvonly' });
    t.onTrack.subscribe((remote) => {
      remote.onReceiveRtp.subscribe(() => {
        received += 1;
      });
    });
  }
  pc = peer;
  return peer;
}

/** werift falls back to a public STUN server when none is named; a lab peer never leaves the lab. */
function withoutDefaultStun(peer: RTCPeerConnection, args: PeerArgs) {
  if ((args.iceServers ?? []).some((s) => s.urls.startsWith('stun'))) return;
  for (const t of peer.iceTransports) t.connection.stunServer = undefined;
}

async function gathered(peer: RTCPeerConnection): Promise<string> {
  if (peer.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const { unSubscribe } = peer.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }
  return peer.localDescription!.sdp;
}

const current = () => {
  if (!pc) throw new Error('no peer: call offer, answer or whep first');
  return pc;
};

/** An mDNS host candidate, as every default browser offer carries one. */
export function withMdnsCandidate(sdp: string): string {
  const line = 'a=candidate:9 1 udp 2122260223 3f1c0d4e-7b2a-4c1d-9e8f-0a1b2c3d4e5f.local 54321 typ host';
  return sdp.replace(/(a=candidate:[^\r\n]*\r\n)/, `${line}\r\n$1`);
}

async function offer(args: PeerArgs) {
  const peer = open(args);
  const description = await peer.createOffer();
  withoutDefaultStun(peer, args);
  await peer.setLocalDescription(description);
  return gathered(peer);
}

serveAgent(
  {
    offer: (args: PeerArgs) => offer(args),
    answer: async (args: PeerArgs & { offer: string }) => {
      const peer = open(args);
      await peer.setRemoteDescription({ type: 'offer', sdp: args.offer });
      withoutDefaultStun(peer, args);
      await peer.setLocalDescription(await peer.createAnswer());
      return gathered(peer);
    },
    accept: async ({ answer }: { answer: string }) => {
      await current().setRemoteDescription({ type: 'answer', sdp: answer });
    },
    /** A WHEP look: offer (with an mDNS candidate if asked), POST, answer. */
    whep: async (args: PeerArgs & { url: string; token: string; mdnsCandidate?: boolean }) => {
      const sdp = await offer(args);
      const started = performance.now();
      const res = await fetch(args.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${args.token}` },
        body: args.mdnsCandidate ? withMdnsCandidate(sdp) : sdp,
      });
      const answer = await res.text();
      const postMs = performance.now() - started;
      if (res.status === 201) await current().setRemoteDescription({ type: 'answer', sdp: answer });
      return { status: res.status, answer, location: res.headers.get('location'), postMs };
    },
    connected: async ({ timeoutMs = 15_000 }: { timeoutMs?: number }) => {
      const peer = current();
      if (peer.connectionState !== 'connected') {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`not connected: ${peer.connectionState}`)),
            timeoutMs,
          );
          const { unSubscribe } = peer.connectionStateChange.subscribe((s) => {
            if (s === 'connected') {
              clearTimeout(timer);
              unSubscribe();
              resolve();
            }
          });
        });
      }
      const pair = peer.iceTransports[0]?.getSelectedCandidatePair();
      const kind = (c: string | undefined) => / typ (\w+)/.exec(c ?? '')?.[1];
      return { local: kind(pair?.local.candidate), remote: kind(pair?.remote.candidate) };
    },
    /** Waits until at least `packets` RTP packets arrived; returns how many did. */
    received: async ({ packets = 1, timeoutMs = 10_000 }: { packets?: number; timeoutMs?: number }) => {
      const deadline = Date.now() + timeoutMs;
      while (received < packets && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return received;
    },
    close: async () => {
      clearInterval(feeder);
      await pc?.close();
      pc = undefined;
      received = 0;
    },
  },
  async () => {
    clearInterval(feeder);
    await pc?.close();
  },
);
