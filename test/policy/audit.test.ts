import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NattsynError } from '../../src/errors.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { hashOf } from '../../src/policy/audit/record.ts';
import {
  AuditLog,
  type AuditLogOptions,
  type AuditRecord,
  GENESIS_HASH,
  verifyAuditLog,
} from '../../src/policy/index.ts';
import { FaultyStore } from '../fixtures/faultyStore.ts';
import { STORE_BACKENDS } from '../fixtures/storeBackends.ts';
import { ManualTime } from '../fixtures/time.ts';

const SEG1 = 'audit-000000000001.jsonl';
const HEAD = 'audit.head.json';
const CURSOR = 'audit.cursor.json';
const ANCHOR = 'audit.anchor.json';

describe.each(STORE_BACKENDS)('AuditLog on %s', (_name, makeStore) => {
  let store: FaultyStore;
  let cleanup: () => Promise<void>;
  let clock: ManualTime;

  beforeEach(async () => {
    const made = await makeStore();
    store = new FaultyStore(made.store);
    cleanup = made.cleanup;
    clock = new ManualTime('2026-01-15T22:00:00Z');
  });
  afterEach(() => cleanup());

  async function openLog(options: Partial<AuditLogOptions> = {}): Promise<AuditLog> {
    const log = new AuditLog({ store, sha256: sha256Hex, time: clock }, options);
    await log.open();
    return log;
  }
  async function appendMany(log: AuditLog, n: number): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let i = 0; i < n; i++) {
      clock.advance(1000);
      out.push(
        await log.append({
          type: 'grant',
          actor: `staff-${i}`,
          sessionId: `s${i}`,
          detail: { scope: 'view' },
        }),
      );
    }
    return out;
  }
  const verify = () => verifyAuditLog(store, sha256Hex);
  const linesOf = async (name = SEG1) => ((await store.read(name)) ?? '').split('\n').filter(Boolean);
  const rewrite = (lines: string[], name = SEG1) =>
    store.writeAtomic(name, lines.map((l) => `${l}\n`).join(''));

  describe('appending', () => {
    it('chains records from the genesis hash, with seq, ts and a head file naming the last', async () => {
      const log = await openLog();
      const [a, b] = await appendMany(log, 2);
      expect(a).toMatchObject({ seq: 1, prev: GENESIS_HASH, ts: '2026-01-15T22:00:01.000Z', type: 'grant' });
      expect(b).toMatchObject({ seq: 2, prev: a!.hash });
      expect(hashOf(b!, sha256Hex)).toBe(b!.hash);
      expect(JSON.parse((await store.read(HEAD))!)).toEqual({ seq: 2, hash: b!.hash });
      expect(log.last).toEqual({ seq: 2, hash: b!.hash });
      expect(await verify()).toEqual({
        ok: true,
        records: 2,
        firstSeq: 1,
        lastSeq: 2,
        tornBytes: 0,
        checkpoint: null,
      });
    });

    it('leaves undefined fields out of the record and its hash', async () => {
      const log = await openLog();
      const r = await log.append({ type: 'pause', actor: 'resident', code: undefined });
      expect(Object.keys(JSON.parse((await linesOf())[0]!))).toEqual([
        'type',
        'actor',
        'seq',
        'ts',
        'prev',
        'hash',
      ]);
      expect(r).not.toHaveProperty('code');
    });

    it('tells listeners of each durable record in order, until they unsubscribe', async () => {
      const log = await openLog();
      const seen: number[] = [];
      const off = log.onAppend((r) => seen.push(r.seq));
      await appendMany(log, 2);
      off();
      await appendMany(log, 1);
      expect(seen).toEqual([1, 2]);
    });

    it('never interleaves concurrent appends, even on a slow disk', async () => {
      const log = await openLog({ maxSegmentBytes: 1500 });
      store.delayTurns = 2;
      const records = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          log.append({ type: 'deny', actor: `a${i}`, code: 'outside_window' }),
        ),
      );
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(records.map((r) => r.actor)).toEqual(Array.from({ length: 40 }, (_, i) => `a${i}`));
      expect(await verify()).toMatchObject({ ok: true, records: 40, lastSeq: 40 });
    });

    it('continues the chain after the log is reopened', async () => {
      const first = await appendMany(await openLog(), 3);
      const log = await openLog();
      expect(log.last).toEqual({ seq: 3, hash: first[2]!.hash });
      const [next] = await appendMany(log, 1);
      expect(next).toMatchObject({ seq: 4, prev: first[2]!.hash });
      expect(await verify()).toMatchObject({ ok: true, records: 4 });
    });
  });

  describe('the verifier', () => {
    it('catches an edited field and names its seq', async () => {
      await appendMany(await openLog(), 5);
      const lines = await linesOf();
      lines[2] = lines[2]!.replace('"actor":"staff-2"', '"actor":"staff-9"');
      await rewrite(lines);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 3,
        reason: expect.stringMatching(/altered/),
      });
    });

    it('catches an edited record whose hash was recomputed, at the next record', async () => {
      await appendMany(await openLog(), 5);
      const lines = await linesOf();
      const edited = { ...JSON.parse(lines[2]!), actor: 'staff-9' };
      lines[2] = JSON.stringify({ ...edited, hash: hashOf(edited, sha256Hex) });
      await rewrite(lines);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 4,
        reason: expect.stringMatching(/chain broken/),
      });
    });

    it('catches a deleted middle record', async () => {
      await appendMany(await openLog(), 5);
      const lines = await linesOf();
      lines.splice(2, 1);
      await rewrite(lines);
      expect(await verify()).toMatchObject({ ok: false, badSeq: 3 });
    });

    it('catches two swapped records', async () => {
      await appendMany(await openLog(), 5);
      const lines = await linesOf();
      [lines[2], lines[3]] = [lines[3]!, lines[2]!];
      await rewrite(lines);
      expect(await verify()).toMatchObject({ ok: false, badSeq: 3 });
    });

    it('catches a record moved back before its place', async () => {
      await appendMany(await openLog(), 5);
      const lines = await linesOf();
      lines.splice(3, 0, lines[1]!);
      await rewrite(lines);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 4,
        reason: expect.stringMatching(/out of order/),
      });
    });

    it('catches a truncated tail against the head file', async () => {
      await appendMany(await openLog(), 5);
      await rewrite((await linesOf()).slice(0, 3));
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 4,
        reason: expect.stringMatching(/truncated.*head/),
      });
    });

    it('catches a truncated tail against the delivery cursor when the head file is gone too', async () => {
      const log = await openLog();
      const records = await appendMany(log, 5);
      await log.markDelivered(records[4]!);
      await rewrite((await linesOf()).slice(0, 3));
      await store.remove(HEAD);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 4,
        reason: expect.stringMatching(/truncated.*delivery cursor/),
      });
    });

    it('catches a last record replaced (and rehashed) after the head file named it', async () => {
      await appendMany(await openLog(), 3);
      const lines = await linesOf();
      const edited = { ...JSON.parse(lines[2]!), actor: 'someone-else' };
      lines[2] = JSON.stringify({ ...edited, hash: hashOf(edited, sha256Hex) });
      await rewrite(lines);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 3,
        reason: expect.stringMatching(/differs from the head/),
      });
    });

    it('catches a line that is not a record', async () => {
      await appendMany(await openLog(), 3);
      const lines = await linesOf();
      lines[1] = '{"hello":"world"}';
      await rewrite(lines);
      expect(await verify()).toMatchObject({ ok: false, badSeq: 2, reason: 'record unreadable' });
      lines[1] = 'not json';
      await rewrite(lines);
      expect(await verify()).toMatchObject({ ok: false, badSeq: 2, reason: 'record unreadable' });
    });

    it('verifies a live log that grows while it is being read (no false truncation alarm)', async () => {
      const log = await openLog();
      await appendMany(log, 3);
      const live = new FaultyStore(store);
      const read = live.read.bind(live);
      let appended = false;
      live.read = async (name: string) => {
        const text = await read(name);
        if (name === SEG1 && !appended) {
          appended = true;
          await log.append({ type: 'session_end', actor: 'staff-1' });
        }
        return text;
      };
      expect(await verifyAuditLog(live, sha256Hex)).toMatchObject({ ok: true, lastSeq: 3 });
      expect(await verify()).toMatchObject({ ok: true, lastSeq: 4 });
    });

    it('ignores stray files whose names only look like segments', async () => {
      const log = await openLog();
      await appendMany(log, 2);
      await store.writeAtomic('audit-backup.txt', 'not a segment\n');
      expect(await verify()).toMatchObject({ ok: true, records: 2 });
      const reopened = await openLog();
      expect((await appendMany(reopened, 1))[0]?.seq).toBe(3);
      expect((await reopened.readAfter(0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
    });

    it('passes an empty log, and ignores head and cursor files that cannot be read', async () => {
      expect(await verify()).toEqual({
        ok: true,
        records: 0,
        firstSeq: 1,
        lastSeq: 0,
        tornBytes: 0,
        checkpoint: null,
      });
      await store.writeAtomic(HEAD, 'garbage');
      await store.writeAtomic(CURSOR, '{"seq":"1"}');
      expect(await verify()).toMatchObject({ ok: true, records: 0 });
    });
  });

  describe('crash recovery', () => {
    it('ignores a torn last line in verification, and cuts it off on open without losing a record', async () => {
      const records = await appendMany(await openLog(), 3);
      const torn = '{"type":"grant","actor":"staff-x","seq":4,"ts":"2026-01-15T22:';
      await store.append(SEG1, torn);
      expect(await verify()).toMatchObject({ ok: true, records: 3, tornBytes: torn.length });

      const log = new AuditLog({ store, sha256: sha256Hex, time: clock });
      expect(await log.open()).toEqual({ recoveredBytes: torn.length });
      expect(await log.readAfter(0, 10)).toEqual(records);
      const [next] = await appendMany(log, 1);
      expect(next).toMatchObject({ seq: 4, prev: records[2]!.hash });
      expect(await verify()).toEqual({
        ok: true,
        records: 4,
        firstSeq: 1,
        lastSeq: 4,
        tornBytes: 0,
        checkpoint: null,
      });
    });

    it('counts torn bytes in UTF-8, so a torn multi-byte character is cut cleanly', async () => {
      await appendMany(await openLog(), 1);
      await store.append(SEG1, '{"actor":"Åsa Ö');
      const log = new AuditLog({ store, sha256: sha256Hex, time: clock });
      expect(await log.open()).toEqual({ recoveredBytes: Buffer.byteLength('{"actor":"Åsa Ö') });
      await appendMany(log, 1);
      expect(await verify()).toMatchObject({ ok: true, records: 2 });
    });
  });

  describe('rotation and pruning', () => {
    it('reopens a log whose newest segment is empty (a first write after rotation was undone)', async () => {
      const records = await appendMany(await openLog({ maxSegmentBytes: 600 }), 3);
      const empty = `audit-${String(4).padStart(12, '0')}.jsonl`;
      await store.inner.append(empty, '');
      const log = await openLog({ maxSegmentBytes: 600 });
      expect(log.last).toEqual({ seq: 3, hash: records[2]!.hash });
      const [next] = await appendMany(log, 1);
      expect(next).toMatchObject({ seq: 4, prev: records[2]!.hash });
      expect((await linesOf(empty)).map((l) => JSON.parse(l).seq)).toEqual([4]);
      expect(await verify()).toMatchObject({ ok: true, records: 4 });
    });

    it('rotates by size and keeps one chain across the segment files', async () => {
      const log = await openLog({ maxSegmentBytes: 600 });
      const records = await appendMany(log, 12);
      const segments = await store.list('audit-');
      expect(segments.length).toBeGreaterThan(2);
      for (const name of segments) {
        expect(Buffer.byteLength((await store.read(name))!)).toBeLessThanOrEqual(600);
        const first = JSON.parse((await linesOf(name))[0]!) as AuditRecord;
        expect(name).toBe(`audit-${String(first.seq).padStart(12, '0')}.jsonl`);
      }
      expect(await verify()).toMatchObject({ ok: true, records: 12, lastSeq: 12 });
      expect(await log.readAfter(0, 100)).toEqual(records);
      expect((await log.readAfter(7, 3)).map((r) => r.seq)).toEqual([8, 9, 10]);

      const reopened = await openLog({ maxSegmentBytes: 600 });
      expect((await appendMany(reopened, 1))[0]).toMatchObject({ seq: 13, prev: records[11]!.hash });
      expect(await verify()).toMatchObject({ ok: true, records: 13 });
    });

    it('lets the verifier catch a deleted middle segment and a deleted first segment', async () => {
      await appendMany(await openLog({ maxSegmentBytes: 600 }), 12);
      const segments = await store.list('audit-');
      const second = JSON.parse((await linesOf(segments[1]))[0]!) as AuditRecord;
      const saved = (await store.read(segments[1]!))!;
      await store.remove(segments[1]!);
      expect(await verify()).toMatchObject({ ok: false, badSeq: second.seq, reason: 'record missing' });
      await store.writeAtomic(segments[1]!, saved);
      await store.remove(segments[0]!);
      expect(await verify()).toMatchObject({ ok: false, badSeq: 1, reason: 'record missing' });
    });

    it('catches a torn line that is not in the last segment', async () => {
      await appendMany(await openLog({ maxSegmentBytes: 600 }), 12);
      await store.append((await store.list('audit-'))[0]!, '{"torn":');
      expect(await verify()).toMatchObject({ ok: false, badSeq: 1, reason: expect.stringMatching(/torn/) });
    });

    it('never prunes a segment the monitoring centre has not received', async () => {
      const log = await openLog({ maxSegmentBytes: 600, keepSegments: 2 });
      await appendMany(log, 30);
      expect(await log.deliveredSeq()).toBe(0);
      expect((await store.list('audit-'))[0]).toBe(SEG1);
      expect(await store.read(ANCHOR)).toBeUndefined();
      expect(await log.readAfter(0, 100)).toHaveLength(30);
    });

    it('prunes delivered segments beyond the limit, anchoring the chain where they ended', async () => {
      const log = await openLog({ maxSegmentBytes: 600, keepSegments: 2 });
      const records = await appendMany(log, 30);
      await log.markDelivered(records[19]!);
      expect(await log.deliveredSeq()).toBe(20);
      const more = await appendMany(log, 10);
      // Segments up to seq 20 are gone, the undelivered ones all stay, beyond the limit of two.
      const segments = await store.list('audit-');
      expect(segments[0]).toBe('audit-000000000021.jsonl');
      expect(JSON.parse((await store.read(ANCHOR))!)).toEqual({ seq: 20, hash: records[19]!.hash });
      expect((await log.readAfter(20, 100)).map((r) => r.seq)).toEqual(
        [...records.slice(20), ...more].map((r) => r.seq),
      );
      expect(await verify()).toMatchObject({ ok: true, firstSeq: 21, lastSeq: 40 });

      await log.markDelivered(more[9]!);
      await appendMany(log, 2);
      expect(await store.list('audit-')).toHaveLength(2);
      expect(JSON.parse((await store.read(ANCHOR))!).seq).toBe(38);
      expect(await verify()).toMatchObject({ ok: true, firstSeq: 39, lastSeq: 42 });
      const reopened = await openLog({ maxSegmentBytes: 600, keepSegments: 2 });
      expect(reopened.last.seq).toBe(42);
    });
  });

  describe('storage failures', () => {
    it('makes append throw audit_unavailable and the log unwritable, and a later success restores it', async () => {
      const log = await openLog();
      const [first] = await appendMany(log, 1);
      expect(log.writable).toBe(true);
      store.failing.add('append');
      const error = await log.append({ type: 'grant' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NattsynError);
      expect(error).toMatchObject({ code: 'audit_unavailable', status: 503 });
      expect(log.writable).toBe(false);
      store.failing.delete('append');
      const [next] = await appendMany(log, 1);
      expect(next).toMatchObject({ seq: 2, prev: first!.hash });
      expect(log.writable).toBe(true);
      expect(await verify()).toMatchObject({ ok: true, records: 2 });
    });

    it('undoes the record when the head file cannot be written, so no seq is used twice', async () => {
      const log = await openLog();
      await appendMany(log, 2);
      store.failing.add('writeAtomic');
      await expect(log.append({ type: 'grant' })).rejects.toMatchObject({ code: 'audit_unavailable' });
      store.failing.delete('writeAtomic');
      expect(await linesOf()).toHaveLength(2);
      expect((await appendMany(log, 1))[0]?.seq).toBe(3);
      expect(await verify()).toMatchObject({ ok: true, records: 3 });
    });

    it('keeps one valid chain when a failed append could not be undone (head write and truncate both failed)', async () => {
      const log = await openLog();
      await appendMany(log, 2);
      store.failing.add('writeAtomic');
      store.failing.add('truncate');
      await expect(log.append({ type: 'grant', actor: 'unacknowledged' })).rejects.toMatchObject({
        code: 'audit_unavailable',
      });
      store.failing.clear();
      const [next] = await appendMany(log, 1);
      expect(await verify()).toMatchObject({ ok: true, lastSeq: next!.seq });
    });

    it('keeps one valid chain after a torn write that could not be cut off at once', async () => {
      const log = await openLog();
      await appendMany(log, 2);
      const seg = (await store.read(SEG1))!;
      store.failingOnce.add('append');
      store.failing.add('truncate');
      // What a crash-free torn write leaves: part of the line on disk, the append failing.
      await store.inner.append(SEG1, '{"type":"grant","seq":3,');
      await expect(log.append({ type: 'grant' })).rejects.toMatchObject({ code: 'audit_unavailable' });
      store.failing.clear();
      const [next] = await appendMany(log, 1);
      expect(next?.seq).toBe(3);
      expect((await store.read(SEG1))!.startsWith(seg)).toBe(true);
      expect(await verify()).toMatchObject({ ok: true, records: 3, tornBytes: 0 });
    });

    it('keeps the queue running after a failed append: appends queued behind it still land', async () => {
      const log = await openLog();
      store.failingOnce.add('append');
      const failed = log.append({ type: 'grant', actor: 'a' });
      const later = log.append({ type: 'grant', actor: 'b' });
      await expect(failed).rejects.toMatchObject({ code: 'audit_unavailable' });
      await expect(later).resolves.toMatchObject({ seq: 1, actor: 'b' });
      expect(log.writable).toBe(true);
    });

    it('does not make a committed append fail when pruning old segments fails, and prunes later', async () => {
      const log = await openLog({ maxSegmentBytes: 600, keepSegments: 1 });
      const records = await appendMany(log, 12);
      await log.markDelivered(records[11]!);
      store.failing.add('remove');
      const appended = await appendMany(log, 6).catch((e: unknown) => e);
      expect(appended).toHaveLength(6);
      expect(log.writable).toBe(true);
      store.failing.delete('remove');
      await appendMany(log, 2);
      expect((await store.list('audit-'))[0]).toBe('audit-000000000013.jsonl');
      expect(await verify()).toMatchObject({ ok: true, firstSeq: 13, lastSeq: 20 });
    });

    it('verifies a log left by a crash between writing the anchor and removing the pruned segment', async () => {
      const log = await openLog({ maxSegmentBytes: 600, keepSegments: 1 });
      const records = await appendMany(log, 12);
      await log.markDelivered(records[11]!);
      store.failing.add('remove');
      await appendMany(log, 2);
      store.failing.delete('remove');
      expect(await store.list('audit-')).toContain(SEG1);
      expect(JSON.parse((await store.read(ANCHOR))!).seq).toBeGreaterThan(1);
      expect(await verify()).toMatchObject({ ok: true, lastSeq: 14 });
      expect((await openLog({ maxSegmentBytes: 600, keepSegments: 1 })).last.seq).toBe(14);
    });
  });
});
