/**
 * The one recorder of refused requests, for every path that refuses one: access control (a token
 * that does not verify, over HTTP or relayed) and the relay's own checks (a request the centre did
 * not sign). A refusal that names nobody (no verified staff id) costs nothing to send, so a flood of
 * them must not fill the audit log or the uplink (issue 13, item 3): they share one budget per
 * interval across all addresses and transports, and past it they are counted and written as one
 * aggregated record when the interval ends (`refusals_aggregated`: how many, the first and last,
 * by code, by transport, how many addresses). A refusal that names a staff member is always
 * written on its own. A pending aggregate is written on stop; a kill -9 loses at most one
 * interval's count of such refusals, never a grant, an end or a named denial.
 */
import type { Logger } from '../log.ts';
import type { EpochMillis, MonoMillis, Time, Timer } from '../platform/time.ts';
import type { AuditEntry } from '../policy/index.ts';
import type { ReasonCode } from '../reasons.ts';

export interface RefusalRecorderDeps {
  audit: { append(entry: AuditEntry): Promise<unknown> };
  time: Time;
  log: Logger;
  /** Anonymous refusals written one by one per interval before they are aggregated. */
  budget?: number;
  intervalMs?: number;
}

export type RefusalDetail = Record<string, string | number | boolean>;

interface Flood {
  count: number;
  first: EpochMillis;
  last: EpochMillis;
  codes: Map<string, number>;
  transports: Map<string, number>;
  remotes: Set<string>;
}

/** Enough to tell one prober from many without keeping every address of a flood. */
const MAX_REMOTES = 1000;

export class RefusalRecorder {
  readonly #d: RefusalRecorderDeps;
  readonly #budget: number;
  readonly #intervalMs: number;
  #windowStart: MonoMillis | undefined;
  #used = 0;
  #flood: Flood | undefined;
  #timer: Timer | undefined;

  constructor(deps: RefusalRecorderDeps) {
    this.#d = deps;
    this.#budget = deps.budget ?? 20;
    this.#intervalMs = deps.intervalMs ?? 60_000;
  }

  /**
   * Audits a refusal: at once when `actor` names someone or the budget allows, else into the
   * interval's aggregate. Never throws (a failed append is logged; the gate then fails closed).
   */
  async refused(code: ReasonCode, detail: RefusalDetail, actor?: string): Promise<void> {
    if (actor !== undefined) return this.#append({ type: 'deny', actor, code, detail });
    const now = this.#d.time.monotonic();
    if (this.#windowStart === undefined || now - this.#windowStart >= this.#intervalMs) {
      // The new interval starts before anything awaits: concurrent refusals share its budget.
      const ended = this.#take();
      this.#windowStart = now;
      this.#used = 0;
      if (ended) await this.#writeAggregate(ended);
    }
    if (this.#used < this.#budget) {
      this.#used += 1;
      return this.#append({ type: 'deny', actor: 'unknown', code, detail });
    }
    this.#count(code, detail);
  }

  /** Writes the pending aggregate, if any. */
  async flush(): Promise<void> {
    const flood = this.#take();
    if (flood) await this.#writeAggregate(flood);
  }

  #take(): Flood | undefined {
    this.#timer?.cancel();
    this.#timer = undefined;
    const flood = this.#flood;
    this.#flood = undefined;
    return flood;
  }

  async #writeAggregate(flood: Flood): Promise<void> {
    const tally = (m: Map<string, number>) => [...m].map(([k, n]) => `${k}:${n}`).join(',');
    await this.#append({
      type: 'deny',
      actor: 'unknown',
      code: 'refusals_aggregated',
      detail: {
        count: flood.count,
        first: new Date(flood.first).toISOString(),
        last: new Date(flood.last).toISOString(),
        codes: tally(flood.codes),
        transports: tally(flood.transports),
        remotes: flood.remotes.size,
      },
    });
    this.#d.log.warn({ count: flood.count }, 'refusals past the audit budget, recorded as one');
  }

  /** Writes what is pending and cancels the timer. Idempotent. */
  async stop(): Promise<void> {
    await this.flush();
    this.#windowStart = undefined;
  }

  #count(code: ReasonCode, detail: RefusalDetail): void {
    const wall = this.#d.time.now();
    this.#flood ??= {
      count: 0,
      first: wall,
      last: wall,
      codes: new Map(),
      transports: new Map(),
      remotes: new Set(),
    };
    const flood = this.#flood;
    flood.count += 1;
    flood.last = wall;
    flood.codes.set(code, (flood.codes.get(code) ?? 0) + 1);
    const transport = String(detail.transport ?? 'unknown');
    flood.transports.set(transport, (flood.transports.get(transport) ?? 0) + 1);
    if (detail.remote !== undefined && flood.remotes.size < MAX_REMOTES)
      flood.remotes.add(String(detail.remote));
    if (!this.#timer) {
      const left = Math.max(0, (this.#windowStart ?? 0) + this.#intervalMs - this.#d.time.monotonic());
      this.#timer = this.#d.time.timeout('refusal-aggregate', left, () => {
        this.#timer = undefined;
        this.#windowStart = undefined;
        void this.flush();
      });
    }
  }

  async #append(entry: AuditEntry): Promise<void> {
    try {
      await this.#d.audit.append(entry);
    } catch (error) {
      this.#d.log.error({ err: error, code: entry.code }, 'refusal not audited');
    }
  }
}
