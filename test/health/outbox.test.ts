import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/health/events.ts';
import { Outbox } from '../../src/health/outbox.ts';
import { topicsFor } from '../../src/health/payloads.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { silentLogger as silentLog } from '../../src/platform/ports.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog, type EpochMillis } from '../../src/policy/index.ts';
import { FaultyStore } from '../fixtures/faultyStore.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { ManualTime } from '../fixtures/time.ts';

interface Sent {
  topic: string;
  body: { seq: number; eventId?: string };
  ack(): void;
  fail(): void;
}

function gatedLink() {
  const sent: Sent[] = [];
  const waiters: Array<() => void> = [];
  return {
    sent,
    topics: topicsFor('dev-1'),
    connected: true,
    onConnect: () => () => undefined,
    onMessage: () => () => undefined,
    publish(topic: string, payload: string) {
      return new Promise<void>((resolve, reject) => {
        sent.push({
          topic,
          body: JSON.parse(payload),
          ack: resolve,
          fail: () => reject(new Error('offline')),
        });
        for (const w of waiters.splice(0)) w();
      });
    },
    async sentCount(n: number) {
      while (sent.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function setup() {
  const store = new FsStore(dir);
  const audit = new AuditLog({ store, sha256: sha256Hex, time: systemTime });
  await audit.open();
  const events = new EventQueue({ store });
  await events.open();
  const link = gatedLink();
  const outbox = new Outbox({ link, audit, events, window: 2 });
  return { audit, events, link, outbox };
}

describe('outbox', () => {
  it('moves the cursor only after PUBACK and resends from the cursor after a failure, same eventId', async () => {
    const { events, link, outbox } = await setup();
    for (const code of ['camera_covered', 'disk_low', 'throttled'] as const) await events.raise(code);
    outbox.start();
    await link.sentCount(2);
    expect(link.sent.map((s) => s.body.seq)).toEqual([1, 2]);
    expect(await events.deliveredSeq()).toBe(0);
    link.sent[0]!.ack();
    link.sent[1]!.fail();
    await expect.poll(() => events.deliveredSeq()).toBe(1);
    outbox.kick();
    await link.sentCount(4);
    expect(link.sent.slice(2).map((s) => s.body.seq)).toEqual([2, 3]);
    expect(link.sent[2]!.body.eventId).toBe(link.sent[1]!.body.eventId);
    link.sent[2]!.ack();
    link.sent[3]!.ack();
    await expect.poll(() => events.deliveredSeq()).toBe(3);
    await outbox.stop();
  });

  it('sends audit records on the audit topic strictly in seq order, the cursor left to the archive', async () => {
    const { audit, link, outbox } = await setup();
    for (let i = 0; i < 5; i++) await audit.append({ type: 'grant', actor: `s${i}` });
    outbox.start();
    outbox.kick();
    for (let n = 2; n <= 6; n += 2) {
      await link.sentCount(Math.min(n, 5));
      for (const s of link.sent) s.ack();
    }
    await expect.poll(() => link.sent.length).toBe(5);
    expect(link.sent.map((s) => [s.topic.split('/').pop(), s.body.seq])).toEqual(
      [1, 2, 3, 4, 5].map((seq) => ['audit', seq]),
    );
    // A PUBACK is the broker's, not the archive's: the acknowledged cursor stays.
    expect(await audit.deliveredSeq()).toBe(0);
    await outbox.stop();
  });
});

describe('outbox on a failing disk', () => {
  async function faultySetup() {
    const store = new FaultyStore(new MemoryStore());
    const events = new EventQueue({ store });
    await events.open();
    const audit = new AuditLog({
      store: new MemoryStore(),
      sha256: sha256Hex,
      time: { now: () => 0 as EpochMillis },
    });
    await audit.open();
    const link = gatedLink();
    const warnings: object[] = [];
    const log = { ...silentLog, warn: (o: object) => void warnings.push(o) };
    const time = new ManualTime();
    const outbox = new Outbox({ link, audit, events, window: 2, log, time });
    return { store, events, link, outbox, warnings, time };
  }

  it('stays up when the cursor cannot be written, logs it and delivers after the disk recovers', async () => {
    const { store, events, link, outbox, warnings, time } = await faultySetup();
    await events.raise('disk_low');
    await events.raise('throttled');
    store.failing.add('writeAtomic');
    outbox.start();
    await link.sentCount(2);
    for (const s of link.sent) s.ack();
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toMatchObject({ code: 'EIO', failures: 1 });
    expect(await events.deliveredSeq()).toBe(0);
    expect(time.scheduled().map((t) => t.inMs)).toEqual([1000]);

    // still failing: the retry backs off instead of spinning
    time.advance(1000);
    await link.sentCount(4);
    for (const s of link.sent.slice(2)) s.ack();
    await expect.poll(() => warnings.length).toBe(2);
    expect(time.scheduled().map((t) => t.inMs)).toEqual([2000]);

    store.failing.delete('writeAtomic');
    time.advance(2000);
    await link.sentCount(6);
    expect(link.sent.slice(4).map((s) => s.body.seq)).toEqual([1, 2]);
    for (const s of link.sent.slice(4)) s.ack();
    await expect.poll(() => events.deliveredSeq()).toBe(2);
    expect(outbox.events.failures).toBe(0);
    expect(time.pending).toBe(0);
    await outbox.stop();
  });

  it('survives a read failure and retries on the next kick; stop clears the retry timer', async () => {
    const { store, events, link, outbox, warnings, time } = await faultySetup();
    await events.raise('disk_low');
    store.failingOnce.add('read');
    outbox.start();
    await expect.poll(() => warnings.length).toBe(1);
    expect(time.pending).toBe(1);
    outbox.kick();
    await link.sentCount(1);
    link.sent[0]!.ack();
    await expect.poll(() => events.deliveredSeq()).toBe(1);
    store.failing.add('read');
    outbox.kick();
    await expect.poll(() => warnings.length).toBe(2);
    await outbox.stop();
    expect(time.pending).toBe(0);
  });
});
