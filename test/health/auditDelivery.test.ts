/**
 * The audit log's delivery to the archive, on a manual clock and a link the test answers by hand:
 * a PUBACK never moves the acknowledged cursor, only the archive's ack naming a record of this
 * device with the same hash does; the device sends again from the ack after a reconnect, on a
 * resend request and when no ack moves for a while; nothing unacknowledged is ever pruned.
 */
import { describe, expect, it } from 'vitest';
import type { MqttLink } from '../../src/health/link.ts';
import { Outbox } from '../../src/health/outbox.ts';
import { topicsFor } from '../../src/health/payloads.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog, type AuditRecord } from '../../src/policy/index.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { ManualTime, settle } from '../fixtures/time.ts';

interface Sent {
  seq: number;
  ack(): void;
  fail(error: Error): void;
}

/** A link whose PUBACKs the test gives (or withholds), and whose inbound messages it sends. */
function handLink() {
  const sent: Sent[] = [];
  const connectHooks: Array<(connection: number) => Promise<void>> = [];
  const NO_PROPERTIES = {
    responseTopic: undefined,
    correlationData: undefined,
    messageExpiryInterval: undefined,
  };
  const messageHooks: Array<Parameters<MqttLink['onMessage']>[0]> = [];
  const link = {
    topics: topicsFor('dev-1'),
    connected: true,
    sent,
    onConnect(hook: (connection: number) => Promise<void>) {
      connectHooks.push(hook);
      return () => undefined;
    },
    onMessage(hook: Parameters<MqttLink['onMessage']>[0]) {
      messageHooks.push(hook);
      return () => undefined;
    },
    publish(_topic: string, payload: string) {
      return new Promise<void>((resolve, reject) => {
        sent.push({ seq: JSON.parse(payload).seq, ack: resolve, fail: reject });
      });
    },
    /** PUBACKs everything in flight, until nothing more is sent. */
    async pubackAll() {
      for (let i = 0; i < 20; i++) {
        await settle();
        const open = sent.filter((s) => !(s as { done?: boolean }).done);
        if (open.length === 0) return;
        for (const s of open) {
          (s as { done?: boolean }).done = true;
          s.ack();
        }
      }
    },
    async reconnect() {
      for (const hook of connectHooks) await hook(2);
    },
    send(suffix: string, body: unknown) {
      for (const hook of messageHooks) hook(suffix, Buffer.from(JSON.stringify(body)), false, NO_PROPERTIES);
    },
    seqs: () => sent.map((s) => s.seq),
  };
  return link;
}

async function world(options: { maxSegmentBytes?: number; keepSegments?: number } = {}) {
  const time = new ManualTime('2026-11-23T01:00:00Z');
  const store = new MemoryStore();
  const audit = new AuditLog({ store, sha256: sha256Hex, time }, options);
  await audit.open();
  const link = handLink();
  const warnings: Array<Record<string, unknown>> = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (o: object) => void warnings.push(o as Record<string, unknown>),
    error: (o: object) => void warnings.push(o as Record<string, unknown>),
  };
  const events = {
    readAfter: async () => [],
    deliveredSeq: async () => 0,
    markDelivered: async () => {},
    onAppend: () => () => undefined,
  };
  const outbox = new Outbox({
    link,
    audit,
    events,
    window: 5,
    time,
    log,
    ackWaitMs: 30_000,
    ackWaitMaxMs: 120_000,
  });
  const records: AuditRecord[] = [];
  const append = async (n: number) => {
    for (let i = 0; i < n; i++)
      records.push(await audit.append({ type: 'deny', actor: `s${records.length}`, code: 'outside_window' }));
  };
  const ack = (seq: number, hash = records[seq - 1]!.hash) =>
    link.send('audit/ack', { seq, hash, at: new Date(time.wall).toISOString() });
  return { time, store, audit, link, outbox, records, append, ack, warnings };
}

describe('audit delivery to the archive', () => {
  it('moves_the_cursor_only_on_an_ack_naming_a_record_it_holds_with_the_same_hash', async () => {
    const w = await world();
    await w.append(5);
    w.outbox.start();
    await w.link.pubackAll();
    expect(w.link.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(await w.audit.deliveredSeq()).toBe(0);

    w.ack(3);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(3);
    w.ack(5, 'f'.repeat(64));
    w.ack(2);
    w.ack(9, 'a'.repeat(64));
    await settle();
    expect(await w.audit.deliveredSeq()).toBe(3);
    expect(w.outbox.audit.ackMismatches).toBe(2);
    expect(w.warnings.filter((x) => x.seq === 5 || x.seq === 9)).toHaveLength(2);
    w.ack(5);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(5);
    await w.outbox.stop();
  });

  it('sends_again_from_the_ack_after_every_connection', async () => {
    const w = await world();
    await w.append(5);
    w.outbox.start();
    await w.link.pubackAll();
    w.ack(3);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(3);
    await w.link.reconnect();
    await w.link.pubackAll();
    expect(w.link.seqs()).toEqual([1, 2, 3, 4, 5, 4, 5]);
    await w.outbox.stop();
  });

  it('answers_a_resend_request_from_the_later_of_fromSeq_and_the_ack_plus_one', async () => {
    const w = await world();
    await w.append(6);
    w.outbox.start();
    await w.link.pubackAll();
    w.ack(3);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(3);
    w.link.send('audit/resend', { fromSeq: 2 });
    await w.link.pubackAll();
    expect(w.link.seqs().slice(6)).toEqual([4, 5, 6]);
    w.link.send('audit/resend', { fromSeq: 6 });
    await w.link.pubackAll();
    expect(w.link.seqs().slice(9)).toEqual([6]);
    expect(w.outbox.audit.resendRequests).toBe(2);
    await w.outbox.stop();
  });

  // The broker dropped records past its queue and nothing came after them: only the device can tell.
  it('sends_again_from_the_ack_when_no_ack_moves_doubling_the_wait_and_resetting_it_on_an_ack', async () => {
    const w = await world();
    await w.append(4);
    w.outbox.start();
    await w.link.pubackAll();
    expect(w.time.scheduled()).toEqual([{ name: 'audit-ack-wait', inMs: 30_000 }]);
    await w.time.run(29_999);
    expect(w.link.seqs()).toHaveLength(4);
    await w.time.run(1);
    await w.link.pubackAll();
    expect(w.link.seqs().slice(4)).toEqual([1, 2, 3, 4]);
    expect(w.time.scheduled()).toEqual([{ name: 'audit-ack-wait', inMs: 60_000 }]);
    await w.time.run(60_000);
    await w.link.pubackAll();
    expect(w.link.seqs()).toHaveLength(12);
    expect(w.time.scheduled()).toEqual([{ name: 'audit-ack-wait', inMs: 120_000 }]);
    await w.time.run(120_000);
    await w.link.pubackAll();
    expect(w.time.scheduled()).toEqual([{ name: 'audit-ack-wait', inMs: 120_000 }]);
    w.ack(2);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(2);
    expect(w.time.scheduled()).toEqual([{ name: 'audit-ack-wait', inMs: 30_000 }]);
    w.ack(4);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(4);
    expect(w.time.pending).toBe(0);
    expect(w.outbox.audit.retransmits).toBe(3);
    await w.outbox.stop();
  });

  it('keeps_every_segment_the_archive_has_not_acknowledged_and_prunes_once_it_has', async () => {
    const w = await world({ maxSegmentBytes: 600, keepSegments: 1 });
    await w.append(30);
    w.outbox.start();
    await w.link.pubackAll();
    const segments = () => w.store.list('audit-');
    const before = (await segments()).length;
    expect(before).toBeGreaterThan(3);
    expect((await w.audit.readAfter(0, 100)).map((r) => r.seq)[0]).toBe(1);
    w.ack(30);
    await expect.poll(() => w.audit.deliveredSeq()).toBe(30);
    await w.append(10);
    expect((await segments()).length).toBeLessThan(before);
    expect((await w.audit.readAfter(0, 100))[0]!.seq).toBeGreaterThan(1);
    await w.link.pubackAll();
    await w.outbox.stop();
  });

  it('warns_on_a_refused_publish_and_sends_again_after_the_ack_wait', async () => {
    const w = await world();
    await w.append(2);
    w.outbox.start();
    await settle();
    w.link.sent[0]!.fail(Object.assign(new Error('Publish error: Not authorized'), { code: 0x87 }));
    w.link.sent[1]!.fail(Object.assign(new Error('Publish error: Not authorized'), { code: 0x87 }));
    await settle();
    expect(w.warnings).toEqual([expect.objectContaining({ seq: 1, reasonCode: 0x87 })]);
    expect(w.outbox.audit.refusals).toBe(1);
    await w.time.run(30_000);
    expect(w.link.seqs()).toEqual([1, 2, 1, 2]);
    await w.link.pubackAll();
    await w.outbox.stop();
  });

  it('reports_the_backlog_the_archive_has_not_acknowledged_with_its_oldest_record', async () => {
    const w = await world();
    w.outbox.start();
    await settle();
    expect(w.outbox.audit.backlog()).toMatchObject({ count: 0, oldestTs: undefined });
    await w.append(1);
    w.time.advance(5000);
    await w.append(2);
    await w.link.pubackAll();
    expect(w.outbox.audit.backlog()).toEqual({
      lastSeq: 3,
      acknowledgedSeq: 0,
      count: 3,
      oldestTs: w.records[0]!.ts,
    });
    w.ack(1);
    await expect.poll(() => w.outbox.audit.backlog().count).toBe(2);
    expect(w.outbox.audit.backlog().oldestTs).toBe(w.records[1]!.ts);
    await w.outbox.stop();
  });
});
