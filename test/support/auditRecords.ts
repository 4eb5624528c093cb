/**
 * Audit records made by the device's real AuditLog (in memory, on a manual clock): looks granted and
 * ended, denials and a pause, as a night produces them.
 */
import { sha256Hex } from '../../src/platform/system.ts';
import { type AuditEntry, AuditLog, type AuditRecord } from '../../src/policy/index.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { ManualTime } from '../fixtures/time.ts';

/** The n-th entry of a night: grant, end of that look, a denial, and so on. */
export function nightEntry(i: number): AuditEntry {
  const look = Math.floor(i / 3);
  const staff = `staff-${(look % 4) + 1}`;
  const sessionId = `s-${look}`;
  if (i % 3 === 0)
    return { type: 'grant', actor: staff, sessionId, detail: { scope: 'view', emergency: false } };
  if (i % 3 === 1)
    return { type: 'session_end', actor: staff, sessionId, code: 'viewer_left', durationMs: 30_000 };
  return { type: 'deny', actor: 'staff-9', code: 'outside_window', detail: { remote: '127.0.0.1' } };
}

export async function makeRecords(count: number, start = '2026-11-23T01:00:00Z'): Promise<AuditRecord[]> {
  const clock = new ManualTime(start);
  const log = new AuditLog({ store: new MemoryStore(), sha256: sha256Hex, time: clock });
  await log.open();
  const out: AuditRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push(await log.append(nightEntry(i)));
    clock.advance(10_000);
  }
  return out;
}

/** One entry of a chain `makeChain` builds, `afterMs` after the one before (default 10 s). */
export type TimedEntry = AuditEntry & { afterMs?: number };

/** A device's chain from these entries, as its real AuditLog seals them, from `start`. */
export async function makeChain(
  entries: readonly TimedEntry[],
  start: string | number,
): Promise<AuditRecord[]> {
  const clock = new ManualTime(start);
  const log = new AuditLog({ store: new MemoryStore(), sha256: sha256Hex, time: clock });
  await log.open();
  const out: AuditRecord[] = [];
  for (const [i, { afterMs, ...entry }] of entries.entries()) {
    if (i > 0) clock.advance(afterMs ?? 10_000);
    out.push(await log.append(entry));
  }
  return out;
}

/** A look as the device records it: grant (with the token's id), end, and the staff's outcome. */
export function lookEntries(o: {
  staffId: string;
  sessionId: string;
  tokenId: string;
  durationMs: number;
  outcome?: 'asleep_calm' | 'needs_visit' | 'not_visible';
  scope?: 'view' | 'emergency';
  reason?: string;
  windowId?: string;
}): TimedEntry[] {
  const scope = o.scope ?? 'view';
  const detail = {
    scope,
    tokenId: o.tokenId,
    emergency: scope === 'emergency',
    ...(o.windowId ? { windowId: o.windowId } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  };
  const entries: TimedEntry[] = [
    { type: 'grant', actor: o.staffId, sessionId: o.sessionId, detail },
    {
      type: 'session_end',
      actor: o.staffId,
      sessionId: o.sessionId,
      code: 'closed_by_viewer',
      durationMs: o.durationMs,
      afterMs: o.durationMs,
    },
  ];
  if (o.outcome)
    entries.push({
      type: 'look_outcome',
      actor: o.staffId,
      code: o.outcome,
      sessionId: o.sessionId,
      durationMs: o.durationMs,
      detail: { scope, ...(o.windowId ? { windowId: o.windowId } : {}) },
      afterMs: 5000,
    });
  return entries;
}
