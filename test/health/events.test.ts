import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/health/events.ts';
import { FsStore } from '../../src/platform/fsStore.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-events-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the durable event queue', () => {
  it('keeps seq and eventId across a reopen and cuts a torn last line', async () => {
    const first = new EventQueue({ store: new FsStore(dir) });
    const a = await first.raise('camera_covered', { mean: 3 });
    await first.raise('window_ready');
    await appendFile(join(dir, 'events.jsonl'), '{"eventId":"torn","seq":3');
    const second = new EventQueue({ store: new FsStore(dir) });
    await second.open();
    expect(second.lastSeq).toBe(2);
    const again = await second.readAfter(0, 10);
    expect(again.map((e) => [e.seq, e.eventId])).toEqual([
      [1, a.eventId],
      [2, again[1]!.eventId],
    ]);
    expect((await second.raise('disk_low')).seq).toBe(3);
  });

  it('moves the cursor only when told and compacts delivered events without reusing their seq', async () => {
    const store = new FsStore(dir);
    const queue = new EventQueue({ store }, { compactAfter: 3 });
    for (let i = 0; i < 4; i++) await queue.raise('throttled');
    expect(await queue.deliveredSeq()).toBe(0);
    await queue.markDelivered({ seq: 4 });
    expect(await readFile(join(dir, 'events.jsonl'), 'utf8')).toBe('');
    const reopened = new EventQueue({ store });
    expect((await reopened.raise('overheating')).seq).toBe(5);
    expect((await reopened.readAfter(await reopened.deliveredSeq(), 10)).map((e) => e.seq)).toEqual([5]);
  });
});
