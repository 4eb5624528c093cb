/**
 * Inbound size and floods (issue 13 item 5). Against a real mosquitto: the device announces its
 * largest packet in CONNECT, so the broker never delivers a 1 MiB policy to it, and over MQTT 3.1.1
 * (no such announcement) the link drops the payload unread; 10,000 garbage commands cost a bounded
 * queue, a budget of answers and audit records, and one counted record. In process, on a manual
 * clock: the queue's bound, the coalescing of policies, and the refusal budget's window.
 */
import { generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandRegistry } from '../../src/health/commands.ts';
import { InboundHandler } from '../../src/health/inbound.ts';
import { topicsFor } from '../../src/health/payloads.ts';
import { silentLogger } from '../../src/platform/ports.ts';
import type { AuditEntry, PolicyVerdict } from '../../src/policy/index.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { until } from '../support/until.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { recordingEvents } from './fixtures/fakes.ts';
import { startDevice } from './fixtures/inProcess.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const broker: Broker = await startMosquitto();
  cleanups.push(() => broker.dispose());
  const centre: Centre = await startCentre(broker.url);
  cleanups.push(() => centre.stop());
  const keys = await generateKeyPair('EdDSA');
  return { broker, centre, keys };
}

describe('inbound payloads larger than the device takes', () => {
  it('are_never_delivered_over_mqtt_5_because_connect_announces_the_largest_packet', async () => {
    const { broker, centre, keys } = await world();
    const device = await startDevice('dev-big5', broker.url, keys.publicKey, {
      mqtt: { maxInboundBytes: 65_536 },
    });
    cleanups.push(() => device.dispose());
    await until(() => device.service.link.online, 'online');
    const seen: string[] = [];
    device.service.link.onMessage((suffix) => seen.push(suffix));
    await centre.client.publishAsync('nattsyn/v1/dev-big5/policy', 'x'.repeat(1 << 20), { qos: 1 });
    await centre.client.publishAsync('nattsyn/v1/dev-big5/cmd/ping', 'not a command', { qos: 1 });
    await until(() => seen.includes('cmd/ping'), 'the small message after it');
    expect(seen).toEqual(['cmd/ping']);
    expect(device.service.link.oversized).toBe(0);
    expect(device.service.link.connected).toBe(true);
  });

  it('are_dropped_unread_over_mqtt_3_1_1_before_any_handler_sees_them', async () => {
    const { broker, centre, keys } = await world();
    const device = await startDevice('dev-big4', broker.url, keys.publicKey, {
      mqtt: { maxInboundBytes: 65_536, protocolVersion: 4 },
    });
    cleanups.push(() => device.dispose());
    await until(() => device.service.link.online, 'online');
    const seen: string[] = [];
    device.service.link.onMessage((suffix) => seen.push(suffix));
    await centre.client.publishAsync('nattsyn/v1/dev-big4/policy', 'x'.repeat(1 << 20), { qos: 1 });
    await centre.client.publishAsync('nattsyn/v1/dev-big4/cmd/ping', 'not a command', { qos: 1 });
    await until(() => seen.includes('cmd/ping'), 'the small message after it');
    expect(seen).toEqual(['cmd/ping']);
    expect(device.service.link.oversized).toBe(1);
  });
});

describe('a flood of garbage commands through a real broker', () => {
  it('costs_a_bounded_queue_a_budget_of_answers_and_records_and_one_counted_record', async () => {
    const { broker, centre, keys } = await world();
    const device = await startDevice('dev-flood', broker.url, keys.publicKey);
    cleanups.push(() => device.dispose());
    await until(() => device.service.link.online, 'online');
    const before = device.audit.last.seq;
    let arrived = 0;
    device.service.link.onMessage(() => {
      arrived += 1;
    });
    const t0 = performance.now();
    let longest = 0;
    const watch = setInterval(() => {
      longest = Math.max(longest, device.service.parts.inbound.queue.length);
    }, 5);
    for (let i = 0; i < 10_000; i += 500)
      await Promise.all(
        Array.from({ length: 500 }, (_, j) =>
          centre.client.publishAsync('nattsyn/v1/dev-flood/cmd/ping', `garbage-${i + j}`, { qos: 1 }),
        ),
      );
    await until(
      () => arrived === 10_000 && device.service.parts.inbound.queue.length === 0,
      'the queue drained',
    );
    const drainedMs = performance.now() - t0;
    clearInterval(watch);
    await settle();
    const answers = centre.messages.filter((m) => m.topic === 'nattsyn/v1/dev-flood/cmd/ping/res').length;
    const records = device.audit.last.seq - before;
    console.log(
      JSON.stringify({ flood: 10_000, drainedMs: Math.round(drainedMs), longest, answers, records }),
    );
    expect(longest).toBeLessThanOrEqual(32);
    expect(answers).toBeLessThanOrEqual(20);
    expect(records).toBeLessThanOrEqual(20);
    expect(drainedMs).toBeLessThan(30_000);
    // Stopping writes what was counted: every refusal is in the audit trail, as a count.
    await device.service.parts.inbound.stop();
    const counted = (await device.audit.readAfter(before, 100)).filter((r) => r.code === 'cmd_rate_limited');
    const refused = counted.reduce((n, r) => n + Number(r.detail?.refused ?? 0), 0);
    const dropped = device.service.parts.inbound.queue.dropped;
    console.log(
      JSON.stringify({ answeredAndAudited: records, countedInOneRecord: refused, ofThemDropped: dropped }),
    );
    expect(counted).toHaveLength(1);
    expect(counted[0]!.detail).toMatchObject({ queue_full: dropped });
    expect(records + refused).toBe(10_000);
  });
});

describe('the inbound queue and refusal budget', () => {
  function handler(options: { maxQueued?: number } = {}) {
    const time = new ManualTime();
    const published: string[] = [];
    const audited: AuditEntry[] = [];
    let release: () => void = () => undefined;
    const applied: string[] = [];
    const inbound = new InboundHandler({
      deviceId: 'dev-1',
      link: {
        topics: topicsFor('dev-1'),
        onMessage: () => () => undefined,
        publish: async (topic) => void published.push(topic),
      },
      access: {
        windowState: () => ({ policyVersion: undefined }) as never,
        applyPolicy: async (jws) => {
          applied.push(jws);
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { ok: false, code: 'policy_malformed' } as PolicyVerdict;
        },
      },
      events: recordingEvents(),
      commands: new CommandRegistry(),
      commandKey: undefined as never,
      audit: { append: async (e) => void audited.push(e) },
      time,
      log: silentLogger,
      refusals: { perWindow: 3, windowMs: 10_000 },
      ...options,
    });
    return { inbound, time, published, audited, applied, release: () => release() };
  }

  it('keeps_at_most_max_waiting_and_only_the_newest_waiting_policy', async () => {
    const h = handler({ maxQueued: 8 });
    h.inbound.queue.push({ suffix: 'policy', text: 'p0', retained: false });
    await settle();
    expect(h.applied).toEqual(['p0']);
    for (let i = 1; i <= 5; i++) h.inbound.queue.push({ suffix: 'policy', text: `p${i}`, retained: false });
    for (let i = 0; i < 20; i++) h.inbound.queue.push({ suffix: 'cmd/ping', text: `c${i}`, retained: false });
    expect(h.inbound.queue.length).toBe(8);
    expect(h.inbound.queue).toMatchObject({ coalesced: 4, dropped: 13 });
    h.release();
    await settle();
    expect(h.applied).toEqual(['p0', 'p5']);
    h.release();
    await h.inbound.stop();
  });

  it('answers_and_audits_refusals_within_the_budget_and_counts_the_rest_in_one_record_per_window', async () => {
    const h = handler({ maxQueued: 100 });
    for (let i = 0; i < 10; i++) await h.inbound.handle('cmd/ping', `garbage-${i}`, false);
    expect(h.published).toHaveLength(3);
    expect(h.audited).toHaveLength(3);
    await h.time.run(10_000);
    expect(h.audited.at(-1)).toEqual({
      type: 'command',
      actor: 'centre',
      code: 'cmd_rate_limited',
      detail: { refused: 7, cmd_bad_signature: 7 },
    });
    await h.inbound.handle('cmd/ping', 'garbage-again', false);
    expect(h.published).toHaveLength(4);
    await h.inbound.stop();
    expect(h.time.pending).toBe(0);
  });
});
