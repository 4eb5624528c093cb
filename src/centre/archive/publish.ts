/**
 * What the archive publishes after a commit, per device and coalesced: at most one publish per
 * device is in flight, and what arrives meanwhile collapses into the newest, so a burst of records
 * costs a handful of publishes, not one each.
 *
 * Acknowledgements to the devices: after a commit, the device's verified head goes out
 * retained on `audit/ack`, so a device that reconnects learns at once how far the archive holds its
 * chain.
 *
 * State for watchers (the round, `nattsyn monitor`): each device's state read from the database
 * after a commit and published retained under the centre's own topic space. The database is the
 * one truth, so every instance publishes what the database says at that moment.
 */
import {
  type ArchiveDeviceState,
  type AuditAck,
  archiveStateTopic,
  deviceTopics,
} from '../../protocol/index.ts';
import type { ChainHead } from './chain.ts';
import { asNumber, type SqlExecutor } from './db/sql.ts';

export type Publish = (topic: string, payload: string, options: { qos: 1; retain: boolean }) => Promise<void>;

export class AckPublisher {
  readonly #publish: Publish;
  readonly #now: () => number;
  readonly #waiting = new Map<string, ChainHead>();
  readonly #inFlight = new Map<string, Promise<void>>();
  published = 0;

  constructor(publish: Publish, now: () => number) {
    this.#publish = publish;
    this.#now = now;
  }

  /** Acknowledges `head` for the device (nothing while no record is verified). */
  offer(deviceId: string, head: ChainHead): void {
    if (head.seq === 0) return;
    const waiting = this.#waiting.get(deviceId);
    if (!waiting || waiting.seq <= head.seq) this.#waiting.set(deviceId, head);
    this.#drain(deviceId);
  }

  /** Sends what is waiting (after a reconnect). */
  flush(): void {
    for (const deviceId of this.#waiting.keys()) this.#drain(deviceId);
  }

  /** Resolves once every publish in flight has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #drain(deviceId: string): void {
    if (this.#inFlight.has(deviceId)) return;
    const run = (async () => {
      for (let head = this.#waiting.get(deviceId); head; head = this.#waiting.get(deviceId)) {
        this.#waiting.delete(deviceId);
        const ack: AuditAck = { seq: head.seq, hash: head.hash, at: new Date(this.#now()).toISOString() };
        try {
          await this.#publish(deviceTopics(deviceId).auditAck, JSON.stringify(ack), { qos: 1, retain: true });
          this.published += 1;
        } catch {
          // Kept for the next flush, unless a newer head is already waiting.
          if (!this.#waiting.has(deviceId)) this.#waiting.set(deviceId, head);
          return;
        }
      }
    })();
    this.#inFlight.set(deviceId, run);
    void run.finally(() => this.#inFlight.delete(deviceId));
  }
}

/**
 * The device's archive state now; undefined for a device the archive has never heard of. Every
 * record above the verified head is pending (promotion verifies all up to the head), so the count
 * is a range of the primary key, cheap however long the chain.
 */
export async function archiveStateOf(
  db: SqlExecutor,
  deviceId: string,
  nowMs: number,
): Promise<ArchiveDeviceState | undefined> {
  const rows = await db.all(
    `SELECT d.verified_seq, d.suspect_count, d.last_record_ms,
       (SELECT MAX(seq) FROM audit_records r WHERE r.device_id = d.device_id) AS top,
       (SELECT COUNT(*) FROM audit_records r WHERE r.device_id = d.device_id AND r.seq > d.verified_seq) AS pending,
       (SELECT MIN(seq) FROM audit_suspects s WHERE s.device_id = d.device_id
          AND s.seq = d.verified_seq + 1 AND s.reason <> 'audit_malformed') AS broken_at
     FROM archive_devices d WHERE d.device_id = ?`,
    [deviceId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const verifiedSeq = asNumber(row.verified_seq);
  const highestSeq = Math.max(verifiedSeq, asNumber(row.top));
  const brokenAt = row.broken_at === null || row.broken_at === undefined ? null : asNumber(row.broken_at);
  return {
    deviceId,
    state: brokenAt !== null ? 'broken' : highestSeq > verifiedSeq ? 'behind' : 'complete',
    verifiedSeq,
    highestSeq,
    pending: asNumber(row.pending),
    suspects: asNumber(row.suspect_count),
    brokenAt,
    lastRecordAt: new Date(asNumber(row.last_record_ms)).toISOString(),
    at: new Date(nowMs).toISOString(),
  };
}

export interface StatePublisherDeps {
  read(deviceId: string): Promise<ArchiveDeviceState | undefined>;
  publish: Publish;
}

export class StatePublisher {
  readonly #d: StatePublisherDeps;
  readonly #wanted = new Set<string>();
  readonly #inFlight = new Map<string, Promise<void>>();
  published = 0;

  constructor(deps: StatePublisherDeps) {
    this.#d = deps;
  }

  /** The device's state changed (or may have): publish it once the one in flight is out. */
  offer(deviceId: string): void {
    this.#wanted.add(deviceId);
    this.#drain(deviceId);
  }

  /** Sends what is still wanted (after a reconnect). */
  flush(): void {
    for (const deviceId of this.#wanted) this.#drain(deviceId);
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #drain(deviceId: string): void {
    if (this.#inFlight.has(deviceId)) return;
    const run = (async () => {
      while (this.#wanted.delete(deviceId)) {
        try {
          const state = await this.#d.read(deviceId);
          if (!state) continue;
          await this.#d.publish(archiveStateTopic(deviceId), JSON.stringify(state), { qos: 1, retain: true });
          this.published += 1;
        } catch {
          // Wanted again at the next flush (a reconnect) or the device's next record.
          this.#wanted.add(deviceId);
          return;
        }
      }
    })();
    this.#inFlight.set(deviceId, run);
    void run.finally(() => this.#inFlight.delete(deviceId));
  }
}
