import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../src/health/fleet.ts';
import { runMonitor } from '../../src/health/monitor.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';

const NOW = Date.parse('2026-11-23T20:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
let broker: Broker;
let centre: MqttClient;

const status = (state: string, policyVersion: number | null) =>
  JSON.stringify({ state, connection: 3, since: iso(NOW - 3600_000), policyVersion });
const health = (problems: string[], readiness: string, nextStartInH: number) =>
  JSON.stringify({
    ts: iso(NOW - 30_000),
    problems,
    readiness,
    policyVersion: 5,
    nextWindow: {
      id: 'night',
      start: iso(NOW + nextStartInH * 3600_000),
      end: iso(NOW + nextStartInH * 3600_000 + 1800_000),
    },
  });

beforeAll(async () => {
  broker = await startMosquitto();
  centre = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  const retained = { qos: 1 as const, retain: true };
  await centre.publishAsync('nattsyn/v1/dev-ok/status', status('online', 5), retained);
  await centre.publishAsync('nattsyn/v1/dev-ok/health', health([], 'ready', 6), retained);
  await centre.publishAsync('nattsyn/v1/dev-covered/status', status('online', 5), retained);
  await centre.publishAsync(
    'nattsyn/v1/dev-covered/health',
    health(['camera_covered'], 'at_risk', 5),
    retained,
  );
  await centre.publishAsync('nattsyn/v1/dev-silent/status', status('offline', 3), retained);
  await centre.publishAsync('nattsyn/v1/dev-stopped/status', status('stopped', null), retained);
  await centre.publishAsync('nattsyn/v1/dev-gone/status', status('offline', 2), retained);
  await centre.publishAsync('nattsyn/v1/dev-gap/status', status('online', 5), retained);
  await centre.publishAsync('nattsyn/v1/dev-gap/health', health([], 'ready', 30), retained);
  await centre.publishAsync('nattsyn/v1/dev-stale/status', status('online', 4), retained);
});

afterAll(async () => {
  await centre.endAsync();
  await broker.dispose();
});

/** Runs the monitor; `whileListening` publishes live (non-retained) traffic once it has subscribed. */
async function monitor(args: string[], whileListening: () => Promise<void> = async () => undefined) {
  let out = '';
  let err = '';
  const code = await runMonitor(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    now: () => NOW,
    connect: (url, options) => {
      const client = mqtt.connect(url, options);
      client.on('packetreceive', (packet) => {
        if (packet.cmd === 'suback') void whileListening();
      });
      return client;
    },
  });
  return { code, out, err };
}

describe('nattsyn monitor', () => {
  it('lists every device with the ones needing a visit tonight first, and flags what went wrong', async () => {
    const { code, out } = await monitor(['--mqtt', broker.url, '--json', '--wait', '1'], async () => {
      for (const seq of [1, 2, 4]) {
        await centre.publishAsync('nattsyn/v1/dev-gap/audit', JSON.stringify({ seq, type: 'grant' }), {
          qos: 1,
        });
      }
      await centre.publishAsync(
        'nattsyn/v1/dev-gone/event',
        JSON.stringify({ eventId: 'e-1', seq: 7, code: 'decommissioned', ts: iso(NOW) }),
        { qos: 1 },
      );
    });
    expect(code).toBe(0);
    const devices = JSON.parse(out) as DeviceView[];
    const byId = Object.fromEntries(devices.map((d) => [d.deviceId, d]));
    expect(
      devices
        .slice(0, 2)
        .map((d) => d.deviceId)
        .sort(),
    ).toEqual(['dev-covered', 'dev-silent']);
    expect(byId['dev-silent']!.flags).toEqual(['silent', 'supervision_lost']);
    expect(byId['dev-gone']!.flags).toEqual(['silent']);
    expect(byId['dev-stopped']!.flags).toEqual([]);
    expect(byId['dev-gap']!.flags).toEqual(['audit_gap']);
    expect(byId['dev-stale']!.flags).toEqual(['no_health', 'supervision_lost']);
    expect(byId['dev-covered']).toMatchObject({
      problems: ['camera_covered'],
      readiness: 'at_risk',
      needsVisit: true,
    });
    expect(byId['dev-ok']).toMatchObject({ status: 'online', needsVisit: false, flags: [] });
  });

  it('prints a table for a person', async () => {
    const { code, out } = await monitor(['--mqtt', broker.url, '--wait', '0.5']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^DEVICE\s+STATUS\s+LAST SEEN\s+PROBLEMS\s+NEXT WINDOW\s+READINESS\s+FLAGS/);
    expect(lines[1]).toMatch(/TONIGHT$/);
    expect(lines).toHaveLength(8);
  });

  it('exits 2 on a usage error', async () => {
    expect((await monitor(['--wait', '1'])).code).toBe(2);
    expect((await monitor(['--mqtt', broker.url, '--bogus'])).code).toBe(2);
  });
});
