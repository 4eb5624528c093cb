/**
 * Cheap probes for the reporting path: plain reads of /proc and /sys, and statfs of the state
 * directory. Nothing here spawns a process or blocks the event loop (systeminformation would, see
 * FACTS.md). `root` points at a fake tree in tests; a missing file is a null, never an error.
 * NTP sync is not read here but taken from the same reading the access gate uses (injected, or the
 * configured flag file through platform's timesyncProbe), so health's `clock_unsynced` and the
 * gate's denial can never disagree.
 */
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { TIMESYNC_FLAG, timesyncProbe } from '../platform/system.ts';

/** Raspberry Pi firmware: low bits are the state now, bits 16+ what happened since boot. */
export const THROTTLED_FILE = 'sys/devices/platform/soc/soc:firmware/get_throttled';
export const TEMPERATURE_FILE = 'sys/class/thermal/thermal_zone0/temp';

export interface Throttling {
  raw: number;
  undervoltageNow: boolean;
  throttledNow: boolean;
  undervoltageSinceBoot: boolean;
  throttledSinceBoot: boolean;
}

export interface SystemSnapshot {
  uptimeSeconds: number;
  bootId: string | null;
  cpuTemperatureC: number | null;
  load1: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  clockSynced: boolean;
  throttling: Throttling | null;
}

/**
 * Decodes get_throttled: bit 0 under-voltage, 1 ARM frequency capped, 2 throttled, 3 soft
 * temperature limit; bits 16–19 the same since boot. Capping and the soft limit count as throttled.
 */
export function decodeThrottled(raw: number): Throttling {
  const bit = (n: number) => (raw & (1 << n)) !== 0;
  return {
    raw,
    undervoltageNow: bit(0),
    throttledNow: bit(1) || bit(2) || bit(3),
    undervoltageSinceBoot: bit(16),
    throttledSinceBoot: bit(17) || bit(18) || bit(19),
  };
}

export interface SystemProbesDeps {
  /** Root of the tree holding proc/, sys/ and run/ ("/" on the device). */
  root: string;
  /** The state directory whose free space is reported. */
  stateDir: string;
  /** `true` trusts the clock without timesyncd (demo, CI); `false` or absent reads the real state. */
  assumeClockSynced?: boolean;
  /** The access gate's own sync reading; when given it is the only one used. */
  clockSynced?: () => boolean | Promise<boolean>;
  /** Otherwise the flag file (config `clock.timesyncFile`), read through platform's timesyncProbe. */
  timesyncFile?: string;
  statfs?: (path: string) => Promise<{ bavail: number; blocks: number; bsize: number }>;
}

export class SystemProbes {
  readonly #deps: SystemProbesDeps;
  readonly #synced: () => boolean | Promise<boolean>;

  constructor(deps: SystemProbesDeps) {
    this.#deps = deps;
    this.#synced = deps.clockSynced ?? timesyncProbe(deps.timesyncFile ?? TIMESYNC_FLAG);
  }

  async read(): Promise<SystemSnapshot> {
    const [uptime, bootId, temp, loadavg, meminfo, disk, synced, throttled] = await Promise.all([
      this.#text('proc/uptime'),
      this.#text('proc/sys/kernel/random/boot_id'),
      this.#text(TEMPERATURE_FILE),
      this.#text('proc/loadavg'),
      this.#text('proc/meminfo'),
      this.#disk(),
      this.clockSynced(),
      this.#text(THROTTLED_FILE),
    ]);
    const mem = parseMeminfo(meminfo ?? '');
    const tempMilli = temp === null ? Number.NaN : Number(temp);
    const throttledRaw = throttled === null ? Number.NaN : Number.parseInt(throttled.replace(/^0x/i, ''), 16);
    return {
      uptimeSeconds: firstNumber(uptime) ?? 0,
      bootId: bootId || null,
      cpuTemperatureC: Number.isFinite(tempMilli) ? Math.round(tempMilli / 100) / 10 : null,
      load1: firstNumber(loadavg) ?? 0,
      memoryTotalBytes: (mem.MemTotal ?? 0) * 1024,
      memoryAvailableBytes: (mem.MemAvailable ?? mem.MemFree ?? 0) * 1024,
      diskFreeBytes: disk?.free ?? null,
      diskTotalBytes: disk?.total ?? null,
      clockSynced: synced,
      throttling: Number.isFinite(throttledRaw) ? decodeThrottled(throttledRaw) : null,
    };
  }

  /** Whether the clock is synced, as the gate sees it; a probe that throws counts as unsynced. */
  async clockSynced(): Promise<boolean> {
    if (this.#deps.assumeClockSynced === true) return true;
    try {
      return (await this.#synced()) === true;
    } catch {
      return false;
    }
  }

  async #text(relative: string): Promise<string | null> {
    return readFile(join(this.#deps.root, relative), 'utf8').then(
      (t) => t.trim(),
      () => null,
    );
  }

  async #disk(): Promise<{ free: number; total: number } | null> {
    try {
      const s = await (this.#deps.statfs ?? statfs)(this.#deps.stateDir);
      return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
    } catch {
      return null;
    }
  }
}

function firstNumber(text: string | null): number | undefined {
  const n = Number(text?.split(/\s+/)[0]);
  return text === null || !Number.isFinite(n) ? undefined : n;
}

function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
