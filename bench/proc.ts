/** CPU and memory of a process from /proc (Linux): cheap, and the same numbers `top` shows. */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const statusMegabytes = (pid: number, field: string): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
  1024;

export function rssMegabytes(pid: number): number {
  return statusMegabytes(pid, 'VmRSS');
}

/**
 * The part of the RSS that is the process's own (heap, stacks, malloc): the rest are pages of files
 * mapped read-only, mostly the node binary's code and ICU data, which the kernel can drop and read
 * again under memory pressure and which every Node process on the board shares.
 */
export function anonMegabytes(pid: number): number {
  return statusMegabytes(pid, 'RssAnon');
}

/** Average CPU % of one core over `ms`, and RSS (all, and its anonymous part) at the end. */
export async function sample(
  pid: number,
  ms: number,
): Promise<{ cpuPercent: number; rssMB: number; anonMB: number }> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = cpuSeconds(pid) - c0;
  return {
    cpuPercent: (100 * cpu) / ((performance.now() - t0) / 1000),
    rssMB: rssMegabytes(pid),
    anonMB: anonMegabytes(pid),
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
