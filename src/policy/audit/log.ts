/**
 * The audit log: the durable append log (platform/appendLog.ts) in size-rotated segments, a hash
 * chain across them, and a head file that anchors the tail so truncation shows. An append
 * resolves only after fsync, so a grant never takes effect before its record is durable; a failed
 * write makes the log unwritable and the gate then denies new sessions. The outbox cursor (last
 * `seq` the centre acknowledged, with its hash) lives here too, so delivery and the log can never
 * disagree about what exists. At start the tail is compared with what the head file, the cursor
 * and the signed checkpoint name (checkpoint.ts): a committed record that is gone is never issued again
 * under its `seq`; the log stays unwritable (every access refused) until someone looks.
 */
import { NattsynError } from '../../errors.ts';
import { AppendLog, utf8Length } from '../../platform/appendLog.ts';
import type { Clock, DurableStore, Sha256Hex } from '../ports.ts';
import {
  CHECKPOINT_FILE,
  DEFAULT_CHECKPOINT_EVERY,
  lostTail,
  readTailClaims,
  type SigningKey,
  signCheckpoint,
} from './checkpoint.ts';
import {
  ANCHOR_FILE,
  type AuditEntry,
  type AuditRecord,
  type ChainPoint,
  CURSOR_FILE,
  GENESIS_HASH,
  HEAD_FILE,
  parseChainPoint,
  SEGMENT_PREFIX,
  sealRecord,
  segmentFirstSeq,
  segmentName,
} from './record.ts';

export interface AuditLogOptions {
  /** A segment is closed once it reaches this size. */
  maxSegmentBytes: number;
  /** Delivered segments beyond this many are deleted, oldest first. */
  keepSegments: number;
  /** Records between two signed checkpoints of the head. */
  checkpointEvery: number;
}

export const DEFAULT_AUDIT_OPTIONS: AuditLogOptions = {
  maxSegmentBytes: 1 << 20,
  keepSegments: 32,
  checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
};

export interface AuditLogDeps {
  store: DurableStore;
  sha256: Sha256Hex;
  /** Each record's `ts` is wall time. */
  time: Pick<Clock, 'now'>;
  /** The device's identity key, which signs checkpoints of the head; none on an unregistered device. */
  checkpointKey?: SigningKey | undefined;
}

export class AuditLog {
  readonly #deps: AuditLogDeps;
  readonly #options: AuditLogOptions;
  readonly #log: AppendLog<AuditRecord>;
  #segment = '';
  #segmentBytes = 0;
  #last: ChainPoint = { seq: 0, hash: GENESIS_HASH };
  #writable = false;
  /** The `seq` of the last checkpoint written; undefined until one is written after open. */
  #checkpointed: number | undefined;

  constructor(deps: AuditLogDeps, options: Partial<AuditLogOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULT_AUDIT_OPTIONS, ...options };
    this.#log = new AppendLog(deps.store, CURSOR_FILE);
  }

  /** Loads the tail of the chain, cutting off a torn last line left by a crash mid-write. */
  async open(): Promise<{ recoveredBytes: number }> {
    const segments = await this.#segments();
    let recoveredBytes = 0;
    this.#last = parseChainPoint(await this.#deps.store.read(ANCHOR_FILE)) ?? { seq: 0, hash: GENESIS_HASH };
    for (const name of segments.slice(-2)) {
      const { records, bytes, tornBytes } = await this.#log.recover(name);
      recoveredBytes += tornBytes;
      const last = records.at(-1);
      if (last) this.#last = { seq: last.seq, hash: last.hash };
      this.#segment = name;
      this.#segmentBytes = bytes;
    }
    if (!this.#segment) this.#segment = segmentName(this.#last.seq + 1);
    const lost = lostTail(this.#last, await readTailClaims(this.#deps.store));
    if (lost) {
      this.#writable = false;
      throw new NattsynError('audit_tail_lost', `committed audit records are missing: ${lost}`);
    }
    this.#checkpointed = undefined;
    this.#writable = true;
    return { recoveredBytes };
  }

  get writable(): boolean {
    return this.#writable;
  }

  get last(): ChainPoint {
    return { ...this.#last };
  }

  /** Called after every durable append (the MQTT outbox listens). Returns an unsubscribe. */
  onAppend(listener: (record: AuditRecord) => void): () => void {
    return this.#log.onAppend(listener);
  }

  /** Appends one record; resolves once it is on stable storage. Appends never interleave. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    return this.#log.serial(() => this.#append(entry));
  }

  async #append(entry: AuditEntry): Promise<AuditRecord> {
    const { store, sha256, time } = this.#deps;
    // After a failed write whose undo may have failed too, the tail on disk is unknown: reload it.
    if (!this.#writable) await this.open().catch(unavailable);
    const ts = new Date(time.now()).toISOString();
    const record = sealRecord(entry, this.#last.seq + 1, ts, this.#last.hash, sha256);
    const bytes = utf8Length(JSON.stringify(record)) + 1;
    if (this.#segmentBytes > 0 && this.#segmentBytes + bytes > this.#options.maxSegmentBytes) {
      this.#segment = segmentName(record.seq);
      this.#segmentBytes = 0;
    }
    try {
      await this.#log.append(this.#segment, record);
      await store.writeAtomic(HEAD_FILE, JSON.stringify({ seq: record.seq, hash: record.hash }));
    } catch (cause) {
      this.#writable = false;
      await this.#log.undo(this.#segment, this.#segmentBytes);
      // The head may already name the record that was just cut (renamed, then the folder's fsync
      // failed): put it back, or the next start would take the undone record for a lost one.
      await store.writeAtomic(HEAD_FILE, JSON.stringify(this.#last)).catch(() => undefined);
      unavailable(cause);
    }
    this.#writable = true;
    this.#segmentBytes += bytes;
    this.#last = { seq: record.seq, hash: record.hash };
    this.#log.announce(record);
    // Also at every rotation, before pruning: the checkpoint never names a record already pruned.
    const since = this.#checkpointed;
    const rotated = this.#segmentBytes === bytes;
    if (since === undefined || rotated || record.seq - since >= this.#options.checkpointEvery)
      await this.#checkpoint().catch(() => undefined);
    // Pruning is housekeeping, retried at the next rotation: the record is durable, so the append succeeded.
    if (this.#segmentBytes === bytes) await this.#prune().catch(() => undefined);
    return record;
  }

  /**
   * Signs a checkpoint of the head now (the service calls it on shutdown). Without an identity key
   * there is nothing to sign with and nothing is written.
   */
  checkpoint(): Promise<void> {
    return this.#log.serial(() => this.#checkpoint());
  }

  async #checkpoint(): Promise<void> {
    const key = this.#deps.checkpointKey;
    if (!key || this.#last.seq === 0 || this.#checkpointed === this.#last.seq) return;
    const point = this.#last;
    const jws = await signCheckpoint(point, new Date(this.#deps.time.now()).toISOString(), key);
    await this.#deps.store.writeAtomic(CHECKPOINT_FILE, `${jws}\n`);
    this.#checkpointed = point.seq;
  }

  /** Records with `seq` greater than `afterSeq`, oldest first, at most `limit`. */
  async readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const segments = await this.#segments();
    const out: AuditRecord[] = [];
    for (let i = 0; i < segments.length && out.length < limit; i++) {
      const next = segments[i + 1];
      if (next !== undefined && (segmentFirstSeq(next) ?? 0) <= afterSeq + 1) continue;
      for (const record of await this.#log.read(segments[i]!)) {
        if (record.seq > afterSeq && out.length < limit) out.push(record);
      }
    }
    return out;
  }

  /** The last `seq` the monitoring centre acknowledged (0 when none); a damaged cursor throws. */
  async deliveredSeq(): Promise<number> {
    return parseChainPoint(await this.#deps.store.read(CURSOR_FILE))?.seq ?? 0;
  }

  markDelivered(record: ChainPoint): Promise<void> {
    return this.#log.markDelivered({ seq: record.seq, hash: record.hash });
  }

  async #segments(): Promise<string[]> {
    return (await this.#deps.store.list(SEGMENT_PREFIX)).filter((n) => segmentFirstSeq(n) !== undefined);
  }

  /** Deletes the oldest segments beyond the limit, but only ones the centre has received. */
  async #prune(): Promise<void> {
    const { store } = this.#deps;
    const segments = await this.#segments();
    const delivered = await this.deliveredSeq();
    while (segments.length > this.#options.keepSegments) {
      const [oldest, next] = segments as [string, string];
      if ((segmentFirstSeq(next) ?? 0) - 1 > delivered) return;
      const last = (await this.#log.read(oldest)).at(-1);
      if (last) await store.writeAtomic(ANCHOR_FILE, JSON.stringify({ seq: last.seq, hash: last.hash }));
      await store.remove(oldest);
      segments.shift();
    }
  }
}

function unavailable(cause: unknown): never {
  throw new NattsynError('audit_unavailable', 'the audit log could not be written', { cause });
}
