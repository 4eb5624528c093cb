/**
 * The centre's half of the MPEG-1 fallback: it pairs two WebSockets that present the same one-time
 * ticket, the viewer's (on the centre's HTTPS page origin) and the device's (dialled out to the
 * device-facing listener with its client certificate), tells the device `start`, and copies the
 * device's bytes to the viewer in memory as they come. The ticket is the device's: the centre only
 * matches it, never mints or checks one, so it cannot open a picture; it decides nothing and keeps
 * nothing once either side closes. A socket left unpaired for PAIR_WAIT_MS is closed.
 */
import type { WebSocket } from 'ws';
import type { Logger, TimerHandle, Timers } from '../../platform/ports.ts';

export const PAIR_WAIT_MS = 10_000;
/** A viewer this far behind is dropped chunks until it catches up (as on the device). */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Waiting {
  ws: WebSocket;
  timer: TimerHandle;
}

export interface FallbackBridgeDeps {
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  log: Logger;
}

export class FallbackBridge {
  readonly #d: FallbackBridgeDeps;
  readonly #devices = new Map<string, Waiting>();
  readonly #viewers = new Map<string, Waiting>();
  readonly #live = new Set<WebSocket>();

  constructor(deps: FallbackBridgeDeps) {
    this.#d = deps;
  }

  /** Pairs now running (tests and the log read it). */
  get pairs(): number {
    return this.#live.size / 2;
  }

  /** A device's dial-out, its identity (`deviceId`) from its verified client certificate. */
  device(deviceId: string, ws: WebSocket): void {
    this.#await(ws, (ticket) =>
      this.#arrive(`${deviceId} ${ticket}`, ws, this.#devices, this.#viewers, 'device'),
    );
  }

  /** A viewer's socket on `/d/<deviceId>/fallback/ws`. */
  viewer(deviceId: string, ws: WebSocket): void {
    this.#await(ws, (ticket) =>
      this.#arrive(`${deviceId} ${ticket}`, ws, this.#viewers, this.#devices, 'viewer'),
    );
  }

  /** Closes every socket, paired or waiting. */
  stop(): void {
    for (const w of [...this.#devices.values(), ...this.#viewers.values()]) {
      this.#d.timers.clearTimeout(w.timer);
      w.ws.terminate();
    }
    this.#devices.clear();
    this.#viewers.clear();
    for (const ws of this.#live) ws.terminate();
    this.#live.clear();
  }

  /** The first message is the ticket; a socket that sends none in time is closed. */
  #await(ws: WebSocket, onTicket: (ticket: string) => void): void {
    ws.on('error', (error) => this.#d.log.warn({ err: String(error) }, 'fallback socket error'));
    const timer = this.#d.timers.setTimeout(() => ws.close(4401, 'ticket_invalid'), PAIR_WAIT_MS);
    ws.once('message', (data, isBinary) => {
      this.#d.timers.clearTimeout(timer);
      const ticket = isBinary ? '' : String(data);
      if (!/^[A-Za-z0-9_-]{22,64}$/.test(ticket)) ws.close(4401, 'ticket_invalid');
      else onTicket(ticket);
    });
    ws.once('close', () => this.#d.timers.clearTimeout(timer));
  }

  #arrive(
    key: string,
    ws: WebSocket,
    mine: Map<string, Waiting>,
    theirs: Map<string, Waiting>,
    side: 'device' | 'viewer',
  ): void {
    const other = theirs.get(key);
    if (other) {
      theirs.delete(key);
      this.#d.timers.clearTimeout(other.timer);
      const [device, viewer] = side === 'device' ? [ws, other.ws] : [other.ws, ws];
      this.#pair(device, viewer);
      return;
    }
    if (mine.has(key)) {
      ws.close(4401, 'ticket_invalid');
      return;
    }
    const forget = () => {
      if (mine.get(key)?.ws === ws) mine.delete(key);
    };
    const timer = this.#d.timers.setTimeout(() => {
      forget();
      ws.close(4401, 'ticket_invalid');
    }, PAIR_WAIT_MS);
    mine.set(key, { ws, timer });
    ws.once('close', () => {
      this.#d.timers.clearTimeout(timer);
      forget();
    });
  }

  #pair(device: WebSocket, viewer: WebSocket): void {
    this.#live.add(device).add(viewer);
    const end = () => {
      this.#live.delete(device);
      this.#live.delete(viewer);
      device.close(1000, 'session_ended');
      viewer.close(1000, 'session_ended');
    };
    device.on('message', (data, isBinary) => {
      if (isBinary && viewer.bufferedAmount <= MAX_BUFFERED_BYTES) viewer.send(data, { binary: true });
    });
    viewer.on('message', () => viewer.close(4400, 'viewer_sends'));
    device.once('close', end);
    viewer.once('close', end);
    device.send('start');
    this.#d.log.info({ pairs: this.pairs }, 'fallback paired');
  }
}
