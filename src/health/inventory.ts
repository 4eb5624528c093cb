/**
 * The inventory published once per connection on `info`: model, OS, serial, memory and network
 * interfaces, from systeminformation (whose calls may block briefly: never on the reporting path).
 */
import { readFile } from 'node:fs/promises';
import type { InfoPayload } from './payloads.ts';

export type Inventory = Omit<InfoPayload, 'deviceId' | 'connection' | 'ts' | 'software'>;

export async function readInventory(): Promise<Inventory> {
  // Loaded on first use: it is only needed once per connection.
  const { default: si } = await import('systeminformation');
  const [system, os, mem, nets, bootId] = await Promise.all([
    si.system(),
    si.osInfo(),
    si.mem(),
    si.networkInterfaces(),
    readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    ),
  ]);
  const list = Array.isArray(nets) ? nets : [nets];
  return {
    model: [system.manufacturer, system.model].filter(Boolean).join(' ') || 'unknown',
    serial: system.serial || 'unknown',
    os: { distro: os.distro, release: os.release, kernel: os.kernel, arch: os.arch },
    memoryBytes: mem.total,
    network: list.map((n) => ({
      iface: n.iface,
      mac: n.mac,
      ip4: n.ip4,
      ip6: n.ip6,
      operstate: n.operstate,
    })),
    ...(bootId ? { bootId } : {}),
  };
}
