/**
 * Delivery that a real broker blocks (issue 9 item 5), with the device on a manual clock: a broker
 * whose ACL refuses the audit records (PUBACK 0x87) is logged at warn and shows in health as a
 * backlog with its problem code; a broker that stops answering (SIGSTOP: the connection stays open,
 * no PUBACK ever comes) has its connection dropped once a PUBACK is overdue, and the records go out
 * when it answers again.
 */
import { generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { healthConfigSchema } from '../../src/health/config.ts';
import { silentLogger } from '../../src/platform/ports.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { until } from '../support/until.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { startDevice, type TestDevice } from './fixtures/inProcess.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(deviceId: string, acl?: string) {
  const broker: Broker = await startMosquitto(acl === undefined ? {} : { acl });
  cleanups.push(() => broker.dispose());
  const centre: Centre = await startCentre(broker.url);
  cleanups.push(() => centre.stop());
  const time = new ManualTime();
  const warnings: Array<Record<string, unknown> & { msg: string }> = [];
  const log = {
    ...silentLogger,
    warn: (o: object, msg?: string) => void warnings.push({ ...o, msg: msg ?? '' }),
  };
  const keys = await generateKeyPair('EdDSA');
  const device: TestDevice = await startDevice(deviceId, broker.url, keys.publicKey, {
    time,
    log,
    random: () => 0,
    mqtt: { auditAckWaitMs: 30_000, pubackTimeoutMs: 20_000 },
    health: healthConfigSchema.parse({ auditBacklogRecords: 2 }),
  });
  cleanups.push(() => device.dispose());
  await until(() => device.service.link.online, 'online');
  return { broker, centre, time, warnings, device };
}

describe('blocked delivery is reported', () => {
  it('warns_on_refused_audit_records_and_publishes_the_backlog_with_audit_backlog', async () => {
    const { centre, time, warnings, device } = await world(
      'dev-acl',
      'topic readwrite nattsyn/v1/#\ntopic deny nattsyn/v1/dev-acl/audit',
    );
    for (let i = 0; i < 3; i++) await device.audit.append({ type: 'deny', actor: 'staff-1', code: 'paused' });
    await until(() => warnings.some((w) => w.reasonCode === 0x87), 'a refusal logged', 10_000);
    expect(warnings.find((w) => w.reasonCode === 0x87)).toMatchObject({
      msg: expect.stringContaining('refused'),
    });
    await time.run(10_000);
    await centre.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-acl/health' && x.text.includes('audit_backlog')),
    );
    const health = centre.json('dev-acl/health').at(-1) as { audit: unknown; problems: string[] };
    expect(health.problems).toContain('audit_backlog');
    expect(health.audit).toMatchObject({ writable: true, acknowledgedSeq: 0, undelivered: 3 });
    await centre.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-acl/event' && x.text.includes('audit_backlog')),
    );
    // Tried again after the ack wait, refused again, warned again.
    const refusals = warnings.filter((w) => w.reasonCode === 0x87).length;
    await time.run(30_000);
    await until(() => warnings.filter((w) => w.reasonCode === 0x87).length > refusals, 'a second refusal');
    expect(centre.messages.some((m) => m.topic === 'nattsyn/v1/dev-acl/audit')).toBe(false);
  });

  it('drops_a_connection_whose_puback_is_overdue_and_delivers_once_the_broker_answers', async () => {
    const { broker, centre, time, warnings, device } = await world('dev-hung');
    const { link } = device.service;
    broker.pause();
    cleanups.push(async () => broker.resume());
    await device.audit.append({ type: 'grant', actor: 'staff-1', sessionId: 's-1' });
    // The record goes out after real disk reads: move the clock only once it is in flight.
    await until(() => link.inFlight > 0, 'the record in flight');
    expect(link.connected).toBe(true);
    await time.run(19_999);
    expect(link.connected).toBe(true);
    await time.run(1);
    await until(() => !link.connected, 'the connection dropped', 10_000);
    expect(link.pubackTimeouts).toBe(1);
    expect(warnings).toContainEqual(
      expect.objectContaining({ msg: 'PUBACK overdue; dropping the connection' }),
    );
    broker.resume();
    while (!link.online) {
      const next = await Promise.race([time.next('mqtt-reconnect'), settle(50).then(() => undefined)]);
      if (next && !link.online) time.advance(next.inMs);
    }
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-hung/audit'));
  });
});
