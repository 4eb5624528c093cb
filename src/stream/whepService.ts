/**
 * The WHEP session manager, transport-neutral: one `handle(request)` for POST, PATCH and DELETE,
 * whether the request came over the device's own HTTP route (whepRoutes.ts) or is relayed from the
 * centre over MQTT (docs/architecture.md, "The centre"). Everything that protects the room happens
 * here, whatever the transport: the offer guard, the token, window and audit (access control), the
 * first-keyframe wait, the session's cut timers, and so the privacy LED, which follows access
 * control's sessions. Every end goes through access control, whose `onSessionEnded` closes the
 * peer, so an end by the controller (window end, pause, policy) and an end here read the same in
 * the audit log. Limits on request rates belong to the transports (see `WhepServiceDeps.limit`).
 */
import type { AccessControl, SessionEndCode } from '../access/types.ts';
import type { Logger } from '../camera/index.ts';
import { NattsynError } from '../errors.ts';
import { Subscriptions } from '../platform/emitter.ts';
import type { Time } from '../platform/time.ts';
import { buildAnswer } from './answer.ts';
import type { StreamConfig } from './config.ts';
import type { StreamHub } from './hub.ts';
import { guardOffer } from './sdpGuard.ts';
import { parseTrickle } from './sdpLines.ts';
import {
  errorReply,
  type FollowUpRequest,
  iceServerLinks,
  isType,
  jsonReply,
  type WhepReply,
  type WhepRequest,
} from './whepMessages.ts';
import type { WhepSession } from './whepSession.ts';

let webrtc: Promise<typeof import('./webrtc.ts')> | undefined;

/** werift and the session code, loaded once (webrtc.ts says why lazily); a failed load is tried again. */
export function loadWebRtc(): Promise<typeof import('./webrtc.ts')> {
  webrtc ??= import('./webrtc.ts').catch((error: unknown) => {
    webrtc = undefined;
    throw error;
  });
  return webrtc;
}

export interface WhepServiceDeps {
  config: StreamConfig;
  access: AccessControl;
  hub: StreamHub;
  logger: Logger;
  time: Time;
  /**
   * A transport's own limit, asked before anything else; false answers 429. The HTTP route limits
   * by address in fastify instead; the centre relay (where every request comes from the centre's
   * address) passes one keyed by staff subject (`staffSubjectOf`).
   */
  limit?: (request: WhepRequest) => boolean;
}

export class WhepService {
  readonly #d: WhepServiceDeps;
  readonly #live = new Map<string, WhepSession>();
  readonly #subscriptions = new Subscriptions();

  constructor(deps: WhepServiceDeps) {
    this.#d = deps;
  }

  get size(): number {
    return this.#live.size;
  }

  get(id: string): WhepSession | undefined {
    return this.#live.get(id);
  }

  all(): WhepSession[] {
    return [...this.#live.values()];
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(this.#d.access.onSessionEnded((id, code) => void this.#closed(id, code)));
  }

  /** Ends every live session (audited as `shutdown`) and closes its peer. */
  async stop(): Promise<void> {
    const live = [...this.#live.keys()];
    await Promise.all(live.map((id) => this.#d.access.end(id, 'shutdown').catch(() => undefined)));
    await Promise.all(live.map((id) => this.#closed(id, 'shutdown')));
    this.#subscriptions.clear();
  }

  /** Answers one WHEP request. Never throws: every failure is a reply with a stable code. */
  async handle(request: WhepRequest): Promise<WhepReply> {
    try {
      if (this.#d.limit && !this.#d.limit(request)) {
        return errorReply('rate_limited', 'too many requests; try again shortly');
      }
      if (request.body.length > this.#d.config.maxBodyBytes) {
        return errorReply('body_too_large', 'the request body is too large');
      }
      if (request.method === 'POST') return await this.#offer(request);
      const session = request.sessionId === undefined ? undefined : this.#live.get(request.sessionId);
      if (!session && request.method === 'DELETE') return await this.#endOther(request);
      if (!session) return errorReply('not_found', 'no such session');
      const auth = await this.#d.access.authenticateFor(request.token, session.id, request.origin);
      if (!auth.ok) return errorReply(auth.code, auth.message);
      if (request.method === 'PATCH') return this.#trickle(session, request);
      await this.#d.access.end(session.id, 'closed_by_viewer');
      await this.#closed(session.id, 'closed_by_viewer');
      return { status: 200, headers: {}, body: '' };
    } catch (error) {
      if (error instanceof NattsynError) return errorReply(error.code, error.message);
      this.#d.logger.error({ err: String(error) }, 'whep request failed');
      return errorReply('internal', 'the device could not handle the request');
    }
  }

  /**
   * GET /whep/<session>: live with its end, or why it ended, for the token that opened it (the
   * viewer asks when its picture stops, to say why in words; access/followUp.ts).
   */
  async status(request: FollowUpRequest): Promise<WhepReply> {
    const answer = await this.#d.access.sessionStatus(request.token, request.sessionId);
    if (!answer.ok) return errorReply(answer.code, answer.message);
    const { live, until, endCode } = answer.status;
    // A look cut by a pause says until when the pause holds, where the pause says (its `until`).
    const pausedUntil = endCode === 'paused' ? this.#d.access.windowState().pause?.until : undefined;
    const iso = (t: number) => new Date(t).toISOString();
    const body = { live, until: iso(until), endCode, pausedUntil: pausedUntil ? iso(pausedUntil) : null };
    return jsonReply(200, body);
  }

  /** POST /whep/<session>/outcome: what the staff member saw, appended to the audit chain. */
  async outcome(request: FollowUpRequest): Promise<WhepReply> {
    let outcome: unknown;
    try {
      outcome = (JSON.parse(request.body) as { outcome?: unknown }).outcome;
    } catch {
      outcome = undefined;
    }
    if (typeof outcome !== 'string') return errorReply('bad_outcome', 'the body must be {"outcome": …}');
    const answer = await this.#d.access.recordOutcome(
      request.token,
      request.sessionId,
      outcome,
      request.origin,
    );
    if (!answer.ok) return errorReply(answer.code, answer.message);
    return jsonReply(201, { outcome, seq: answer.seq });
  }

  async #offer(request: WhepRequest): Promise<WhepReply> {
    const { config, access, hub, logger, time } = this.#d;
    if (!isType(request.contentType, 'application/sdp')) {
      return errorReply('unsupported_media_type', 'the offer must be application/sdp');
    }
    // The camera's profile decides which offered format is kept; before its first SPS, the default.
    const known = hub.streamProfile();
    let guarded = guardOffer(request.body, config.maxCandidatesPerSession, known);
    const admission = await access.admit(request.token, { ...request.origin, media: 'webrtc' });
    if (!admission.ok) {
      const headers: Record<string, string> = {};
      if (admission.code === 'too_many_viewers') headers['Retry-After'] = String(config.retryAfterSeconds);
      if (admission.status === 401) headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
      return errorReply(admission.code, admission.message, headers);
    }
    const ticket = admission.session;
    if (!(await hub.waitForKeyframe(config.firstFrameWaitMs))) {
      await access.end(ticket.sessionId, 'camera_fault');
      return errorReply('no_frames', 'the camera has no picture yet; try again shortly', {
        'Retry-After': String(config.retryAfterSeconds),
      });
    }
    if (!known) {
      try {
        guarded = guardOffer(request.body, config.maxCandidatesPerSession, hub.streamProfile());
      } catch (error) {
        await access.end(ticket.sessionId, 'sdp_h264_profile_unsupported');
        throw error;
      }
    }
    const iceServers = request.iceServers ?? config.iceServers;
    let session: WhepSession;
    let answer: string;
    try {
      const { answerOffer, WhepSession } = await loadWebRtc();
      const peer = await answerOffer(guarded, config, time, iceServers);
      session = new WhepSession(ticket, peer, hub, guarded.payloadType, {
        end: (id, code) => void access.end(id, code),
        logger,
        time,
        connectTimeoutMs: config.connectTimeoutMs,
        viewerSilenceMs: config.viewerSilenceMs,
      });
      session.candidates = guarded.candidates;
      answer = buildAnswer(peer.answer, guarded);
    } catch (error) {
      logger.warn({ err: String(error) }, 'peer could not answer');
      await access.end(ticket.sessionId, 'ice_failed');
      throw error;
    }
    // Ended (pause, policy change, window end) while the peer was being set up: never start it.
    if (!access.sessions().some((s) => s.sessionId === ticket.sessionId)) {
      await session.close();
      return errorReply('session_ended', 'the session ended before it could start');
    }
    this.#live.set(ticket.sessionId, session);
    session.start();
    logger.info(
      {
        session: ticket.sessionId.slice(0, 6),
        viewers: this.#live.size,
        transport: request.origin.transport,
      },
      'whep session opened',
    );
    return {
      status: 201,
      headers: {
        Location: `/whep/${ticket.sessionId}`,
        ETag: session.etag,
        Link: iceServerLinks(iceServers),
        'Nattsyn-Session-Until': String(ticket.until),
        'Nattsyn-Session-Remaining-Ms': String(Math.max(0, ticket.until - time.now())),
        'Content-Type': 'application/sdp',
      },
      body: answer,
    };
  }

  /**
   * DELETE on a live session of another transport (the MPEG-1 fallback shares the session table and
   * its resource URL): ended through access control, which closes its socket.
   */
  async #endOther(request: WhepRequest): Promise<WhepReply> {
    const id = request.sessionId;
    if (id === undefined || !this.#d.access.sessions().some((s) => s.sessionId === id)) {
      return errorReply('not_found', 'no such session');
    }
    const auth = await this.#d.access.authenticateFor(request.token, id, request.origin);
    if (!auth.ok) return errorReply(auth.code, auth.message);
    await this.#d.access.end(id, 'closed_by_viewer');
    return { status: 200, headers: {}, body: '' };
  }

  #trickle(session: WhepSession, request: WhepRequest): WhepReply {
    if (!isType(request.contentType, 'application/trickle-ice-sdpfrag')) {
      const message = 'trickle must be application/trickle-ice-sdpfrag';
      return errorReply('unsupported_media_type', message);
    }
    if (request.ifMatch === undefined) {
      return errorReply('precondition_required', 'If-Match is required');
    }
    if (request.ifMatch !== '*' && request.ifMatch !== session.etag) {
      return errorReply('precondition_failed', 'the session has changed');
    }
    const remoteUfrag = /a=ice-ufrag:(\S+)/.exec(session.pc.remoteDescription?.sdp ?? '')?.[1];
    const fragment = parseTrickle(request.body, remoteUfrag);
    if (!fragment.ok) return errorReply(fragment.code, fragment.message);
    const { mid, candidates } = fragment;
    const total = this.all().reduce((sum, s) => sum + s.candidates, 0);
    const { maxCandidatesPerSession, maxCandidatesTotal } = this.#d.config;
    // All or nothing: a refused fragment leaves werift exactly as it was.
    const added = candidates.length;
    if (session.candidates + added > maxCandidatesPerSession || total + added > maxCandidatesTotal) {
      return errorReply('too_many_candidates', 'this session has all the candidates it may have');
    }
    session.addCandidates(candidates, mid);
    return { status: 204, headers: {}, body: '' };
  }

  async #closed(id: string, code: SessionEndCode): Promise<void> {
    const session = this.#live.get(id);
    if (!session) return;
    this.#live.delete(id);
    await session.close();
    this.#d.logger.info({ session: id.slice(0, 6), code, viewers: this.#live.size }, 'whep session closed');
  }
}
