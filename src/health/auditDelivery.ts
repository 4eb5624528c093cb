/**
 * The audit log's way to the centre's archive, end to end (docs/centre.md, "The audit archive and
 * its acknowledgement"). It keeps two positions: the send position, moved by the broker's PUBACK and
 * kept only in memory, and the acknowledged cursor, moved only by the archive's retained `audit/ack`
 * naming a record this device holds with the same hash, and written durably. The log prunes only up
 * to the acknowledged cursor, because a PUBACK means only that the broker has the record: a broker
 * drops records past its queue for an archive that is away. So the device sends again from the
 * cursor after every connection, on the archive's `audit/resend`, and when records went out but no
 * ack moved for a while (with nothing sent after them the archive cannot see the gap), waiting
 * twice as long each time until an ack moves. Nothing here looks at a record's type.
 */
import { Emitter } from '../platform/emitter.ts';
import type { Logger as Log } from '../platform/ports.ts';
import type { Time } from '../platform/time.ts';
import type { AuditRecord } from '../policy/index.ts';
import { auditAckSchema, auditResendSchema } from '../protocol/index.ts';
import { AckWait } from './ackWait.ts';
import type { MqttLink } from './link.ts';
import { refusalCode } from './outboxStream.ts';
import { Pump } from './pump.ts';

/** What the delivery reads and moves: the audit log (src/policy/audit/log.ts). */
export interface AuditSource {
  readonly last: { seq: number };
  readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /** The acknowledged cursor (0 when the archive has acknowledged nothing). */
  deliveredSeq(): Promise<number>;
  markDelivered(point: { seq: number; hash: string }): Promise<void>;
  onAppend(listener: (record: AuditRecord) => void): () => void;
}

export interface AuditDeliveryDeps {
  source: AuditSource;
  link: Pick<MqttLink, 'publish' | 'connected' | 'topics'>;
  time: Time;
  log: Log;
  /** Records in flight at once (stay under the broker's receive maximum). */
  window: number;
  /** How long records may stay unacknowledged before they are sent again; doubles up to `ackWaitMaxMs`. */
  ackWaitMs: number;
  ackWaitMaxMs: number;
}

export interface AuditBacklog {
  lastSeq: number;
  acknowledgedSeq: number;
  /** Records the archive has not acknowledged. */
  count: number;
  /** The wall-clock `ts` of the oldest of them. */
  oldestTs: string | undefined;
}

/** The archive's answers are a few dozen bytes; anything much larger is not one. */
const MAX_ANSWER_BYTES = 1024;
/** Windows per read from disk. */
const BATCH_WINDOWS = 10;

export class AuditDelivery {
  readonly #d: AuditDeliveryDeps;
  readonly #acks = new Emitter<[number]>();
  #acked = 0;
  #sent = 0;
  /** Bumped whenever the send position is moved back: a drain under way starts again from there. */
  #generation = 0;
  #loaded: Promise<void> | undefined;
  #oldest: { seq: number; ts: string } | undefined;
  readonly #pump: Pump;
  readonly #ackWait: AckWait;
  #answers: Promise<void> = Promise.resolve();
  #offAppend: (() => void) | undefined;
  retransmits = 0;
  resendRequests = 0;
  refusals = 0;
  ackMismatches = 0;

  constructor(deps: AuditDeliveryDeps) {
    this.#d = deps;
    this.#pump = new Pump(() => this.#drain(), deps.time, deps.log);
    this.#ackWait = new AckWait(deps.time, deps.ackWaitMs, deps.ackWaitMaxMs, {
      waiting: () => this.#pump.active && deps.source.last.seq > this.#acked,
      overdue: () => this.#ackOverdue(),
    });
  }

  get acknowledged(): number {
    return this.#acked;
  }

  /** Called with the new cursor each time an acknowledgement moves it. */
  onAck(listener: (seq: number) => void): () => void {
    return this.#acks.on(listener);
  }

  /** Store failures in a row; 0 after a drain that completes. */
  get failures(): number {
    return this.#pump.failures;
  }

  start(): void {
    if (this.#pump.active) return;
    this.#pump.active = true;
    this.#offAppend = this.#d.source.onAppend((record) => {
      if (this.#oldest === undefined && record.seq > this.#acked) this.#oldest = record;
      this.#ackWait.ensure();
      this.kick();
    });
    this.kick();
  }

  async stop(): Promise<void> {
    this.#offAppend?.();
    this.#offAppend = undefined;
    this.#ackWait.cancel();
    await Promise.all([this.#pump.stop(), this.#answers]);
  }

  /** A new connection: the broker may have lost what it had not passed on, so send from the ack. */
  connected(): void {
    this.#rewind(this.#acked);
    this.#ackWait.restart();
  }

  /** An inbound message; only `audit/ack` and `audit/resend` concern the delivery. */
  message(suffix: string, payload: Buffer): void {
    if (suffix !== 'audit/ack' && suffix !== 'audit/resend') return;
    if (payload.length === 0) return;
    if (payload.length > MAX_ANSWER_BYTES) {
      this.#d.log.warn({ suffix, bytes: payload.length }, 'archive answer too large; ignored');
      return;
    }
    const text = payload.toString('utf8');
    this.#answers = this.#answers
      .then(() => (suffix === 'audit/ack' ? this.#onAck(text) : this.#onResend(text)))
      .catch((error) => this.#d.log.warn({ err: String(error), suffix }, 'archive answer not handled'));
  }

  backlog(): AuditBacklog {
    const lastSeq = this.#d.source.last.seq;
    const count = Math.max(0, lastSeq - this.#acked);
    return {
      lastSeq,
      acknowledgedSeq: this.#acked,
      count,
      oldestTs: count > 0 ? this.#oldest?.ts : undefined,
    };
  }

  kick(): void {
    this.#pump.kick();
  }

  async #onAck(text: string): Promise<void> {
    const ack = auditAckSchema.safeParse(parseJson(text));
    if (!ack.success) {
      this.#d.log.warn({}, 'malformed audit ack ignored');
      return;
    }
    await this.#load();
    const { seq, hash } = ack.data;
    // Several archive instances may publish: an older ack after a newer one moves nothing.
    if (seq <= this.#acked) return;
    const [own, next] = await this.#d.source.readAfter(seq - 1, 2);
    if (own?.seq !== seq || own.hash !== hash) {
      this.ackMismatches += 1;
      this.#d.log.error(
        { seq, archived: hash, held: own?.seq === seq ? own.hash : null },
        'the archive acknowledged a record this device does not hold; the cursor stays',
      );
      return;
    }
    await this.#d.source.markDelivered({ seq, hash });
    this.#acked = seq;
    this.#sent = Math.max(this.#sent, seq);
    this.#oldest = next;
    this.#ackWait.acknowledged();
    this.#acks.emit(seq);
  }

  async #onResend(text: string): Promise<void> {
    const request = auditResendSchema.safeParse(parseJson(text));
    if (!request.success) {
      this.#d.log.warn({}, 'malformed audit resend request ignored');
      return;
    }
    await this.#load();
    this.resendRequests += 1;
    const from = Math.max(request.data.fromSeq, this.#acked + 1);
    this.#d.log.info({ fromSeq: request.data.fromSeq, from }, 'the archive asked for records again');
    this.#rewind(from - 1);
  }

  /** Moves the send position back to `seq` (never forward) and sends from there. */
  #rewind(seq: number): void {
    if (seq < this.#sent) {
      this.#sent = seq;
      this.#generation += 1;
    }
    this.kick();
  }

  /** No ack moved for the whole wait: send again from the ack (only over a live connection). */
  #ackOverdue(): boolean {
    if (!this.#d.link.connected) return false;
    this.retransmits += 1;
    this.#d.log.info(
      { from: this.#acked + 1, waitedMs: this.#ackWait.ms },
      'no archive ack for the records sent; sending them again',
    );
    this.#sent = this.#acked;
    this.#generation += 1;
    this.kick();
    return true;
  }

  #load(): Promise<void> {
    this.#loaded ??= this.#readCursor().catch((error: unknown) => {
      this.#loaded = undefined;
      throw error;
    });
    return this.#loaded;
  }

  async #readCursor(): Promise<void> {
    const acked = await this.#d.source.deliveredSeq();
    const [oldest] = await this.#d.source.readAfter(acked, 1);
    this.#acked = Math.max(this.#acked, acked);
    this.#sent = Math.max(this.#sent, this.#acked);
    this.#oldest ??= oldest;
    this.#ackWait.restart();
  }

  /**
   * Publishes from the send position a window at a time, each PUBACK awaited in order; a PUBACK
   * moves the send position unless it was moved back meanwhile. Stops when the link drops (the
   * next connection starts again from the ack) or the broker refuses a record (the ack wait sends
   * again later).
   */
  async #drain(): Promise<void> {
    await this.#load();
    const { source, link, window } = this.#d;
    while (this.#pump.active && link.connected) {
      const generation = this.#generation;
      const batch = await source.readAfter(this.#sent, window * BATCH_WINDOWS);
      if (batch.length === 0) return;
      for (let i = 0; i < batch.length && generation === this.#generation; i += window) {
        const chunk = batch.slice(i, i + window);
        const acks = chunk.map((r) => link.publish(link.topics.audit, JSON.stringify(r), { qos: 1 }));
        for (const ack of acks) ack.catch(() => undefined);
        for (const [j, ack] of acks.entries()) {
          try {
            await ack;
          } catch (error) {
            this.#publishFailed(error, chunk[j]!.seq);
            return;
          }
          if (generation === this.#generation) this.#sent = Math.max(this.#sent, chunk[j]!.seq);
        }
        if (!this.#pump.active) return;
      }
    }
  }

  #publishFailed(error: unknown, seq: number): void {
    const code = refusalCode(error);
    if (code === undefined) {
      this.#d.log.debug({ err: String(error) }, 'audit delivery paused until reconnect');
      return;
    }
    this.refusals += 1;
    this.#d.log.warn(
      { seq, reasonCode: code, refusals: this.refusals },
      'the broker refused an audit record; sending again after the ack wait',
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
