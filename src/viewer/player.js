// One look's picture over WHEP: offer, trickle, countdown, close. A picture that has ended never
// looks live: every decoded frame is watched (requestVideoFrameCallback, with the decoded-frame
// count as a second witness), and a stall, a dropped connection, a DTLS close from the device or
// the end of the countdown blanks the picture at once, before anything else happens; then the
// device is asked why (GET on the session URL: {live, until, endCode, pausedUntil}) so the page
// can say it in words. Shared by the device's viewer page and the centre's round.

/**
 * No new frame for this long blanks the picture: the camera sends 10–30 frames a second, and the
 * device has no way to tell the browser it closed (no DTLS close_notify or RTCP BYE from werift),
 * so the stall is the first sign of a cut.
 */
export const STALL_MS = 500;
const TICK_MS = 50;
const FIRST_FRAME_MS = 15_000;
/** A stall the device calls live ends the look after this long without a frame. */
const GIVE_UP_MS = 10_000;
const ASK_AGAIN_MS = 2_000;
/**
 * ICE that has not connected by then will not (a network that lets only HTTPS through): the look
 * moves to the MPEG-1 fallback over the page's own HTTPS, when the page offers one.
 */
export const ICE_FALLBACK_MS = 6_000;
/** Refusals that mean this browser cannot play the WebRTC picture, though the fallback can. */
const NO_CODEC = new Set(['sdp_no_h264', 'sdp_h264_profile_unsupported']);

/** What the page can say when the device cannot: undefined status = it no longer knows the session. */
function guessedEnd(kind, status) {
  if (kind === 'time') return 'time_up';
  if (kind === 'no_picture') return 'no_picture';
  return status === undefined ? 'session_ended' : 'connection_lost';
}

export const hasWebRTC = () => typeof globalThis.RTCPeerConnection === 'function';

/**
 * A peer made while the staff member reads the screen: with a candidate pool the browser gathers
 * its candidates (and allocates its TURN relay) before the tap, so the tap waits for none of it.
 */
export function warmPeer(iceServers) {
  if (!hasWebRTC()) return null;
  const pc = new RTCPeerConnection({ iceServers: iceServers ?? [], iceCandidatePoolSize: 1 });
  pc.addTransceiver('video', { direction: 'recvonly' });
  return pc;
}

export class Player {
  // o: { frame, video, whep, fallback?, headers(): object, iceServers, onEvent(event), pc? (from warmPeer) }
  // frame[data-state]: connecting | live | stalled | ended. Anything but `live` is blank.
  // With `o.fallback` (the MPEG-1 fallback's URL), a browser without WebRTC or without a usable
  // H.264, or ICE that never connects, ends this player with a `fallback` event instead.
  constructor(o) {
    this.o = o;
    this.pc = null;
    this.location = null;
    this.etag = null;
    this.until = 0;
    this.pending = [];
    this.ended = false;
    this.firstFrame = false;
    this.lastFrame = 0;
    this.frames = 0;
    this.started = 0;
    this.asking = false;
    this.askedAt = Number.NEGATIVE_INFINITY;
    this.connected = false;
  }

  async start() {
    if (!hasWebRTC()) return this.o.fallback ? this.#fallBack('no_webrtc') : this.refused(0, 'no_webrtc');
    this.state('connecting');
    this.started = performance.now();
    const pc = this.o.pc ?? warmPeer(this.o.iceServers);
    this.pc = pc;
    pc.ontrack = (e) => this.#play(e.streams[0] || new MediaStream([e.track]));
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) this.pending.push(e.candidate);
      this.#trickle();
    };
    pc.onconnectionstatechange = () => {
      // `disconnected` may heal (ICE consent); `failed` and `closed` do not.
      if (pc.connectionState === 'connected') this.connected = true;
      if (pc.connectionState === 'failed' && !this.firstFrame && this.o.fallback)
        this.#fallBack('ice_failed');
      if (pc.connectionState === 'disconnected') this.lost('stall');
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.lost('connection');
    };
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(this.o.whep, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', ...this.o.headers() },
      body: pc.localDescription.sdp,
    }).catch(() => null);
    if (this.ended) return;
    if (!res) return this.refused(0, 'connection_lost');
    if (res.status !== 201) {
      const body = await res.json().catch(() => ({}));
      if (NO_CODEC.has(body.code) && this.o.fallback) return this.#fallBack(body.code);
      return this.refused(res.status, body.code || 'internal', body.message);
    }
    this.location = new URL(res.headers.get('Location'), location.href).href;
    this.etag = res.headers.get('ETag');
    // The device's clock decides; count down from what it says is left, on this clock.
    const remaining = Number(res.headers.get('Nattsyn-Session-Remaining-Ms'));
    this.until = Number.isFinite(remaining) && remaining > 0 ? Date.now() + remaining : 0;
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    const dtls = pc.getTransceivers()[0]?.receiver.transport;
    if (dtls) {
      dtls.onstatechange = () => {
        if (dtls.state === 'closed' || dtls.state === 'failed') this.lost('connection');
      };
    }
    this.#trickle();
    if (this.o.fallback) {
      this.iceTimer = setTimeout(() => {
        if (!this.connected && !this.firstFrame) this.#fallBack('ice_timeout');
      }, ICE_FALLBACK_MS);
    }
    this.watch();
  }

  /** Starts the frame watch: stalls, the countdown, no first picture. */
  watch() {
    this.timer = setInterval(() => this.#tick(), TICK_MS);
  }

  /** The WebRTC picture cannot reach this browser: end it, free the session, hand over. */
  async #fallBack(reason) {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    clearTimeout(this.iceTimer);
    this.teardown();
    await this.#delete();
    this.#emit({ type: 'fallback', reason });
  }

  /** The staff member closes the look: the picture goes, the device is told. */
  async close() {
    if (this.ended) return;
    this.#finish({ endCode: 'closed_by_viewer' }, true);
    await this.#delete();
  }

  /** Records what was seen on this look (the device appends it to its audit chain). */
  async outcome(outcome) {
    if (!this.location) return { ok: false, code: 'unknown_session' };
    const res = await fetch(`${this.location}/outcome`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...this.o.headers() },
      body: JSON.stringify({ outcome }),
    }).catch(() => null);
    if (!res) return { ok: false, code: 'connection_lost' };
    const body = await res.json().catch(() => ({}));
    return res.ok ? { ok: true } : { ok: false, code: body.code || 'internal', message: body.message };
  }

  #play(stream) {
    const video = this.o.video;
    video.srcObject = stream;
    video.play().catch(() => {});
    const onFrame = () => {
      if (this.ended) return;
      this.frameShown();
      video.requestVideoFrameCallback(onFrame);
    };
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(onFrame);
  }

  /** A picture was decoded and shown. */
  frameShown() {
    this.lastFrame = performance.now();
    if (!this.firstFrame) {
      this.firstFrame = true;
      this.state('live');
      this.#emit({ type: 'playing', until: this.until, firstFrameMs: this.lastFrame - this.started });
    } else if (this.o.frame.dataset.state === 'stalled' && !this.asking) {
      this.state('live');
      this.#emit({ type: 'resumed' });
    }
  }

  #tick() {
    if (this.ended) return;
    const decoded = this.o.video?.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    if (decoded > this.frames) {
      this.frames = decoded;
      this.frameShown();
    }
    const now = performance.now();
    if (this.until && Date.now() >= this.until) return this.lost('time');
    if (!this.firstFrame && now - this.started > FIRST_FRAME_MS) return this.lost('no_picture');
    if (this.firstFrame && now - this.lastFrame > STALL_MS) this.lost('stall');
    if (this.firstFrame && now - this.lastFrame > GIVE_UP_MS) this.lost('gone');
    if (this.until) this.#emit({ type: 'tick', remainingMs: Math.max(0, this.until - Date.now()) });
  }

  // Blank first, then ask the device why (a stall it calls live is asked again every few seconds).
  async lost(kind) {
    if (this.ended) return;
    if (this.o.frame.dataset.state !== 'stalled') this.state('stalled');
    if (this.asking || (kind === 'stall' && performance.now() - this.askedAt < ASK_AGAIN_MS)) return;
    this.asking = true;
    this.askedAt = performance.now();
    const status = await this.#status();
    this.asking = false;
    if (this.ended) return;
    if (status?.live && kind === 'stall') return this.#emit({ type: 'stalled' });
    if (status && !status.live) return this.#finish(status, false);
    this.#finish({ endCode: guessedEnd(kind, status) }, true);
    await this.#delete();
  }

  /** The device's word on the session; undefined when it no longer knows it, null when unreachable. */
  async #status() {
    if (!this.location) return null;
    const res = await fetch(this.location, { headers: this.o.headers(), cache: 'no-store' }).catch(
      () => null,
    );
    if (!res) return null;
    if (res.status === 404 || res.status === 405) return undefined;
    return res.ok ? res.json().catch(() => null) : null;
  }

  #finish(status, byUs) {
    this.ended = true;
    clearInterval(this.timer);
    clearTimeout(this.iceTimer);
    this.state('ended');
    this.teardown();
    this.#emit({ type: 'ended', status, byUs });
  }

  /** Lets go of the picture's transport and blanks it. */
  teardown() {
    this.pc?.close();
    if (this.o.video) this.o.video.srcObject = null;
  }

  async #delete() {
    if (!this.location) return;
    await fetch(this.location, { method: 'DELETE', headers: this.o.headers() }).catch(() => {});
  }

  refused(status, code, message) {
    this.ended = true;
    this.teardown();
    this.state('ended');
    this.#emit({ type: 'refused', status, code, message });
  }

  async #trickle() {
    if (!this.location || this.pending.length === 0 || this.ended) return;
    const batch = this.pending.splice(0);
    const frag = batch.map((c) => `a=${c.candidate}`).join('\r\n');
    const mid = batch[0].sdpMid != null ? `a=mid:${batch[0].sdpMid}\r\n` : '';
    await fetch(this.location, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/trickle-ice-sdpfrag',
        'If-Match': this.etag,
        ...this.o.headers(),
      },
      body: `${mid}${frag}\r\n`,
    }).catch(() => {});
  }

  state(state) {
    this.o.frame.dataset.state = state;
  }

  #emit(event) {
    this.o.onEvent?.(event);
  }
}
