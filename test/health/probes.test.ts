import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeThrottled,
  SystemProbes,
  TEMPERATURE_FILE,
  THROTTLED_FILE,
  TIMESYNC_FILE,
} from '../../src/health/probes.ts';

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
    const probes = new SystemProbes({
      root: await fakeTree(PI),
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
    const probes = new SystemProbes({
      root: await fakeTree(plain),
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
