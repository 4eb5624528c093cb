import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/health/index.ts';
import { decommissionedEventSchema, type Publish } from '../../src/install/brokerSession.ts';
import { runWipe, type WipeIo } from '../../src/install/cliWipe.ts';
import { runProcess } from '../../src/install/process.ts';
import { register } from '../../src/install/registration.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { ed25519, makeCa, type TestCa } from './pki.ts';

let top: string;
let ca: TestCa;
let device: string;
let stateDir: string;
let configFile: string;
let deviceId: string;
let published: { topic: string; payload: string; retain: boolean }[];

beforeAll(async () => {
  top = await mkdtemp(path.join(tmpdir(), 'nattsyn-wipe-'));
  await mkdir(path.join(top, 'ca'));
  ca = await makeCa(path.join(top, 'ca'));
});
afterAll(() => rm(top, { recursive: true, force: true }));

/** A registered device with a certificate, a config and an audit log of `records`, `delivered` of them acked. */
async function device_(records: number, delivered: number): Promise<void> {
  device = await mkdtemp(path.join(top, 'device-'));
  stateDir = path.join(device, 'var/lib/nattsyn');
  configFile = path.join(device, 'etc/nattsyn/config.json');
  await mkdir(path.dirname(configFile), { recursive: true });
  await writeFile(configFile, '{}\n');
  const input = {
    carePlanRef: 'VP-2026-00417',
    issuer: 'https://idp.example',
    issuerKeysPem: [ed25519().publicPem],
    policyKeyPem: ed25519().publicPem,
    brokerUrl: 'mqtts://127.0.0.1:8883',
    brokerCaPem: ca.caPem,
  };
  const deps = { stateDir, run: runProcess, now: () => new Date() };
  const first = await register(input, deps);
  await register({ ...input, certPem: await ca.sign(first.csrPem) }, deps);
  deviceId = first.registration.deviceId;
  const audit = await openAudit();
  for (let i = 0; i < records; i++) {
    const r = await audit.append({ type: 'grant', actor: `staff-${i}` });
    if (r.seq <= delivered) await audit.markDelivered(r);
  }
}

async function openAudit(): Promise<AuditLog> {
  const audit = new AuditLog({
    store: new FsStore(stateDir),
    sha256: sha256Hex,
    time: systemTime,
  });
  await audit.open();
  return audit;
}

/** `events` raised in health's event queue, the first `delivered` of them acked by the broker. */
async function events_(events: number, delivered: number): Promise<void> {
  const queue = new EventQueue({ store: new FsStore(stateDir) });
  for (let i = 0; i < events; i++) {
    const e = await queue.raise('camera_covered');
    if (e.seq <= delivered) await queue.markDelivered(e);
  }
}

function io(
  options: { active?: boolean; publish?: Publish | 'fail'; broker?: 'down'; homeAssistant?: string } = {},
): WipeIo & { printed: string[]; errors: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const publish: Publish =
    options.publish === 'fail'
      ? async () => {
          throw new Error('connection refused');
        }
      : (options.publish ??
        (async (topic, payload, o) => {
          published.push({ topic, payload, retain: o.retain });
        }));
  return {
    printed: out,
    errors: err,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stateDir,
    configFiles: [configFile],
    openAudit,
    connect: async () => {
      if (options.broker === 'down') throw new Error('connection refused');
      return { publish, close: async () => {} };
    },
    serviceActive: async () => options.active ?? false,
    now: () => new Date('2026-11-23T13:00:00Z'),
    homeAssistantPrefix: options.homeAssistant,
  };
}

/** Every file under the device's scratch root. */
async function files(): Promise<string[]> {
  return (await readdir(device, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every file under the device's scratch root with its content: a refused wipe changes none. */
async function contents(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await files()).sort()) out.set(f, await readFile(f, 'utf8'));
  return out;
}

beforeEach(() => {
  published = [];
});

describe('nattsyn wipe', () => {
  it('removes every key, certificate, registration, audit record and the config, and announces it', async () => {
    await device_(3, 3);
    const t = io();
    expect(await runWipe(['--confirm', deviceId.toLowerCase()], t)).toBe(0);
    expect(await files()).toEqual([]);
    expect(published[0]).toMatchObject({ topic: `nattsyn/v1/${deviceId}/event`, retain: false });
    expect(decommissionedEventSchema.parse(JSON.parse(published[0]!.payload))).toMatchObject({
      code: 'decommissioned',
      seq: 1,
    });
    expect(published.slice(1).every((p) => p.retain && p.payload === '')).toBe(true);
    expect(published.map((p) => p.topic)).toContain(`nattsyn/v1/${deviceId}/registration`);
  });

  it('refuses a device id that was not typed back correctly, and removes nothing', async () => {
    await device_(1, 1);
    const before = await files();
    const t = io();
    expect(await runWipe(['--confirm', 'AAAA-BBBB-CCCC'], t)).toBe(2);
    expect(t.errors.join('')).toMatch(/does not match/);
    expect(await files()).toEqual(before);
  });

  it('asks for the device id at the prompt when --confirm is left out', async () => {
    await device_(0, 0);
    const t = { ...io(), prompt: async () => deviceId };
    expect(await runWipe([], t)).toBe(0);
    expect(await runWipe([], { ...io(), prompt: undefined })).toBe(2);
  });

  it('refuses while the service runs', async () => {
    await device_(1, 1);
    const t = io({ active: true });
    expect(await runWipe(['--confirm', deviceId], t)).toBe(1);
    expect(t.errors.join('')).toMatch(/service_running/);
  });

  it('refuses while audit records are undelivered, and removes nothing', async () => {
    await device_(5, 3);
    const before = await files();
    const t = io();
    expect(await runWipe(['--confirm', deviceId], t)).toBe(1);
    expect(t.errors.join('')).toMatch(/audit_undelivered: 2 audit records/);
    expect(await files()).toEqual(before);
    expect(published).toEqual([]);
  });

  it('with --force exports the whole audit log first, including the decommissioning', async () => {
    await device_(5, 3);
    const exportFile = path.join(top, `export-${deviceId}.jsonl`);
    expect(await runWipe(['--confirm', deviceId, '--force'], io())).toBe(2);
    expect(
      await runWipe(['--confirm', deviceId, '--force', '--export', path.join(stateDir, 'x')], io()),
    ).toBe(2);
    expect(await runWipe(['--confirm', deviceId, '--force', '--export', exportFile], io())).toBe(0);
    const lines = (await readFile(exportFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.at(-1)).toMatchObject({
      type: 'decommissioned',
      detail: { undelivered: 2, undeliveredEvents: 0, force: true },
    });
    expect(await files()).toEqual([]);
  });

  it('keeps everything, to the byte, when the broker does not take the announcement, unless forced', async () => {
    await device_(1, 1);
    const before = await contents();
    const down = io({ broker: 'down' });
    expect(await runWipe(['--confirm', deviceId], down)).toBe(1);
    expect(down.errors.join('')).toMatch(/broker_unreachable: no broker connection/);
    const t = io({ publish: 'fail' });
    expect(await runWipe(['--confirm', deviceId], t)).toBe(1);
    expect(t.errors.join('')).toMatch(/broker_unreachable/);
    expect(await contents()).toEqual(before);
    const forced = io({ publish: 'fail' });
    expect(await runWipe(['--confirm', deviceId, '--force'], forced)).toBe(0);
    expect(forced.printed.join('')).toMatch(/broker was not reached/);
    expect(await files()).toEqual([]);
  });

  it('announces nothing and removes nothing when the export cannot be written', async () => {
    await device_(5, 3);
    const before = await contents();
    const blocker = path.join(top, `not-a-folder-${deviceId}`);
    await writeFile(blocker, 'a file where the export folder should be\n');
    const t = io();
    const exportFile = path.join(blocker, 'audit.jsonl');
    expect(await runWipe(['--confirm', deviceId, '--force', '--export', exportFile], t)).toBe(1);
    expect(t.errors.join('')).toMatch(/export_failed: .*nothing was announced or removed/);
    expect(published).toEqual([]);
    expect(await contents()).toEqual(before);
  });

  it('refuses while events are undelivered, and announces the next event seq when forced', async () => {
    await device_(1, 1);
    await events_(4, 2);
    const before = await contents();
    const t = io();
    expect(await runWipe(['--confirm', deviceId], t)).toBe(1);
    expect(t.errors.join('')).toMatch(/events_undelivered: 2 events have not reached/);
    expect(published).toEqual([]);
    expect(await contents()).toEqual(before);
    expect(await runWipe(['--confirm', deviceId, '--force'], io())).toBe(0);
    expect(JSON.parse(published[0]!.payload)).toMatchObject({ code: 'decommissioned', seq: 5 });
    expect(await files()).toEqual([]);
  });

  it('clears the retained Home Assistant discovery configs when the config enables discovery', async () => {
    await device_(1, 1);
    expect(await runWipe(['--confirm', deviceId], io({ homeAssistant: 'homeassistant' }))).toBe(0);
    const cleared = published.filter((p) => p.retain && p.payload === '').map((p) => p.topic);
    expect(cleared).toEqual(
      expect.arrayContaining([
        `homeassistant/binary_sensor/${deviceId}/connectivity/config`,
        `homeassistant/binary_sensor/${deviceId}/problem/config`,
        `homeassistant/sensor/${deviceId}/temperature/config`,
        `homeassistant/sensor/${deviceId}/camera/config`,
        `homeassistant/sensor/${deviceId}/next_window/config`,
      ]),
    );
    expect(cleared).toContain(`nattsyn/v1/${deviceId}/registration`);
  });

  it('reads the discovery prefix from the config, and none when discovery is off', async () => {
    const { homeAssistantPrefixOf } = await import('../../src/install/verbs.ts');
    await device_(0, 0);
    const write = (mqtt: object) => writeFile(configFile, JSON.stringify({ mqtt }));
    await write({ homeAssistant: { enabled: true, prefix: 'ha' } });
    expect(await homeAssistantPrefixOf(configFile)).toBe('ha');
    await write({ homeAssistant: { enabled: true } });
    expect(await homeAssistantPrefixOf(configFile)).toBe('homeassistant');
    await write({ homeAssistant: { enabled: false, prefix: 'ha' } });
    expect(await homeAssistantPrefixOf(configFile)).toBeUndefined();
    expect(await homeAssistantPrefixOf(path.join(device, 'missing.json'))).toBeUndefined();
  });
});
