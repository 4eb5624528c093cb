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
