/**
 * The live sessions: reserved on a grant, each cut by its own timer at the grant's end (or sooner,
 * when a new policy shortens it), ended exactly once and audited with its monotonic duration.
 * Announces every end (the stream closes the peer) and every change in number (the privacy LED).
 */
import { Emitter } from '../platform/emitter.ts';
import type { Time, Timer } from '../platform/time.ts';
import type { AuditEntry, EpochMillis, LiveSession, StaffClaims } from '../policy/index.ts';
import type { SessionEndCode, SessionTicket } from './types.ts';

export interface LiveEntry {
  ticket: SessionTicket;
  claims: StaffClaims;
  /** What the cut at `ticket.until` is audited as. */
  endCode: SessionEndCode;
  timer: Timer | undefined;
}

/** What an ended session leaves for its follow-up (why it ended, its outcome). */
export interface EndedLook {
  ticket: SessionTicket;
  durationMs: number;
}

export interface SessionTableDeps {
  time: Time;
  /** Appends to the audit log, logging a failure (an end is never undone). */
  record: (entry: AuditEntry) => Promise<void>;
}

export class SessionTable {
  readonly #d: SessionTableDeps;
  readonly #live = new Map<string, LiveEntry>();
  readonly #ended = new Emitter<[string, SessionEndCode, EndedLook]>();
  readonly #changed = new Emitter<[number]>();

  constructor(deps: SessionTableDeps) {
    this.#d = deps;
  }

  get size(): number {
    return this.#live.size;
  }

  has(sessionId: string): boolean {
    return this.#live.has(sessionId);
  }

  get(sessionId: string): LiveEntry | undefined {
    return this.#live.get(sessionId);
  }

  entries(): LiveEntry[] {
    return [...this.#live.values()];
  }

  tickets(): SessionTicket[] {
    return this.entries().map((l) => l.ticket);
  }

  /** What the gate needs to know of the others (one live session per token, the viewer cap). */
  gateView(excludeSession?: string): LiveSession[] {
    return this.entries()
      .filter((l) => l.ticket.sessionId !== excludeSession)
      .map((l) => ({ sessionId: l.ticket.sessionId, tokenId: l.claims.tokenId }));
  }

  /** Holds a place synchronously, so a concurrent request with the same token sees it. No cut yet. */
  reserve(ticket: SessionTicket, claims: StaffClaims, endCode: SessionEndCode): LiveEntry {
    const live: LiveEntry = { ticket, claims, endCode, timer: undefined };
    this.#live.set(ticket.sessionId, live);
    return live;
  }

  /** Undoes a reservation whose grant could not be audited: it never existed. */
  release(sessionId: string): void {
    this.#live.delete(sessionId);
  }

  /** (Re)arms the cut at `until`, audited as `endCode`; announces the new session on its first arm. */
  cutAt(live: LiveEntry, until: EpochMillis, endCode: SessionEndCode): void {
    const first = live.timer === undefined;
    live.timer?.cancel();
    live.ticket = { ...live.ticket, until };
    live.endCode = endCode;
    live.timer = this.#d.time.timeout('session-cut', until - this.#d.time.now(), () => {
      void this.end(live.ticket.sessionId, live.endCode);
    });
    if (first) this.#changed.emit(this.#live.size);
  }

  /** Ends a session once (idempotent), audited with its duration, then announced. */
  async end(sessionId: string, code: SessionEndCode): Promise<void> {
    const live = this.#live.get(sessionId);
    if (!live) return;
    this.#live.delete(sessionId);
    live.timer?.cancel();
    const durationMs = Math.round(this.#d.time.monotonic() - live.ticket.startedAt);
    await this.#d.record({ type: 'session_end', actor: live.ticket.staffId, sessionId, code, durationMs });
    this.#ended.emit(sessionId, code, { ticket: live.ticket, durationMs });
    this.#changed.emit(this.#live.size);
  }

  endAll(code: SessionEndCode): Promise<void> {
    return Promise.all([...this.#live.keys()].map((id) => this.end(id, code))).then(() => undefined);
  }

  onEnded(listener: (sessionId: string, code: SessionEndCode, look: EndedLook) => void): () => void {
    return this.#ended.on(listener);
  }

  onChanged(listener: (count: number) => void): () => void {
    return this.#changed.on(listener);
  }
}
