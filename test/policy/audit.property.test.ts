/** Any single tampering with a sealed audit log is found, and the verifier names the first bad seq. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog, epochMillis, verifyAuditLog } from '../../src/policy/index.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';

const SEG1 = 'audit-000000000001.jsonl';

type Tamper =
  | { kind: 'edit'; at: number }
  | { kind: 'delete'; at: number }
  | { kind: 'swap'; at: number }
  | { kind: 'truncate'; keep: number };

async function sealedLog(n: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  const log = new AuditLog({
    store,
    sha256: sha256Hex,
    time: { now: () => epochMillis(Date.UTC(2026, 0, 1)) },
  });
  await log.open();
  for (let i = 0; i < n; i++) await log.append({ type: 'deny', actor: `staff-${i}`, code: 'outside_window' });
  return store;
}

/** Applies the tampering to the lines and returns the seq the verifier must name. */
function tamper(lines: string[], t: Tamper): number {
  switch (t.kind) {
    case 'edit':
      lines[t.at] = lines[t.at]!.replace('"code":"outside_window"', '"code":"paused"');
      return t.at + 1;
    case 'delete':
      lines.splice(t.at, 1);
      return t.at + 1;
    case 'swap':
      [lines[t.at], lines[t.at + 1]] = [lines[t.at + 1]!, lines[t.at]!];
      return t.at + 1;
    case 'truncate':
      lines.length = t.keep;
      return t.keep + 1;
  }
}

describe('verifyAuditLog properties', () => {
  it('finds every single edit, deletion, swap or truncation and names the first bad seq', async () => {
    const scenario = fc.integer({ min: 2, max: 12 }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.oneof(
          fc.integer({ min: 0, max: n - 1 }).map((at): Tamper => ({ kind: 'edit', at })),
          fc.integer({ min: 0, max: n - 1 }).map((at): Tamper => ({ kind: 'delete', at })),
          fc.integer({ min: 0, max: n - 2 }).map((at): Tamper => ({ kind: 'swap', at })),
          fc.integer({ min: 0, max: n - 1 }).map((keep): Tamper => ({ kind: 'truncate', keep })),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([n, t]) => {
        const store = await sealedLog(n);
        const lines = store.files.get(SEG1)!.split('\n').filter(Boolean);
        const badSeq = tamper(lines, t);
        store.files.set(SEG1, lines.map((l) => `${l}\n`).join(''));
        expect(await verifyAuditLog(store, sha256Hex)).toMatchObject({ ok: false, badSeq });
      }),
      { numRuns: 150 },
    );
  });
});
