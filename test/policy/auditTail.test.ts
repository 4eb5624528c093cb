/**
 * The audit log's tail against what the files beside it name (issue 9 item 4), and the checkpoint
 * signed with the device's identity key (issue 13 item 12): a committed record that is gone is never
 * issued again under its `seq`, and a log cut short or re-chained after its head and cursor files
 * were deleted no longer verifies as intact. In memory and on the real FsStore.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/system.ts';
import { CHECKPOINT_FILE, signCheckpoint, verifyCheckpoint } from '../../src/policy/audit/checkpoint.ts';
import { hashOf } from '../../src/policy/audit/record.ts';
import {
  AuditLog,
  type AuditLogOptions,
  type AuditRecord,
  type DurableStore,
  GENESIS_HASH,
  verifyAuditLog,
} from '../../src/policy/index.ts';
import { STORE_BACKENDS } from '../fixtures/storeBackends.ts';
import { ManualTime } from '../fixtures/time.ts';

const SEG1 = 'audit-000000000001.jsonl';
const HEAD = 'audit.head.json';
const CURSOR = 'audit.cursor.json';

const identity = generateKeyPairSync('ed25519');

describe.each(STORE_BACKENDS)('the audit tail on %s', (_name, makeStore) => {
  let store: DurableStore;
  let cleanup: () => Promise<void>;
  let clock: ManualTime;

  beforeEach(async () => {
    ({ store, cleanup } = await makeStore());
    clock = new ManualTime('2026-01-15T22:00:00Z');
  });
  afterEach(() => cleanup());

  const logOf = (options: Partial<AuditLogOptions> = {}, signed = true) =>
    new AuditLog(
      { store, sha256: sha256Hex, time: clock, checkpointKey: signed ? identity.privateKey : undefined },
      options,
    );
  async function written(n: number, options: Partial<AuditLogOptions> = {}, signed = true) {
    const log = logOf(options, signed);
    await log.open();
    const records: AuditRecord[] = [];
    for (let i = 0; i < n; i++) {
      clock.advance(1000);
      records.push(await log.append({ type: 'grant', actor: `staff-${i}`, sessionId: `s${i}` }));
    }
    return { log, records };
  }
  const lines = async () => ((await store.read(SEG1)) ?? '').split('\n').filter(Boolean);
  const keep = async (n: number) => store.writeAtomic(SEG1, `${(await lines()).slice(0, n).join('\n')}\n`);
  const verify = (key = identity.publicKey) => verifyAuditLog(store, sha256Hex, { checkpointKey: key });

  describe('a lost committed tail', () => {
    it('is_never_issued_again_under_its_seq_and_keeps_the_log_unwritable', async () => {
      await written(5);
      await keep(4);
      const log = logOf();
      await expect(log.open()).rejects.toMatchObject({ code: 'audit_tail_lost' });
      expect(log.writable).toBe(false);
      await expect(log.append({ type: 'deny', actor: 'staff-1', code: 'paused' })).rejects.toMatchObject({
        code: 'audit_unavailable',
      });
      expect((await lines()).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4]);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 5,
        reason: expect.stringMatching(/truncated/),
      });
    });

    it('is_found_by_the_delivery_cursor_when_the_head_file_is_gone_too', async () => {
      const { log: first, records } = await written(5, {}, false);
      await first.markDelivered(records[4]!);
      await keep(3);
      await store.remove(HEAD);
      await expect(logOf({}, false).open()).rejects.toMatchObject({
        code: 'audit_tail_lost',
        message: expect.stringMatching(/delivery cursor names seq 5/),
      });
    });

    it('is_found_by_the_checkpoint_when_head_and_cursor_are_gone', async () => {
      const { log: first } = await written(5);
      await first.checkpoint();
      await keep(4);
      await store.remove(HEAD);
      await store.remove(CURSOR);
      await expect(logOf().open()).rejects.toMatchObject({ message: expect.stringMatching(/checkpoint/) });
    });

    it('is_found_when_the_last_record_was_replaced_under_the_same_seq', async () => {
      await written(3);
      const all = await lines();
      const edited = { ...JSON.parse(all[2]!), actor: 'someone-else' };
      all[2] = JSON.stringify({ ...edited, hash: hashOf(edited, sha256Hex) });
      await store.writeAtomic(SEG1, `${all.join('\n')}\n`);
      await expect(logOf().open()).rejects.toMatchObject({ code: 'audit_tail_lost' });
    });

    it('lets_the_log_go_on_once_the_missing_record_is_back', async () => {
      await written(5);
      const all = await lines();
      await keep(4);
      const log = logOf();
      await log.open().catch(() => undefined);
      await store.writeAtomic(SEG1, `${all.join('\n')}\n`);
      const next = await log.append({ type: 'deny', actor: 'staff-1', code: 'paused' });
      expect(next.seq).toBe(6);
      expect(await verify()).toMatchObject({ ok: true, lastSeq: 6 });
    });

    it('is_not_claimed_by_an_append_whose_head_was_written_before_it_failed', async () => {
      await written(2);
      // The head is renamed into place, then the folder's fsync fails: the append is undone.
      let failed = false;
      const flaky: DurableStore = {
        list: (prefix) => store.list(prefix),
        read: (name) => store.read(name),
        append: (name, text) => store.append(name, text),
        truncate: (name, bytes) => store.truncate(name, bytes),
        remove: (name) => store.remove(name),
        async writeAtomic(name, text) {
          await store.writeAtomic(name, text);
          if (name === HEAD && !failed) {
            failed = true;
            throw Object.assign(new Error('fsync of the folder failed'), { code: 'EIO' });
          }
        },
      };
      const log = new AuditLog({ store: flaky, sha256: sha256Hex, time: clock });
      await log.open();
      await expect(log.append({ type: 'deny', actor: 'x', code: 'paused' })).rejects.toThrow();
      const reopened = logOf();
      await reopened.open();
      expect((await reopened.append({ type: 'deny', actor: 'y', code: 'paused' })).seq).toBe(3);
    });
  });

  describe('the signed checkpoint', () => {
    it('is_signed_after_the_first_record_of_a_start_every_n_records_and_on_shutdown', async () => {
      const seqs: number[] = [];
      const checkpointAt = async () =>
        (await verifyCheckpoint((await store.read(CHECKPOINT_FILE))!, identity.publicKey))?.seq;
      const log = logOf({ checkpointEvery: 3 });
      await log.open();
      for (let i = 0; i < 8; i++) {
        await log.append({ type: 'deny', actor: `a${i}`, code: 'paused' });
        seqs.push((await checkpointAt()) ?? 0);
      }
      expect(seqs).toEqual([1, 1, 1, 4, 4, 4, 7, 7]);
      await log.checkpoint();
      expect(await checkpointAt()).toBe(8);
      expect(await verify()).toMatchObject({ ok: true, lastSeq: 8, checkpoint: { seq: 8, signed: true } });
    });

    it('fails_a_log_cut_short_after_its_head_and_cursor_files_were_deleted', async () => {
      const { log, records } = await written(10);
      await log.markDelivered(records[9]!);
      await log.checkpoint();
      await keep(7);
      await store.remove(HEAD);
      await store.remove(CURSOR);
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 8,
        reason: 'log truncated: the checkpoint names seq 10',
      });
    });

    it('fails_a_log_re_chained_from_the_start_with_consistent_hashes', async () => {
      const { log } = await written(6);
      await log.checkpoint();
      let prev = GENESIS_HASH;
      const rechained = (await lines()).map((l) => {
        const { hash: _h, ...body } = { ...JSON.parse(l), actor: 'staff-0', prev };
        const record = { ...body, hash: hashOf(body, sha256Hex) };
        prev = record.hash;
        return JSON.stringify(record);
      });
      await store.writeAtomic(SEG1, `${rechained.join('\n')}\n`);
      await store.remove(HEAD);
      await store.remove(CURSOR);
      expect(await verify(undefined as never)).toMatchObject({ ok: false });
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 6,
        reason: 'record differs from the checkpoint',
      });
    });

    it('fails_when_the_checkpoint_is_deleted_or_signed_by_another_key', async () => {
      const { log } = await written(3);
      await log.checkpoint();
      const other = generateKeyPairSync('ed25519');
      await store.writeAtomic(
        CHECKPOINT_FILE,
        await signCheckpoint({ seq: 3, hash: log.last.hash }, '2026-01-15T22:00:00Z', other.privateKey),
      );
      expect(await verify()).toMatchObject({ ok: false, reason: 'checkpoint not signed by this device' });
      await store.remove(CHECKPOINT_FILE);
      expect(await verify()).toMatchObject({ ok: false, reason: 'no signed checkpoint' });
    });

    it('writes_none_without_an_identity_key_and_such_a_log_verifies_unsigned', async () => {
      const { log } = await written(3, {}, false);
      await log.checkpoint();
      expect(await store.read(CHECKPOINT_FILE)).toBeUndefined();
      expect(await verifyAuditLog(store, sha256Hex)).toMatchObject({ ok: true, checkpoint: null });
    });

    it('fails_an_unreadable_checkpoint_with_or_without_a_key', async () => {
      await written(2);
      await store.writeAtomic(CHECKPOINT_FILE, 'not a checkpoint');
      expect(await verify()).toMatchObject({ ok: false, reason: 'checkpoint unreadable' });
      expect(await verifyAuditLog(store, sha256Hex)).toMatchObject({
        ok: false,
        reason: 'checkpoint unreadable',
      });
    });

    it('is_signed_at_every_rotation_so_pruning_never_outruns_it', async () => {
      const { log, records } = await written(20, {
        maxSegmentBytes: 600,
        keepSegments: 1,
        checkpointEvery: 1000,
      });
      await log.markDelivered(records[19]!);
      clock.advance(1000);
      await log.append({ type: 'deny', actor: 'rotate', code: 'paused' });
      const anchor = JSON.parse((await store.read('audit.anchor.json'))!) as { seq: number; hash: string };
      expect(anchor.seq).toBeGreaterThan(1);
      expect(await verify()).toMatchObject({ ok: true, lastSeq: 21, checkpoint: { seq: 21, signed: true } });
    });

    it('fails_a_checkpoint_older_than_the_log_kept_or_naming_the_anchor_with_another_hash', async () => {
      const { log, records } = await written(20, { maxSegmentBytes: 600, keepSegments: 1 });
      await log.markDelivered(records[19]!);
      clock.advance(1000);
      await log.append({ type: 'deny', actor: 'rotate', code: 'paused' });
      const anchor = JSON.parse((await store.read('audit.anchor.json'))!) as { seq: number; hash: string };
      const signed = (point: { seq: number; hash: string }) =>
        signCheckpoint(point, '2026-01-15T22:00:00Z', identity.privateKey);
      await store.writeAtomic(CHECKPOINT_FILE, await signed({ seq: 1, hash: records[0]!.hash }));
      expect(await verify()).toMatchObject({
        ok: false,
        badSeq: 1,
        reason: 'checkpoint older than the log kept',
      });
      await store.writeAtomic(CHECKPOINT_FILE, await signed({ seq: anchor.seq, hash: 'f'.repeat(64) }));
      expect(await verify()).toMatchObject({ ok: false, reason: 'record differs from the checkpoint' });
      await store.writeAtomic(CHECKPOINT_FILE, await signed(anchor));
      expect(await verify()).toMatchObject({ ok: true, checkpoint: { seq: anchor.seq, signed: true } });
    });
  });
});
