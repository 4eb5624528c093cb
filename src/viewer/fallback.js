// The fallback that always plays: MPEG-1 over a WebSocket, decoded on the page by JSMpeg, for a
// browser without WebRTC, without a usable H.264, or on a network where ICE never connects. The
// look is the same as over WebRTC (player.js: countdown, stall cover, the device asked why it
// ended, DELETE on close); only the picture's way differs. The token goes only in the POST's
// Authorization header; the WebSocket presents the one-time ticket the device answered, as its
// first message, and sends nothing else.

import { Player } from './player.js';
import JSMpeg from './vendor/jsmpeg-player.js';

/** A JSMpeg source over a socket this page opened and already handed its ticket. */
function socketSource(socket) {
  return class {
    constructor(_url, options) {
      this.options = options;
      this.streaming = true;
      this.established = false;
      this.completed = false;
      this.progress = 0;
      this.destination = null;
    }
    connect(destination) {
      this.destination = destination;
    }
    start() {
      socket.addEventListener('message', (e) => {
        this.established = true;
        this.progress = 1;
        this.destination?.write(e.data);
      });
    }
    resume() {}
    destroy() {
      socket.close();
    }
  };
}

export class FallbackPlayer extends Player {
  // o: { frame, canvas, fallback (POST URL), socket (WebSocket URL), headers(), onEvent(event) }
  async start() {
    this.state('connecting');
    this.started = performance.now();
    const res = await fetch(this.o.fallback, { method: 'POST', headers: this.o.headers() });
    if (this.ended) return;
    const body = await res.json().catch(() => ({}));
    if (res.status !== 201) return this.refused(res.status, body.code || 'internal', body.message);
    this.location = new URL(res.headers.get('Location'), location.href).href;
    const remaining = Number(res.headers.get('Nattsyn-Session-Remaining-Ms'));
    this.until = Number.isFinite(remaining) && remaining > 0 ? Date.now() + remaining : 0;
    const socket = new WebSocket(this.o.socket);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => socket.send(body.ticket));
    socket.addEventListener('close', () => this.lost('connection'));
    this.socket = socket;
    this.decoded = 0;
    this.jsmpeg = new JSMpeg.Player(null, {
      source: socketSource(socket),
      canvas: this.o.canvas,
      audio: false,
      disableWebAssembly: true,
      pauseWhenHidden: false,
      videoBufferSize: 1024 * 1024,
      onVideoDecode: () => {
        if (this.ended) return;
        this.decoded += 1;
        this.o.frame.dataset.decoded = String(this.decoded);
        this.frameShown();
      },
    });
    this.watch();
  }

  teardown() {
    this.socket?.close();
    this.jsmpeg?.destroy();
    this.jsmpeg = null;
  }
}
