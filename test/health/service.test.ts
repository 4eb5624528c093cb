import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand } from '../../src/health/commands.ts';
import { signPolicy } from '../../src/policy/index.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { keyframes, SOURCES } from '../fixtures/h264.ts';
import { localHhmm } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { startDevice } from './fixtures/inProcess.ts';
import { checkedKinds, invalidMessages } from './fixtures/schemaCheck.ts';
import { spawnDevice } from './fixtures/spawnDevice.ts';

/** How long the broker stays down, on the device's clock, in the crash-during-outage test. */
const OUTAGE_MS = 1500;

let broker: Broker;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let stateRoot: string;
const centres: Centre[] = [];

async function centre(options: Parameters<typeof startCentre>[1] = {}): Promise<Centre> {
  const c = await startCentre(broker.url, options);
  centres.push(c);
  return c;
}

const of = (c: Centre, deviceId: string, kind: string) =>
  c.messages.filter((m) => m.topic === `nattsyn/v1/${deviceId}/${kind}`).map((m) => JSON.parse(m.text));

function firstArrivals(seqs: number[]): number[] {
  const seen = new Set<number>();
  return seqs.filter((s) => !seen.has(s) && seen.add(s));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Six hours from now: no readiness check can fall due during the test, whatever the time of day.
const policy = (deviceId: string, version: number) =>
  signPolicy(
    {
      deviceId,
      version,
      issuedAt: new Date().toISOString(),
      windows: [
        {
          id: 'night',
          start: localHhmm('Europe/Stockholm', Date.now() + 6 * 3600_000),
          durationMinutes: 30,
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        },
      ],
    },
    keys.privateKey,
  );

beforeAll(async () => {
  broker = await startMosquitto({ persistence: true });
  keys = await generateKeyPair('EdDSA', { extractable: true });
  stateRoot = await mkdtemp(join(tmpdir(), 'nattsyn-svc-'));
});

afterAll(async () => {
  for (const c of centres) await c.stop();
  await broker.dispose();
  await rm(stateRoot, { recursive: true, force: true });
});

describe('health service against a real mosquitto', () => {
  it('leaves a retained online status with inventory and a retained health with message expiry', async () => {
    const live = await centre();
    const device = await startDevice('dev-online', broker.url, keys.publicKey);
    await live.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-online/status'));
    const order = live.messages
      .filter((m) => m.topic.startsWith('nattsyn/v1/dev-online/'))
      .map((m) => m.topic.split('/')[3]);
    // Online only once announced: inventory, a first health and the schedule come first.
    expect(order.slice(0, 4)).toEqual(['info', 'health', 'schedule', 'status']);
    const late = await centre();
    await late.waitFor((m) =>
      ['status', 'info', 'health'].every((k) => m.some((x) => x.topic === `nattsyn/v1/dev-online/${k}`)),
    );
    const retained = late.messages.filter((m) => m.topic.startsWith('nattsyn/v1/dev-online/'));
    expect(retained.every((m) => m.retain)).toBe(true);
    expect(of(late, 'dev-online', 'status')[0]).toMatchObject({ state: 'online', connection: 1 });
    expect(of(late, 'dev-online', 'info')[0]).toMatchObject({
      deviceId: 'dev-online',
      software: { name: 'nattsyn' },
    });
    expect(of(late, 'dev-online', 'info')[0].network.length).toBeGreaterThan(0);
    const health = late.messages.find((m) => m.topic.endsWith('dev-online/health'))!;
    expect(health.expiry).toBeGreaterThan(0);
    expect(health.expiry).toBeLessThanOrEqual(180);
    await device.dispose();
    await live.waitFor((m) =>
      m.some((x) => x.topic.endsWith('dev-online/status') && x.text.includes('stopped')),
    );
  });

  it('reports a covered lens from the live camera as an event and in the retained health', async () => {
    const watch = await centre();
    const camera = new FakeCamera({ units: await keyframes(SOURCES.black, 1) });
    const device = await startDevice('dev-cam', broker.url, keys.publicKey, { camera });
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-cam/status' && x.text.includes('online')),
    );
    await camera.start();
    camera.play();
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-cam/event' && x.text.includes('camera_covered')),
    );
    await watch.waitFor(() =>
      of(watch, 'dev-cam', 'health').some((h) => h.problems.includes('camera_covered')),
    );
    expect(of(watch, 'dev-cam', 'health').at(-1).frames).toMatchObject({ covered: true });
    await device.dispose();
  });

  it('kill -9 of the service makes the broker publish offline with that connection counter', async () => {
    const watch = await centre();
    const device = await spawnDevice({
      deviceId: 'dev-kill',
      url: broker.url,
      stateDir: join(stateRoot, 'kill'),
      policyKey: await exportJWK(keys.publicKey),
    });
    await device.waitForLine((l) => l === 'online');
    await device.kill9();
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-kill/status' && x.text.includes('offline')),
    );
    const states = of(watch, 'dev-kill', 'status');
    expect(states.map((s) => s.state)).toEqual(['online', 'offline']);
    expect(states[1].connection).toBe(states[0].connection);
  });

  // Issue 4 asks for a 60 s outage: long enough for the production back-off (1 s doubling to a
  // 60 s cap) to reach its cap. The device's clock is driven: 60 s of back-off pass, every attempt
  // really refused by the stopped broker, without the test sleeping through them.
  it('delivers all 100 audit records appended while the broker was down 60 s, in order and without a gap', async () => {
    const persistent = await centre({
      clientId: 'centre-outage',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    const device = await spawnDevice({
      deviceId: 'dev-outage',
      url: broker.url,
      stateDir: join(stateRoot, 'outage'),
      policyKey: await exportJWK(keys.publicKey),
      backoff: { initialMs: 1000, maxMs: 60_000 },
      manualTime: true,
    });
    await device.waitForLine((l) => l === 'online');
    await broker.stop();
    device.send('append 100');
    await device.waitForLine((l) => l === 'appended 100');
    device.send('outage 60000');
    const waited = await device.waitForLine((l) => l.startsWith('waited '));
    expect(Number(waited.split(' ')[1])).toBeGreaterThanOrEqual(60_000);
    await broker.start();
    device.send('reconnect');
    await persistent.waitFor(
      (m) => m.filter((x) => x.topic === 'nattsyn/v1/dev-outage/audit').length >= 100,
      90_000,
    );
    const seqs = of(persistent, 'dev-outage', 'audit').map((r) => r.seq as number);
    expect(firstArrivals(seqs)).toEqual(range(1, 100));
    await device.stop();
  });

  it('loses none when the service is killed -9 during the outage and restarted', async () => {
    const persistent = await centre({
      clientId: 'centre-crash',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    const args = {
      deviceId: 'dev-crash',
      url: broker.url,
      stateDir: join(stateRoot, 'crash'),
      policyKey: await exportJWK(keys.publicKey),
      manualTime: true,
    };
    const first = await spawnDevice(args);
    await first.waitForLine((l) => l === 'online');
    await broker.stop();
    first.send('append 50');
    await first.waitForLine((l) => l === 'appended 50');
    await first.kill9();
    const second = await spawnDevice(args);
    second.send('append 50');
    await second.waitForLine((l) => l === 'appended 100');
    second.send(`outage ${OUTAGE_MS}`);
    await second.waitForLine((l) => l.startsWith('waited '));
    await broker.start();
    second.send('reconnect');
    await persistent.waitFor(
      (m) => m.filter((x) => x.topic === 'nattsyn/v1/dev-crash/audit').length >= 100,
      30_000,
    );
    const records = of(persistent, 'dev-crash', 'audit');
    expect(firstArrivals(records.map((r) => r.seq))).toEqual(range(1, 100));
    for (let i = 1; i < records.length; i++) {
      if (records[i].seq === records[i - 1].seq + 1) expect(records[i].prev).toBe(records[i - 1].hash);
    }
    await second.stop();
  });

  it('never executes a retained command but answers a live one', async () => {
    const watch = await centre();
    const command = (id: string, name = 'ping') =>
      signCommand(
        {
          deviceId: 'dev-cmd',
          name,
          id,
          issuedAt: new Date().toISOString(),
          expiry: new Date(Date.now() + 60_000).toISOString(),
        },
        keys.privateKey,
      );
    await watch.client.publishAsync('nattsyn/v1/dev-cmd/cmd/ping', await command('retained-1'), {
      qos: 1,
      retain: true,
    });
    let ran = 0;
    const device = await startDevice('dev-cmd', broker.url, keys.publicKey);
    device.service.commands.register('ping', async () => ({ pong: true, ran: ++ran }));
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-cmd/status' && x.text.includes('online')),
    );
    // Commands are handled in arrival order: once a later one is answered, the retained one was seen.
    await watch.client.publishAsync('nattsyn/v1/dev-cmd/cmd/barrier', await command('barrier-1', 'barrier'), {
      qos: 1,
    });
    await watch.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-cmd/cmd/barrier/res'));
    expect(ran).toBe(0);
    await watch.client.publishAsync('nattsyn/v1/dev-cmd/cmd/ping', await command('live-0001'), { qos: 1 });
    await watch.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-cmd/cmd/ping/res'));
    expect(of(watch, 'dev-cmd', 'cmd/ping/res')).toEqual([
      expect.objectContaining({ id: 'live-0001', ok: true, result: { pong: true, ran: 1 } }),
    ]);
    await watch.client.publishAsync('nattsyn/v1/dev-cmd/cmd/ping', await command('live-0001'), { qos: 1 });
    await watch.waitFor((m) => m.filter((x) => x.topic.endsWith('dev-cmd/cmd/ping/res')).length === 2);
    expect(of(watch, 'dev-cmd', 'cmd/ping/res')[1]).toMatchObject({ ok: false, code: 'cmd_replayed' });
    await watch.client.publishAsync('nattsyn/v1/dev-cmd/cmd/ping', '', { qos: 1, retain: true });
    await device.dispose();
  });

  it('answers a policy for another device or with an old version with policy_rejected', async () => {
    const watch = await centre();
    const device = await startDevice('dev-policy', broker.url, keys.publicKey);
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-policy/status' && x.text.includes('online')),
    );
    const topic = 'nattsyn/v1/dev-policy/policy';
    await watch.client.publishAsync(topic, await policy('dev-policy', 2), { qos: 1 });
    await watch.waitFor((m) =>
      m.some((x) => x.topic.endsWith('dev-policy/event') && x.text.includes('policy_updated')),
    );
    await watch.client.publishAsync(topic, await policy('dev-other', 3), { qos: 1 });
    await watch.client.publishAsync(topic, await policy('dev-policy', 1), { qos: 1 });
    await watch.waitFor((m) => m.filter((x) => x.topic.endsWith('dev-policy/event')).length >= 3);
    const events = of(watch, 'dev-policy', 'event');
    expect(events.map((e) => [e.code, e.detail])).toEqual([
      ['policy_updated', { version: 2 }],
      ['policy_rejected', { code: 'policy_wrong_device' }],
      ['policy_rejected', { code: 'policy_rollback' }],
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await watch.waitFor((m) =>
      m.some((x) => x.topic.endsWith('dev-policy/audit') && x.text.includes('policy_rollback')),
    );
    await device.dispose();
  });

  it('publishes only payloads that validate against the committed JSON Schemas', () => {
    const all = centres.flatMap((c) => c.messages);
    expect(checkedKinds(all)).toEqual(
      new Set(['status', 'info', 'health', 'event', 'audit', 'res', 'schedule']),
    );
    expect(invalidMessages(all)).toEqual([]);
  });
});
