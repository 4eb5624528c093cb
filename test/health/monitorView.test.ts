/**
 * Issue 9, item 12: what a person at the monitoring centre reads in `nattsyn monitor`: local times
 * with their offset, `--watch` redrawn in place on a terminal (appended otherwise), the care-plan
 * reference from the retained registration, and a device that died while supervised kept on the
 * visit list by a monitor started after its health expired.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../src/health/fleet.ts';
import { frame } from '../../src/health/fleetTable.ts';
import { runMonitor } from '../../src/health/monitor.ts';
import { signPolicy } from '../../src/policy/index.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { startCentre } from './fixtures/centre.ts';
import { spawnDevice } from './fixtures/spawnDevice.ts';

const NOW = Date.parse('2026-11-23T20:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const retained = { qos: 1 as const, retain: true };
const ESC = '\x1b';
let broker: Broker;
let centre: MqttClient;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let stateRoot: string;

const policy = (deviceId: string, version: number) =>
  signPolicy(
    {
      deviceId,
      version,
      issuedAt: new Date().toISOString(),
      windows: [
        { id: 'night', start: '02:30', durationMinutes: 30, days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      ],
    },
    keys.privateKey,
  );

beforeAll(async () => {
  broker = await startMosquitto();
  keys = await generateKeyPair('EdDSA', { extractable: true });
  stateRoot = await mkdtemp(join(tmpdir(), 'nattsyn-monitor-view-'));
  centre = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  await centre.publishAsync(
    'nattsyn/v1/dev-room/status',
    JSON.stringify({ state: 'online', connection: 2, since: iso(NOW - 3600_000), policyVersion: 5 }),
    retained,
  );
  await centre.publishAsync(
    'nattsyn/v1/dev-room/health',
    JSON.stringify({
      ts: iso(NOW - 30_000),
      problems: [],
      readiness: 'ready',
      policyVersion: 5,
      nextWindow: { id: 'night', start: '2026-11-24T01:30:00.000Z', end: '2026-11-24T02:00:00.000Z' },
    }),
    retained,
  );
  await centre.publishAsync(
    'nattsyn/v1/dev-room/registration',
    JSON.stringify({ schema: 'nattsyn/registration/1', carePlanRef: 'VP-2026-00417' }),
    retained,
  );
});

afterAll(async () => {
  await centre.endAsync();
  await broker.dispose();
  await rm(stateRoot, { recursive: true, force: true });
});

async function monitor(args: string[], io: { tty?: boolean; frames?: number } = {}) {
  let out = '';
  let printed = 0;
  const stop = new AbortController();
  const code = await runMonitor(['--mqtt', broker.url, ...args], {
    out: (t) => {
      out += t;
      if (++printed >= (io.frames ?? 1)) stop.abort();
    },
    err: (t) => {
      out += t;
    },
    now: () => NOW,
    signal: stop.signal,
    ...(io.tty === undefined ? {} : { tty: io.tty }),
  });
  return { code, out };
}

const byId = (out: string) =>
  Object.fromEntries((JSON.parse(out) as DeviceView[]).map((d) => [d.deviceId, d]));

describe('nattsyn monitor for a person', () => {
  it('shows last seen and next window in local time with the UTC offset, never bare UTC', async () => {
    const { code, out } = await monitor(['--wait', '0.3', '--tz', 'Europe/Stockholm']);
    expect(code).toBe(0);
    const row = out.split('\n').find((l) => l.startsWith('dev-room '))!;
    expect(row).toContain('2026-11-23 20:59:30 +01:00');
    expect(row).toContain('2026-11-24 02:30 +01:00');
    expect(row).not.toContain('19:59:30');
    const tokyo = await monitor(['--wait', '0.3', '--tz', 'Asia/Tokyo']);
    expect(tokyo.out).toContain('2026-11-24 04:59:30 +09:00');
    expect((await monitor(['--wait', '0.3', '--tz', 'Mars/Olympus'])).code).toBe(2);
  });

  it('adds the care-plan reference from the retained registration', async () => {
    const { out } = await monitor(['--wait', '0.3', '--tz', 'UTC']);
    const [header, ...rows] = out.trim().split('\n');
    expect(header).toMatch(/FLAGS\s+CARE PLAN\s+ARCHIVE\s+VISIT$/);
    expect(rows.find((l) => l.startsWith('dev-room '))).toMatch(/\sVP-2026-00417\s+-$/);
    expect(byId((await monitor(['--wait', '0.3', '--json'])).out)['dev-room']).toMatchObject({
      carePlanRef: 'VP-2026-00417',
    });
  });

  it('redraws --watch in place on a terminal: one screen clear, then home, overwrite, erase below', async () => {
    const { code, out } = await monitor(['--wait', '0.2', '--watch', '--tz', 'UTC'], {
      tty: true,
      frames: 3,
    });
    expect(code).toBe(0);
    const frames = out.split('\x1b[H').slice(1);
    expect(frames).toHaveLength(3);
    expect(out.split(`${ESC}[2J`)).toHaveLength(2);
    for (const f of frames) {
      const [title, header] = f.split('\n');
      expect(title).toMatch(/^nattsyn monitor {2}2026-11-23 20:00:00 \+00:00 UTC {2}\d+ devices/);
      expect(title!.endsWith(`${ESC}[K`)).toBe(true);
      expect(header).toMatch(/^DEVICE /);
      expect(f.endsWith(`\n${ESC}[J`)).toBe(true);
    }
  });

  it('cuts a redrawn frame to the terminal height, keeping the title, header and first rows', () => {
    const text = ['title', 'DEVICE', 'visit-1', 'visit-2', 'other-1', 'other-2'].join('\n');
    const lines = frame(text, false, 5)
      .split('\n')
      .map((l) => l.replace(`${ESC}[H`, '').replace(`${ESC}[K`, ''));
    expect(lines).toEqual([
      'title',
      'DEVICE',
      'visit-1',
      '… 3 more not shown: a taller terminal, or --json, shows all',
      `${ESC}[J`,
    ]);
    expect(frame(text, false, 40).split('\n')).toHaveLength(7);
  });

  it('appends --watch frames without escape sequences where stdout is not a terminal', async () => {
    const { out } = await monitor(['--wait', '0.2', '--watch', '--tz', 'UTC'], { tty: false, frames: 2 });
    expect(out).not.toContain('\x1b');
    expect(out.match(/^DEVICE /gm)).toHaveLength(2);
    expect(out.match(/^nattsyn monitor /gm)).toHaveLength(2);
  });

  it('keeps a device on the visit list whose Last Will carries no policy version but whose policy is retained', async () => {
    // What a device armed before its first policy arrived leaves behind once its health expired.
    await centre.publishAsync(
      'nattsyn/v1/dev-old-will/status',
      JSON.stringify({ state: 'offline', connection: 4, since: iso(NOW - 7200_000), policyVersion: null }),
      retained,
    );
    await centre.publishAsync('nattsyn/v1/dev-old-will/policy', await policy('dev-old-will', 3), retained);
    const d = byId((await monitor(['--wait', '0.5', '--json'])).out)['dev-old-will']!;
    expect(d).toMatchObject({ policyVersion: 3, needsVisit: true, flags: ['silent', 'supervision_lost'] });
    await centre.publishAsync('nattsyn/v1/dev-old-will/status', '', retained);
    await centre.publishAsync('nattsyn/v1/dev-old-will/policy', '', retained);
  });
});

describe('a device that dies while supervised', () => {
  it('leaves a Last Will with the policy it received after connecting, and a fresh monitor sends someone', async () => {
    const watch = await startCentre(broker.url);
    const device = await spawnDevice({
      deviceId: 'dev-dies',
      url: broker.url,
      stateDir: join(stateRoot, 'dies'),
      policyKey: await exportJWK(keys.publicKey),
    });
    await device.waitForLine((l) => l === 'online');
    // The centre publishes the resident's first policy once the device is connected (docs/install.md).
    await watch.client.publishAsync('nattsyn/v1/dev-dies/policy', await policy('dev-dies', 2), { qos: 1 });
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-dies/status' && x.text.includes('"policyVersion":2')),
    );
    await device.kill9();
    await watch.waitFor((m) =>
      m.some((x) => x.topic === 'nattsyn/v1/dev-dies/status' && x.text.includes('offline')),
    );
    const will = (watch.json('dev-dies/status') as { state: string; policyVersion: number | null }[]).at(-1)!;
    expect(will).toMatchObject({ state: 'offline', policyVersion: 2 });
    await watch.stop();
    // A monitor started afterwards, with the device's retained health gone (as once it expired).
    await centre.publishAsync('nattsyn/v1/dev-dies/health', '', retained);
    const d = byId((await monitor(['--wait', '0.5', '--json'])).out)['dev-dies']!;
    expect(d).toMatchObject({ status: 'offline', policyVersion: 2, needsVisit: true });
    expect(d.flags).toContain('supervision_lost');
    for (const leaf of ['status', 'info'])
      await centre.publishAsync(`nattsyn/v1/dev-dies/${leaf}`, '', retained);
  });
});
