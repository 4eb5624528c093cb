/**
 * The device's side of one WHEP session in werift: a send-only H.264 transceiver (NACK, PLI, RTX),
 * no audio codec, no data channel, no default STUN server, every candidate gathered before the
 * answer goes out. Only the guarded offer (sdpGuard.ts) ever reaches setRemoteDescription.
 */
import {
  MediaStream,
  MediaStreamTrack,
  type RTCIceServer,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  useNACK,
  usePLI,
} from 'werift';
import { systemTime, type Timers } from '../platform/time.ts';
import type { IceServerConfig, StreamConfig } from './config.ts';
import type { GuardedOffer } from './sdpGuard.ts';

/** werift keeps an offered H.264 format only if its profile-level-id equals the configured one. */
const h264Fmtp = (profileLevelId: string) =>
  `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId}`;

export interface DevicePeer {
  pc: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  /** werift's answer to the guarded offer (answer.ts completes it). */
  answer: string;
}

/**
 * `servers`: this session's own ICE servers (e.g. TURN credentials minted for it), else the
 * configured; `profileLevelId`: the offered format the guard kept.
 */
export function peerConfig(
  config: StreamConfig,
  servers: readonly IceServerConfig[] = config.iceServers,
  profileLevelId = '42e01f',
) {
  const iceServers: RTCIceServer[] = servers.map((s) => ({ ...s }));
  return {
    iceServers,
    iceUseTcp: config.ice.useTcp,
    iceUseIpv6: config.ice.useIpv6,
    ...(config.ice.portRange ? { icePortRange: config.ice.portRange } : {}),
    ...hostOnly(config.ice.hostAddresses),
    codecs: {
      audio: [],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI()],
          parameters: h264Fmtp(profileLevelId),
        }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000 }),
      ],
    },
    headerExtensions: { audio: [], video: [] },
  };
}

/** werift skips loopback when it lists interfaces: naming the addresses replaces the list. */
function hostOnly(addresses: readonly string[] | undefined) {
  if (!addresses) return {};
  const udp4 = addresses.find((a) => a.includes('.'));
  return {
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [...addresses],
    ...(udp4 ? { iceInterfaceAddresses: { udp4 } } : {}),
  };
}

export async function answerOffer(
  offer: GuardedOffer,
  config: StreamConfig,
  time: Pick<Timers, 'timeout'> = systemTime,
  iceServers: readonly IceServerConfig[] = config.iceServers,
  gatherTimeoutMs = 5000,
): Promise<DevicePeer> {
  const pc = new RTCPeerConnection(peerConfig(config, iceServers, offer.offeredProfileLevelId));
  try {
    const track = new MediaStreamTrack({ kind: 'video' });
    const transceiver = pc.addTransceiver(track, {
      direction: 'sendonly',
      streams: [new MediaStream([track])],
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    if (!hasStunServer(iceServers)) withoutDefaultStun(pc);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc, time, gatherTimeoutMs);
    const answer = pc.localDescription?.sdp;
    if (!answer) throw new Error('no local description');
    return { pc, transceiver, answer };
  } catch (error) {
    await pc.close();
    throw error;
  }
}

const hasStunServer = (servers: readonly IceServerConfig[]) =>
  servers.some((s) => [s.urls].flat().some((u) => /^stuns?:/i.test(u)));

/**
 * werift's ICE agent falls back to stun.l.google.com:19302 whenever no `stun:` URL is configured,
 * even for `iceServers: []` (werift issue #691): every look would resolve that name and tell Google
 * that someone watches the bedroom. Its transports exist once the offer is set and gather only in
 * setLocalDescription, so clearing the fallback in between makes "no STUN server" mean none.
 */
function withoutDefaultStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) transport.connection.stunServer = undefined;
}

function gathered(pc: RTCPeerConnection, time: Pick<Timers, 'timeout'>, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = time.timeout('ice-gathering', timeoutMs, done);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') done();
    });
    function done() {
      timer.cancel();
      unSubscribe();
      resolve();
    }
  });
}
