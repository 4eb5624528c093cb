/**
 * `node bench/perViewer.ts --before=DIR`: the device's CPU per extra viewer, this checkout against
 * another (DIR, e.g. a `git worktree` of the commit before a change), measured side by side in one
 * run with the same headless Chromium: rounds alternate between the two services so that what
 * else the machine does falls on both alike. Each round starts the service, samples it with 0, 1
 * and 5 WebRTC viewers (10 s each) and stops it. Prints each round and the medians.
 * Target (issue 8): ≤ 0.5 % of a core per extra viewer.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { join as joinWhep, launchChromium, leave, openPage } from '../test/fixtures/stream/browser.ts';
import { percentile, sample } from './proc.ts';

const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
const BEFORE = process.argv.find((a) => a.startsWith('--before='))?.slice(9);
const SAMPLE_MS = 10_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Service {
  url: string;
  tokens: string[];
  pid: number;
}

async function startService(root: string) {
  const child = spawn(process.execPath, ['--max-semi-space-size=1', join(root, 'bench', 'service.ts')], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`service exited ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  return { service: JSON.parse(line) as Service, stop };
}

async function measure(browser: Awaited<ReturnType<typeof launchChromium>>, root: string) {
  const { service, stop } = await startService(root);
  try {
    const page = await openPage(browser, `${service.url}/`);
    const warm = await joinWhep(page, service.url, { token: service.tokens[0] });
    await leave(page, service.url, warm.location!, service.tokens[0]);
    await pause(1500);
    const idle = await sample(service.pid, SAMPLE_MS);
    const at = async (n: number) => {
      const joined = [];
      for (let i = 0; i < n; i++) {
        const token = service.tokens[i + 1]!;
        const r = await joinWhep(page, service.url, { token });
        if (r.status !== 201) throw new Error(`viewer ${i} refused: ${r.status}`);
        joined.push({ token, location: r.location! });
      }
      await pause(2000);
      const result = await sample(service.pid, SAMPLE_MS);
      for (const j of joined) await leave(page, service.url, j.location, j.token);
      await pause(1000);
      return result;
    };
    const one = await at(1);
    const five = await at(5);
    await page.context().close();
    return {
      idle: idle.cpuPercent,
      one: one.cpuPercent,
      five: five.cpuPercent,
      perViewer: (five.cpuPercent - idle.cpuPercent) / 5,
    };
  } finally {
    await stop();
  }
}

const fmt = (n: number) => n.toFixed(2);
const browser = await launchChromium();
const sides = [...(BEFORE ? [['before', BEFORE] as const] : []), ['after', process.cwd()] as const];
const results: Record<string, number[]> = {};
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, root] of round % 2 === 0 ? [...sides].reverse() : sides) {
      const r = await measure(browser, root);
      results[name] = [...(results[name] ?? []), r.perViewer];
      process.stdout.write(
        `round ${round} ${name.padEnd(6)} CPU 0 / 1 / 5 viewers: ${fmt(r.idle)} / ${fmt(r.one)} / ${fmt(r.five)} %, per extra viewer ${fmt(r.perViewer)} %\n`,
      );
    }
  }
  for (const [name] of sides) {
    const all = results[name]!;
    process.stdout.write(
      `${name}: per extra viewer, median of ${all.length}: ${fmt(percentile(all, 50))} % of one core  [target ≤ 0.5]\n`,
    );
  }
} finally {
  await browser.close();
}
