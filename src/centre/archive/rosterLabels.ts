/**
 * The roster's room labels and care-plan references as they were over time, in the database: a
 * row whenever the roster in force gives a device another label. The export names each look's
 * room as it was when the look happened (a device moved to another room or care plan keeps its old
 * looks under the old one), and works from the database alone, without the roster file.
 */
import type { RosterDevice } from '../roster/index.ts';
import { asNumber, type SqlDatabase, type SqlExecutor } from './db/sql.ts';

export interface LabelSpan {
  room: string;
  carePlanRef: string;
  sinceMs: number;
}

/** Every device's labels, oldest first. */
export type LabelHistory = ReadonlyMap<string, readonly LabelSpan[]>;

export async function labelHistory(db: SqlExecutor, deviceId?: string): Promise<LabelHistory> {
  const rows = await db.all(
    `SELECT device_id, room, care_plan_ref, since_ms FROM roster_labels
     ${deviceId === undefined ? '' : 'WHERE device_id = ?'} ORDER BY device_id, since_ms`,
    deviceId === undefined ? [] : [deviceId],
  );
  const out = new Map<string, LabelSpan[]>();
  for (const r of rows) {
    const id = String(r.device_id);
    const spans = out.get(id) ?? [];
    spans.push({ room: String(r.room), carePlanRef: String(r.care_plan_ref), sinceMs: asNumber(r.since_ms) });
    out.set(id, spans);
  }
  return out;
}

/** The label in force at `ms`; before the first one, the first (the device had no other yet). */
export function labelAt(history: LabelHistory, deviceId: string, ms: number): LabelSpan | undefined {
  const spans = history.get(deviceId);
  if (!spans || spans.length === 0) return undefined;
  return spans.findLast((s) => s.sinceMs <= ms) ?? spans[0];
}

export class RosterLabels {
  readonly #db: SqlDatabase;
  readonly #now: () => number;

  constructor(db: SqlDatabase, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** Records the labels of the roster now in force; resolves to the rows added. */
  async record(devices: Iterable<RosterDevice>): Promise<number> {
    const history = await labelHistory(this.#db);
    const now = this.#now();
    let added = 0;
    for (const d of devices) {
      const latest = history.get(d.deviceId)?.at(-1);
      if (latest && latest.room === d.room && latest.carePlanRef === d.carePlanRef) continue;
      added += await this.#db.run(
        `INSERT INTO roster_labels (device_id, room, care_plan_ref, since_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [d.deviceId, d.room, d.carePlanRef, now],
      );
    }
    return added;
  }
}
