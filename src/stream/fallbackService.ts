/**
 * The MPEG-1 fallback's session manager, transport-neutral like whepService.ts: a page without
 * WebRTC (or without H.264, or whose ICE failed) asks with its token, and access control admits
 * it exactly as it admits WHEP (token, window, audit with `media: mpeg1`, the cut, the LED), into
 * the same session table. The answer is a one-time ticket, never the token: the WebSocket that
 * carries the picture presents it as its first message (the device's own listener), or the device
 * presents it when it dials the centre (docs/centre.md). A ticket not used within TICKET_MS ends
 * its session; a socket that closes ends it too, and every end closes the socket.
 */
import { randomBytes } from 'node:crypto';
import type { AccessControl, SessionEndCode } from '../access/types.ts';
import type { Logger } from '../camera/index.ts';
import { NattsynError } from '../errors.ts';
import { Subscriptions } from '../platform/emitter.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { StreamConfig } from './config.ts';
import type { StreamHub } from './hub.ts';
import { Mpeg1Encoder, type Mpeg1Options, type Mpeg1Sink } from './mpeg1Encoder.ts';
import { errorReply, type WhepReply, type WhepRequest } from './whepMessages.ts';

/** How long a ticket waits for its WebSocket. */
export const TICKET_MS = 10_000;
const BACKSTOP_MS = 1000;

/** The picture's way to one viewer: a WebSocket, whether the viewer's own or the device's dial-out. */
export interface FallbackSocket extends Mpeg1Sink {
  close(code: number, reason: string): void;
  onClose(listener: () => void): void;
}

export type FallbackRequest = Pick<WhepRequest, 'token' | 'origin'>;

export interface FallbackServiceDeps {
  config: StreamConfig;
  access: AccessControl;
  hub: StreamHub;
  encoder: Omit<Mpeg1Options, 'onFailed'>;
  logger: Logger;
  time: Time;
}

interface Entry {
  sessionId: string;
  ticket: string | undefined;
  timers: Timer[];
  socket: FallbackSocket | undefined;
  detach: (() => void) | undefined;
}

export class FallbackService {
  readonly #d: FallbackServiceDeps;
  readonly #encoder: Mpeg1Encoder;
  readonly #live = new Map<string, Entry>();
  readonly #tickets = new Map<string, Entry>();
  readonly #subscriptions = new Subscriptions();

  constructor(deps: FallbackServiceDeps) {
    this.#d = deps;
    const onFailed = () => void this.#endAll('camera_fault');
    this.#encoder = new Mpeg1Encoder(deps.hub, { ...deps.encoder, onFailed }, deps.logger);
  }

  /** The one encoder (tests read whether it runs). */
  get encoder(): Mpeg1Encoder {
    return this.#encoder;
  }

  has(sessionId: string): boolean {
    return this.#live.has(sessionId);
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(this.#d.access.onSessionEnded((id) => this.#closed(id)));
  }

  /** Ends every fallback session (audited `shutdown`) and stops the encoder. */
  async stop(): Promise<void> {
    await this.#endAll('shutdown');
    this.#subscriptions.clear();
    await this.#encoder.stop();
  }

  /** Admits a fallback viewer; never throws: every failure is a reply with a stable code. */
  async open(request: FallbackRequest): Promise<WhepReply> {
    try {
      return await this.#open(request);
    } catch (error) {
      if (error instanceof NattsynError) return errorReply(error.code, error.message);
      this.#d.logger.error({ err: String(error) }, 'fallback request failed');
      return errorReply('internal', 'the device could not handle the request');
    }
  }

  /** Hands a ticket's socket the picture; false for an unknown, used or expired ticket. */
  connect(ticket: string, socket: FallbackSocket): boolean {
    const entry = this.#tickets.get(ticket);
    if (!entry) return false;
    this.#tickets.delete(ticket);
    entry.ticket = undefined;
    entry.socket = socket;
    socket.onClose(() => void this.#d.access.end(entry.sessionId, 'closed_by_viewer'));
    entry.detach = this.#encoder.subscribe(socket);
    this.#d.logger.info({ session: entry.sessionId.slice(0, 6) }, 'fallback viewer connected');
    return true;
  }

  async #open(request: FallbackRequest): Promise<WhepReply> {
    const { access, hub, config, time } = this.#d;
    const admission = await access.admit(request.token, { ...request.origin, media: 'mpeg1' });
    if (!admission.ok) {
      const headers: Record<string, string> = {};
      if (admission.code === 'too_many_viewers') headers['Retry-After'] = String(config.retryAfterSeconds);
      if (admission.status === 401) headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
      return errorReply(admission.code, admission.message, headers);
    }
    const { sessionId, until } = admission.session;
    if (!(await hub.waitForKeyframe(config.firstFrameWaitMs))) {
      await access.end(sessionId, 'camera_fault');
      return errorReply('no_frames', 'the camera has no picture yet; try again shortly', {
        'Retry-After': String(config.retryAfterSeconds),
      });
    }
    if (!access.sessions().some((s) => s.sessionId === sessionId)) {
      return errorReply('session_ended', 'the session ended before it could start');
    }
    const ticket = randomBytes(24).toString('base64url');
    const entry: Entry = { sessionId, ticket, timers: [], socket: undefined, detach: undefined };
    const unused = () => {
      if (entry.ticket !== undefined) void access.end(sessionId, 'ice_failed');
    };
    entry.timers.push(time.timeout('fallback-ticket', TICKET_MS, unused));
    const untilMs = until - time.now();
    if (Number.isFinite(untilMs)) {
      entry.timers.push(
        time.timeout('fallback-backstop', Math.max(0, untilMs + BACKSTOP_MS), () => {
          void access.end(sessionId, 'window_end');
          this.#closed(sessionId);
        }),
      );
    }
    this.#live.set(sessionId, entry);
    this.#tickets.set(ticket, entry);
    this.#d.logger.info(
      { session: sessionId.slice(0, 6), transport: request.origin.transport },
      'fallback granted',
    );
    return {
      status: 201,
      headers: {
        Location: `/whep/${sessionId}`,
        'Nattsyn-Session-Until': String(until),
        'Nattsyn-Session-Remaining-Ms': String(Math.max(0, until - time.now())),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ ticket, ticketExpiresInMs: TICKET_MS }),
    };
  }

  #closed(sessionId: string): void {
    const entry = this.#live.get(sessionId);
    if (!entry) return;
    this.#live.delete(sessionId);
    if (entry.ticket !== undefined) this.#tickets.delete(entry.ticket);
    for (const timer of entry.timers) timer.cancel();
    entry.detach?.();
    entry.socket?.close(1000, 'session_ended');
    this.#d.logger.info(
      { session: sessionId.slice(0, 6), encoder: this.#encoder.running },
      'fallback closed',
    );
  }

  async #endAll(code: SessionEndCode): Promise<void> {
    const ids = [...this.#live.keys()];
    await Promise.all(ids.map((id) => this.#d.access.end(id, code).catch(() => undefined)));
    for (const id of ids) this.#closed(id);
  }
}
