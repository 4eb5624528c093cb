/**
 * The pause: who asked for it (the resident's button, the centre on the resident's behalf, or the
 * policy's dated pauses), since when and until when. What the gate, the viewer page, the schedule
 * the centre is sent and the audit trail all say about it, and how it is stored (pause.json).
 */
import type { Logger } from '../log.ts';
import type { Time, Timer } from '../platform/time.ts';
import { type EpochMillis, epochMillis } from '../policy/index.ts';
import type { PAUSE_SOURCES } from '../protocol/index.ts';
import type { PolicyInForce } from './policyInForce.ts';

/** Who paused: the resident's button, the centre (the resident phoned), or the signed policy. */
export type PauseSource = (typeof PAUSE_SOURCES)[number];

export interface PauseState {
  by: PauseSource;
  /** Who asked: `resident`, `centre`, or the staff id the centre named; undefined for the policy. */
  actor: string | undefined;
  /** Undefined where it is not known (a pause stored before this was kept, or unreadable). */
  since: EpochMillis | undefined;
  /** Undefined: until someone resumes (or, for the policy, never stated). */
  until: EpochMillis | undefined;
}

/** A pause asked for by the resident or the centre. */
export interface PauseRequest {
  by: Exclude<PauseSource, 'policy'>;
  actor: string;
  since: EpochMillis | undefined;
  until?: EpochMillis | undefined;
}

/** What a pause record's `detail` says: who paused and until when (flat, for the audit chain). */
export function pauseDetail(p: PauseState): Record<string, string> {
  return {
    by: p.by,
    ...(p.since !== undefined ? { since: new Date(p.since).toISOString() } : {}),
    ...(p.until !== undefined ? { until: new Date(p.until).toISOString() } : {}),
  };
}

const instant = (v: unknown): EpochMillis | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? epochMillis(v) : undefined;

/** The stored pause (`{paused, by, actor, since, until}`; older files hold `{paused}` alone). */
export function parsePause(stored: unknown): PauseState | undefined {
  const s = (stored ?? {}) as Record<string, unknown>;
  if (s.paused === false) return undefined;
  const by = s.by === 'centre' ? 'centre' : 'resident';
  return {
    by,
    actor: typeof s.actor === 'string' ? s.actor : by,
    since: instant(s.since),
    until: instant(s.until),
  };
}

/** The resident's (or the centre's) pause while it holds, else the policy's dated pause around `now`. */
export function pauseInForce(policy: Pick<PolicyInForce, 'pauseAt' | 'policy'>, now: EpochMillis) {
  const own = policy.pauseAt(now);
  if (own) return own;
  const planned = policy.policy?.schedule.pauseAt(now);
  const state: PauseState | undefined = planned && {
    by: 'policy',
    actor: undefined,
    since: planned.start,
    until: planned.end,
  };
  return state;
}

export interface PauseExpiryDeps {
  time: Pick<Time, 'now' | 'timeout'>;
  policy: Pick<PolicyInForce, 'pauseAt' | 'resume'>;
  /** Announces the end when it could not be recorded (a recorded resume announces itself). */
  onEnded: () => void;
  log: Logger;
}

/**
 * A pause with an `until` ends by itself then: the until was agreed and audited with the pause, so
 * the end holds by time alone, and is recorded as a resume by the device where the log can take it.
 */
export class PauseExpiry {
  readonly #d: PauseExpiryDeps;
  #timer: Timer | undefined;

  constructor(deps: PauseExpiryDeps) {
    this.#d = deps;
  }

  /** (Re)arms the one timer at the end of the pause in force, if it has one. */
  arm(): void {
    this.stop();
    const { time } = this.#d;
    const until = this.#d.policy.pauseAt(time.now())?.until;
    if (until === undefined) return;
    this.#timer = time.timeout('pause-until', until - time.now(), () => {
      this.#timer = undefined;
      this.#d.policy.resume('device', true).catch((error) => {
        this.#d.log.error({ err: error }, 'the end of a pause could not be recorded; it ended all the same');
        this.#d.onEnded();
      });
    });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
