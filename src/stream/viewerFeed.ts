/**
 * One viewer's RTP: its own random SSRC, sequence numbers and timestamp origin. On `begin()` (DTLS
 * connected: earlier packets would be dropped) it replays the hub's cached GOP with timestamps 1 ms
 * apart, so the decoder shows the newest picture at once instead of pacing the backlog, then
 * follows the live pictures on the camera's own clock.
 * The camera's clock starts again when its source restarts; the viewer's never goes back (issue 9:
 * a 27 s step back that some players do not decode through): a new run, or any picture that would
 * step back, continues from the last timestamp sent by the time that passed in between.
 *
 * The per-packet path allocates nothing of its own: the hub packetized each picture once, and this
 * feed keeps one RTP packet whose header fields and payload it sets before each send. werift
 * (0.25, pendingRtp off, as peer.ts configures it) copies the packet synchronously in
 * `RTCRtpSender.dispatchRtp` before anything else, for its NACK history and SRTP; a packet werift
 * kept would repeat one sequence number, which test/stream/twoPeer.test.ts would catch.
 */
import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket } from 'werift';
import type { FrameSink, HubFrame, StreamHub } from './hub.ts';

const FAST_FORWARD_TICKS = 90;

export type RtpSend = (packet: RtpPacket) => void;

export class ViewerFeed implements FrameSink {
  readonly ssrc = randomInt(1, 2 ** 32 - 1);
  readonly #hub: StreamHub;
  readonly #send: RtpSend;
  readonly #payloadType: number;
  #sequence = randomInt(0, 0x10000);
  readonly #header: RtpHeader;
  readonly #packet: RtpPacket;
  /** viewer timestamp = camera pts + offset (mod 2^32). */
  #offset = 0;
  /** The last timestamp sent (before the modulo), and the run and arrival of its picture. */
  #lastTs = 0;
  #last: Pick<HubFrame, 'run' | 'arrivedMono'> | undefined;
  #live = false;
  #detach: (() => void) | undefined;
  packetsSent = 0;
  bytesSent = 0;

  constructor(hub: StreamHub, send: RtpSend, payloadType: number) {
    this.#hub = hub;
    this.#send = send;
    this.#payloadType = payloadType;
    this.#header = new RtpHeader({ payloadType, ssrc: this.ssrc });
    this.#packet = new RtpPacket(this.#header, Buffer.alloc(0));
  }

  /** Starts sending: the cached GOP first, then every new picture. Idempotent. */
  begin(): void {
    if (this.#live) return;
    this.#live = true;
    const gop = this.#hub.currentGop();
    const base = randomInt(0, 2 ** 31);
    const last = gop.at(-1);
    this.#offset = last ? base - last.pts90k : base;
    this.#lastTs = base - FAST_FORWARD_TICKS;
    gop.forEach((frame, i) => {
      this.#sendFrame(frame, base - (gop.length - 1 - i) * FAST_FORWARD_TICKS);
    });
    this.#detach = this.#hub.attach(this);
  }

  onFrame(frame: HubFrame): void {
    if (!this.#live) return;
    let timestamp = frame.pts90k + this.#offset;
    const last = this.#last;
    if (last && (frame.run !== last.run || timestamp <= this.#lastTs)) {
      const elapsed = Math.round((frame.arrivedMono - last.arrivedMono) * 90);
      this.#offset = this.#lastTs + Math.max(FAST_FORWARD_TICKS, elapsed) - frame.pts90k;
      timestamp = frame.pts90k + this.#offset;
    }
    this.#sendFrame(frame, timestamp);
  }

  end(): void {
    this.#live = false;
    this.#detach?.();
    this.#detach = undefined;
  }

  #sendFrame(frame: HubFrame, timestamp: number): void {
    this.#lastTs = timestamp;
    this.#last = { run: frame.run, arrivedMono: frame.arrivedMono };
    const header = this.#header;
    header.timestamp = ((timestamp % 2 ** 32) + 2 ** 32) % 2 ** 32;
    header.payloadType = this.#payloadType;
    header.ssrc = this.ssrc;
    for (const { payload, marker } of frame.payloads) {
      header.sequenceNumber = this.#sequence;
      header.marker = marker;
      this.#packet.payload = payload;
      this.#sequence = (this.#sequence + 1) & 0xffff;
      this.packetsSent += 1;
      this.bytesSent += payload.length;
      this.#send(this.#packet);
    }
  }
}
