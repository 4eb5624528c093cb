/** A committed record that no longer parses must stop the log from writing on, not fork the chain. */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog, epochMillis } from '../../src/policy/index.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';

const now = () => epochMillis(Date.UTC(2026, 10, 23, 2, 30));

describe('an audit log with a corrupt committed record', () => {
  it('refuses_to_open_and_to_append_and_leaves_the_file_as_it_was', async () => {
    const store = new MemoryStore();
    const log = new AuditLog({ store, sha256: sha256Hex, time: { now } });
    await log.open();
    await log.append({ type: 'grant', actor: 'nurse-1' });
    const name = (await store.list('audit-'))[0]!;
    store.files.set(name, `${store.files.get(name)}{"seq":2,"broken\n`);
    const before = store.files.get(name);

    const reopened = new AuditLog({ store, sha256: sha256Hex, time: { now } });
    await expect(reopened.open()).rejects.toThrow();
    expect(reopened.writable).toBe(false);
    await expect(reopened.append({ type: 'deny', code: 'outside_window' })).rejects.toMatchObject({
      code: 'audit_unavailable',
    });
    expect(store.files.get(name)).toBe(before);
  });
});
