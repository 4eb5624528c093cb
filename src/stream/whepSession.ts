/**
 * One live WHEP session: the werift peer, the viewer's RTP feed and the access ticket. Starts
 * feeding on `connected`; reports ICE failure (or no connection in time) to access control, which
 * ends and audits it; `close()` is what every end leads to. A backstop timer closes the peer 1 s
 * after the grant's end should access control itself be late (docs/architecture.md, promise 3).
 * Every timer and clock reading goes through the injected `Time`, so the cuts are unit-tested.
 */
import { randomBytes } from 'node:crypto';
import type { SessionEndCode, SessionTicket } from '../access/types.ts';
import type { Logger } from '../camera/index.ts';
import type { EpochMillis, Time, Timer } from '../platform/time.ts';
import type { StreamHub } from './hub.ts';
import type { DevicePeer } from './peer.ts';
import { MDNS_CANDIDATE } from './sdpGuard.ts';
import { ViewerFeed } from './viewerFeed.ts';

/** How long after the grant's end the session closes itself if access control has not cut it. */
const BACKSTOP_MS = 1000;
/** A send that fails is a packet lost; RTCP and NACK deal with it. One function, not one per packet. */
const ignore = () => undefined;
/** How often a connected session looks for receiver reports. */
const SILENCE_CHECK_MS = 1000;

export interface SessionHooks {
  /** Asks access control to end the session (it audits, then calls back `close`). */
  end(sessionId: string, code: SessionEndCode): void;
  logger: Logger;
  /** Wall time for the grant's end, monotonic time for silence, and the session's timers. */
  time: Time;
  connectTimeoutMs: number;
  /** A connected viewer that sends no RTCP for this long is gone (tab closed): ended as ice_failed. */
  viewerSilenceMs: number;
}

export class WhepSession {
  readonly id: string;
  readonly ticket: SessionTicket;
  readonly etag = `"${randomBytes(12).toString('base64url')}"`;
  readonly feed: ViewerFeed;
  readonly #peer: DevicePeer;
  readonly #hooks: SessionHooks;
  readonly #timers: Timer[] = [];
  #closed = false;
  #lastRtcp = 0;
  #silenceTimer: Timer | undefined;
  /** SRTP packets a viewer pushed at the transport anyway (nothing routes them anywhere). */
  rtpArrived = 0;
  /** Remote tracks and media packets accepted from the viewer: both must stay 0 (one-way video). */
  remoteTracks = 0;
  mediaReceived = 0;
  connectedAt: EpochMillis | undefined;
  /** Remote candidates werift was given, from the offer and every trickle (capped by the service). */
  candidates = 0;

  constructor(
    ticket: SessionTicket,
    peer: DevicePeer,
    hub: StreamHub,
    payloadType: number,
    hooks: SessionHooks,
  ) {
    this.id = ticket.sessionId;
    this.ticket = ticket;
    this.#peer = peer;
    this.#hooks = hooks;
    const sender = peer.transceiver.sender;
    this.feed = new ViewerFeed(hub, (packet) => void sender.sendRtp(packet).catch(ignore), payloadType);
    sender.onPictureLossIndication.subscribe(() => hub.requestKeyframe());
  }

  get pc(): DevicePeer['pc'] {
    return this.#peer.pc;
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(): void {
    const { pc } = this.#peer;
    for (const dtls of pc.dtlsTransports) {
      dtls.onRtp.subscribe(() => (this.rtpArrived += 1));
      dtls.onRtcp.subscribe(() => (this.#lastRtcp = this.#hooks.time.monotonic()));
    }
    pc.onTrack.subscribe((track) => {
      this.remoteTracks += 1;
      track.onReceiveRtp.subscribe(() => (this.mediaReceived += 1));
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.#connected();
      if (state === 'failed') this.#hooks.end(this.id, 'ice_failed');
    });
    const { time } = this.#hooks;
    this.#timers.push(
      time.timeout('whep-connect', this.#hooks.connectTimeoutMs, () => {
        if (this.connectedAt === undefined) this.#hooks.end(this.id, 'ice_failed');
      }),
    );
    const untilMs = this.ticket.until - time.now();
    if (Number.isFinite(untilMs)) {
      this.#timers.push(
        time.timeout('whep-backstop', Math.max(0, untilMs + BACKSTOP_MS), () => this.#backstop()),
      );
    }
  }

  #backstop(): void {
    if (this.#closed) return;
    this.#hooks.logger.warn(
      { sessionId: this.id.slice(0, 6) },
      'grant ended without access control cutting: closing',
    );
    this.#hooks.end(this.id, 'window_end');
    void this.close();
  }

  #connected(): void {
    if (this.#closed || this.connectedAt !== undefined) return;
    this.connectedAt = this.#hooks.time.now();
    this.#lastRtcp = this.#hooks.time.monotonic();
    this.feed.begin();
    this.#watchSilence();
  }

  /**
   * ICE consent (RFC 7675) takes ~30 s to notice a closed tab; receiver reports stop at once. Ending
   * early keeps the privacy LED honest: it is on only while someone can actually see.
   */
  #watchSilence(): void {
    const { time } = this.#hooks;
    const check = () => {
      if (this.#closed) return;
      if (time.monotonic() - this.#lastRtcp > this.#hooks.viewerSilenceMs) {
        this.#hooks.end(this.id, 'ice_failed');
        return;
      }
      this.#silenceTimer = time.timeout('viewer-silence', SILENCE_CHECK_MS, check);
    };
    this.#silenceTimer = time.timeout('viewer-silence', SILENCE_CHECK_MS, check);
  }

  /**
   * Applies trickled candidates without waiting for their checks. mDNS `.local` candidates are
   * skipped: resolving them would multicast on the LAN, and the viewer's checks reveal its address.
   */
  addCandidates(candidates: readonly string[], mid: string | undefined): void {
    for (const candidate of candidates) {
      if (MDNS_CANDIDATE.test(candidate)) continue;
      this.candidates += 1;
      void this.#peer.pc
        .addIceCandidate({ candidate, sdpMid: mid ?? '0', sdpMLineIndex: 0 })
        .catch(() => undefined);
    }
  }

  /** Idempotent: stops the feed, clears timers, closes the peer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.feed.end();
    for (const t of this.#timers) t.cancel();
    this.#silenceTimer?.cancel();
    await this.#peer.pc.close().catch(() => undefined);
  }
}
