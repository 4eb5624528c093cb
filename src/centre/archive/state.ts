/**
 * What the archive tells watchers about each device (the round, `nattsyn monitor`): its state read
 * from the database after a commit and published retained under the centre's own topic space. The
 * database is the one truth, so every instance publishes what the database says at that moment;
 * publishes coalesce per device (at most one in flight, the newest wanted one follows), so a burst
 * of records costs a handful of publishes.
 */
import { type ArchiveDeviceState, archiveStateTopic } from '../../protocol/index.ts';
import type { Publish } from './acks.ts';
import { asNumber, type SqlExecutor } from './db/sql.ts';

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
