/**
 * The WHEP resource routes and the live sessions behind them. POST: offer guard → admission →
 * first keyframe → werift answer → 201. PATCH: trickle (If-Match on the ETag). DELETE: ends the
 * session as `closed_by_viewer`. Every end goes through access control, whose `onSessionEnded`
 * closes the peer, so an end by the controller (window end, pause, policy) and an end here look
 * the same in the audit log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl, SessionEndCode } from '../access/types.ts';
import type { Logger } from '../camera/index.ts';
import type { Time } from '../platform/time.ts';
import { buildAnswer } from './answer.ts';
import type { StreamConfig } from './config.ts';
import { bearerToken, sendError } from './http.ts';
import type { StreamHub } from './hub.ts';
import { answerOffer } from './peer.ts';
import { guardOffer } from './sdpGuard.ts';
import { WhepSession } from './whepSession.ts';

export interface WhepSessionsDeps {
  config: StreamConfig;
  access: AccessControl;
  hub: StreamHub;
  logger: Logger;
  time: Time;
}

type Params = { Params: { id: string } };

export class WhepSessions {
  readonly #d: WhepSessionsDeps;
  readonly #live = new Map<string, WhepSession>();
  #off: (() => void) | undefined;

  constructor(deps: WhepSessionsDeps) {
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
    this.#off ??= this.#d.access.onSessionEnded((id, code) => void this.#closed(id, code));
  }

  async stop(): Promise<void> {
    const live = [...this.#live.keys()];
    await Promise.all(live.map((id) => this.#d.access.end(id, 'shutdown').catch(() => undefined)));
    await Promise.all(live.map((id) => this.#closed(id, 'shutdown')));
    this.#off?.();
    this.#off = undefined;
  }

  register(app: FastifyInstance): void {
    const limited = { config: { rateLimit: { max: this.#d.config.rateLimitPerMinute, timeWindow: 60_000 } } };
    const preflight = (_r: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(204)
        .header('Accept-Post', 'application/sdp')
        .header('Access-Control-Allow-Methods', 'OPTIONS, POST, PATCH, DELETE')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match')
        .header('Access-Control-Max-Age', '600')
        .send();
    app.options('/whep', preflight);
    app.options('/whep/:id', preflight);
    app.post('/whep', limited, (request, reply) => this.#post(request, reply));
    app.patch<Params>('/whep/:id', limited, (request, reply) => this.#patch(request, reply));
    app.delete<Params>('/whep/:id', limited, (request, reply) => this.#delete(request, reply));
  }

  async #post(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { config, access, hub, logger } = this.#d;
    if (!isType(request, 'application/sdp')) {
      return sendError(reply, 415, 'unsupported_media_type', 'the offer must be application/sdp');
    }
    const guarded = guardOffer(String(request.body ?? ''));
    const admission = await access.admit(bearerToken(request), { remote: request.ip });
    if (!admission.ok) {
      if (admission.code === 'too_many_viewers') {
        reply.header('Retry-After', String(config.retryAfterSeconds));
        return sendError(reply, 503, admission.code, admission.message);
      }
      if (admission.status === 401) reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(reply, admission.status, admission.code, admission.message);
    }
    const ticket = admission.session;
    if (!(await hub.waitForKeyframe(config.firstFrameWaitMs))) {
      await access.end(ticket.sessionId, 'camera_fault');
      reply.header('Retry-After', String(config.retryAfterSeconds));
      return sendError(reply, 409, 'no_frames', 'the camera has no picture yet; try again shortly');
    }
    let session: WhepSession;
    try {
      const peer = await answerOffer(guarded, config, this.#d.time);
      session = new WhepSession(ticket, peer, hub, guarded.payloadType, {
        end: (id, code) => void access.end(id, code),
        logger,
        time: this.#d.time,
        connectTimeoutMs: config.connectTimeoutMs,
        viewerSilenceMs: config.viewerSilenceMs,
      });
      const answer = buildAnswer(peer.answer, guarded);
      // Ended (pause, policy change, window end) while the peer was being set up: never start it.
      if (!access.sessions().some((s) => s.sessionId === ticket.sessionId)) {
        await session.close();
        return sendError(reply, 409, 'session_ended', 'the session ended before it could start');
      }
      this.#live.set(ticket.sessionId, session);
      session.start();
      logger.info({ session: ticket.sessionId.slice(0, 6), viewers: this.#live.size }, 'whep session opened');
      return reply
        .code(201)
        .header('Location', `/whep/${ticket.sessionId}`)
        .header('ETag', session.etag)
        .header('Nattsyn-Session-Until', String(ticket.until))
        .header('Nattsyn-Session-Remaining-Ms', String(Math.max(0, ticket.until - this.#d.time.now())))
        .type('application/sdp')
        .send(answer);
    } catch (error) {
      logger.warn({ err: String(error) }, 'peer could not answer');
      await access.end(ticket.sessionId, 'ice_failed');
      throw error;
    }
  }

  async #patch(request: FastifyRequest<Params>, reply: FastifyReply): Promise<FastifyReply> {
    const session = this.#live.get(request.params.id);
    if (!session) return sendError(reply, 404, 'not_found', 'no such session');
    const auth = await this.#d.access.authenticateFor(bearerToken(request), session.id, {
      remote: request.ip,
    });
    if (!auth.ok) return sendError(reply, auth.status, auth.code, auth.message);
    if (!isType(request, 'application/trickle-ice-sdpfrag')) {
      return sendError(
        reply,
        415,
        'unsupported_media_type',
        'trickle must be application/trickle-ice-sdpfrag',
      );
    }
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) return sendError(reply, 428, 'precondition_required', 'If-Match is required');
    if (ifMatch !== '*' && ifMatch !== session.etag) {
      return sendError(reply, 412, 'precondition_failed', 'the session has changed');
    }
    const lines = String(request.body ?? '').split(/\r?\n/);
    const ufrag = lines.find((l) => l.startsWith('a=ice-ufrag:'));
    const remoteUfrag = /a=ice-ufrag:(\S+)/.exec(session.pc.remoteDescription?.sdp ?? '')?.[1];
    if (ufrag && remoteUfrag && ufrag.slice(12).trim() !== remoteUfrag) {
      return sendError(
        reply,
        422,
        'ice_restart_unsupported',
        'ICE restart is not supported; start a new session',
      );
    }
    const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6);
    const candidates = lines.filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
    session.addCandidates(candidates, mid);
    return reply.code(204).send();
  }

  async #delete(request: FastifyRequest<Params>, reply: FastifyReply): Promise<FastifyReply> {
    const session = this.#live.get(request.params.id);
    if (!session) return sendError(reply, 404, 'not_found', 'no such session');
    const auth = await this.#d.access.authenticateFor(bearerToken(request), session.id, {
      remote: request.ip,
    });
    if (!auth.ok) return sendError(reply, auth.status, auth.code, auth.message);
    await this.#d.access.end(session.id, 'closed_by_viewer');
    await this.#closed(session.id, 'closed_by_viewer');
    return reply.code(200).send();
  }

  async #closed(id: string, code: SessionEndCode): Promise<void> {
    const session = this.#live.get(id);
    if (!session) return;
    this.#live.delete(id);
    await session.close();
    this.#d.logger.info({ session: id.slice(0, 6), code, viewers: this.#live.size }, 'whep session closed');
  }
}

function isType(request: FastifyRequest, type: string): boolean {
  const header = request.headers['content-type'];
  return typeof header === 'string' && header.split(';')[0]!.trim().toLowerCase() === type;
}
