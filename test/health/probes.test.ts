import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeThrottled, SystemProbes, TEMPERATURE_FILE, THROTTLED_FILE } from '../../src/health/probes.ts';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function fakeTree(files: Record<string, string>): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'nattsyn-sys-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const TIMESYNC_FILE = 'run/systemd/timesync/synchronized';
const PI = {
  'proc/uptime': '12345.67 23456.78\n',
  'proc/loadavg': '0.42 0.30 0.20 1/123 4567\n',
  'proc/meminfo': 'MemTotal:        3884096 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n',
  'proc/sys/kernel/random/boot_id': 'b0b0b0b0-1111-2222-3333-444444444444\n',
  [TEMPERATURE_FILE]: '61234\n',
  [THROTTLED_FILE]: '50005\n',
  [TIMESYNC_FILE]: '',
};

describe('system probes on a fake /proc and /sys', () => {
  it('read a Raspberry Pi under-volted now and throttled since boot', async () => {
    const tree = await fakeTree(PI);
    const probes = new SystemProbes({
      root: tree,
      timesyncFile: join(tree, TIMESYNC_FILE),
      stateDir: '/var/lib/nattsyn',
      statfs: async () => ({ bavail: 1000, blocks: 4000, bsize: 4096 }),
    });
    expect(await probes.read()).toEqual({
      uptimeSeconds: 12345.67,
      bootId: 'b0b0b0b0-1111-2222-3333-444444444444',
      cpuTemperatureC: 61.2,
      load1: 0.42,
      memoryTotalBytes: 3884096 * 1024,
      memoryAvailableBytes: 2000000 * 1024,
      diskFreeBytes: 4096000,
      diskTotalBytes: 16384000,
      clockSynced: true,
      throttling: {
        raw: 0x50005,
        undervoltageNow: true,
        throttledNow: true,
        undervoltageSinceBoot: true,
        throttledSinceBoot: true,
      },
    });
  });

  it('report what a board without the Pi firmware, sensor or timesyncd lacks as null or false', async () => {
    const { [TEMPERATURE_FILE]: _t, [THROTTLED_FILE]: _th, [TIMESYNC_FILE]: _s, ...plain } = PI;
    const tree = await fakeTree(plain);
    const probes = new SystemProbes({
      root: tree,
      timesyncFile: join(tree, TIMESYNC_FILE),
      stateDir: '/nonexistent/state',
      statfs: async () => {
        throw Object.assign(new Error('no'), { code: 'ENOENT' });
      },
    });
    const s = await probes.read();
    expect([s.cpuTemperatureC, s.throttling, s.clockSynced, s.diskFreeBytes]).toEqual([
      null,
      null,
      false,
      null,
    ]);
  });

  it('decode the since-boot bits apart from the current ones', () => {
    expect(decodeThrottled(0x10000)).toMatchObject({ undervoltageNow: false, undervoltageSinceBoot: true });
    expect(decodeThrottled(0x80000)).toMatchObject({ throttledNow: false, throttledSinceBoot: true });
    expect(decodeThrottled(0x8)).toMatchObject({ throttledNow: true, throttledSinceBoot: false });
    expect(decodeThrottled(0)).toMatchObject({ undervoltageNow: false, throttledNow: false });
  });

  it('read the real machine without throwing', async () => {
    const s = await new SystemProbes({ root: '/', stateDir: tmpdir() }).read();
    expect(s.memoryTotalBytes).toBeGreaterThan(0);
    expect(s.diskTotalBytes).toBeGreaterThan(0);
  });
});

describe("clock sync in health is the gate's reading", () => {
  it('uses the injected reading and nothing else, whatever the flag file says', async () => {
    const tree = await fakeTree(PI);
    let gate = false;
    const probes = new SystemProbes({
      root: tree,
      stateDir: tree,
      timesyncFile: join(tree, TIMESYNC_FILE),
      clockSynced: () => gate,
    });
    expect((await probes.read()).clockSynced).toBe(false);
    gate = true;
    expect(await probes.clockSynced()).toBe(true);
  });

  it('reads the configured flag file, not a hard-coded path', async () => {
    const tree = await fakeTree({ 'elsewhere/synced': '' });
    const configured = new SystemProbes({
      root: tree,
      stateDir: tree,
      timesyncFile: join(tree, 'elsewhere/synced'),
    });
    const missing = new SystemProbes({ root: tree, stateDir: tree, timesyncFile: join(tree, 'run/nothing') });
    expect(await configured.clockSynced()).toBe(true);
    expect(await missing.clockSynced()).toBe(false);
  });

  it('assumeClockSynced: true trusts the clock; false still reads the real state', async () => {
    const tree = await fakeTree({ synced: '' });
    const flag = join(tree, 'synced');
    expect(
      await new SystemProbes({
        root: tree,
        stateDir: tree,
        assumeClockSynced: true,
        clockSynced: () => false,
      }).clockSynced(),
    ).toBe(true);
    expect(
      await new SystemProbes({
        root: tree,
        stateDir: tree,
        assumeClockSynced: false,
        timesyncFile: flag,
      }).clockSynced(),
    ).toBe(true);
    expect(
      await new SystemProbes({
        root: tree,
        stateDir: tree,
        assumeClockSynced: false,
        clockSynced: () => false,
      }).clockSynced(),
    ).toBe(false);
  });

  it('counts a reading that throws as unsynced', async () => {
    const probes = new SystemProbes({
      root: '/',
      stateDir: tmpdir(),
      clockSynced: async () => {
        throw new Error('EIO');
      },
    });
    expect(await probes.clockSynced()).toBe(false);
  });
});

describe('HealthService clock reading', () => {
  it('takes clock_unsynced from the injected gate reading', async () => {
    const { healthConfigSchema, mqttConfigSchema } = await import('../../src/health/config.ts');
    const { assembleHealth } = await import('../../src/health/assemble.ts');
    const { MemoryStore } = await import('../fixtures/memoryStore.ts');
    const { generateKeyPair } = await import('jose');
    const tree = await fakeTree({ [TIMESYNC_FILE]: '' });
    let gate = false;
    const service = assembleHealth({
      deviceId: 'dev-clock',
      softwareVersion: '0.0.0',
      mqtt: mqttConfigSchema.parse({ url: 'mqtt://127.0.0.1:1' }),
      health: healthConfigSchema.parse({ fsRoot: tree }),
      store: new MemoryStore(),
      stateDir: tree,
      audit: {} as never,
      access: {} as never,
      policyKey: (await generateKeyPair('EdDSA')).publicKey,
      assumeClockSynced: false,
      timesyncFile: join(tree, TIMESYNC_FILE),
      clockSynced: () => gate,
    });
    expect(await service.probes.clockSynced()).toBe(false);
    gate = true;
    expect(await service.probes.clockSynced()).toBe(true);
  });
});
