/**
 * `npm run bench`: measures what staff feel and what the device pays, on loopback, in headless
 * Chromium. First-frame time (POST to first decoded frame) over ≥ 20 joins, glass-to-glass latency
 * from the synthetic camera's timestamp strip, and the service's CPU and RSS with 1 and 5 viewers.
 * Targets from issue 3: first frame p50 ≤ 200 ms, p95 ≤ 350 ms; latency p50 ≤ 120 ms;
 * ≤ 1.5 % of a core per viewer; RSS ≤ 100 MB with 5 viewers.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join as joinWhep, launchChromium, leave, openPage } from '../test/fixtures/stream/browser.ts';
import { percentile, sample } from './proc.ts';

const JOINS = Number(process.env.NATTSYN_BENCH_JOINS ?? 24);
const SAMPLE_MS = 10_000;
/**
 * The service runs as production runs it (systemd/nattsyn.service): the same V8 flags and the same
 * malloc arena cap, so the RSS printed here is the RSS a device pays. `--node-flags="..."` replaces
 * the flags (`--node-flags=` for none); MALLOC_ARENA_MAX in the bench's environment replaces the cap.
 * `--service=FILE` measures another entry, e.g. a `tsc` emit of bench/service.ts.
 */
const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=1'];
const PRODUCTION_MALLOC_ARENA_MAX = '2';
const flagArg = process.argv.find((a) => a.startsWith('--node-flags='));
const NODE_FLAGS = flagArg ? flagArg.slice(13).split(' ').filter(Boolean) : PRODUCTION_NODE_FLAGS;
const ARENAS = process.env.MALLOC_ARENA_MAX ?? PRODUCTION_MALLOC_ARENA_MAX;
const SERVICE =
  process.argv.find((a) => a.startsWith('--service='))?.slice(10) ?? join('bench', 'service.ts');

interface Service {
  url: string;
  tokens: string[];
  pid: number;
  cameraPid: number | undefined;
}

async function startService(): Promise<{ service: Service; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, SERVICE], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MALLOC_ARENA_MAX: ARENAS },
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

function join(...parts: string[]): string {
  return parts.join('/');
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { service, stop } = await startService();
  const browser = await launchChromium();
  try {
    const page = await openPage(browser, `${service.url}/`);
    const token = service.tokens[0]!;
    // Warm-up join: Chromium's first WebRTC session pays one-off start-up costs.
    const warm = await joinWhep(page, service.url, { token });
    await leave(page, service.url, warm.location!, token);

    const firstFrames: number[] = [];
    const latencies: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      await pause(150 + ((i * 277) % 900));
      const r = await joinWhep(page, service.url, { token, frames: 20, settleMs: 1000 });
      if (r.status !== 201 || r.firstFrameMs === undefined) throw new Error(`join ${i} failed: ${r.status}`);
      firstFrames.push(r.firstFrameMs);
      latencies.push(...r.latenciesMs);
      await leave(page, service.url, r.location!, token);
    }

    await pause(1500);
    const idle = await sample(service.pid, SAMPLE_MS);
    const one = await withViewers(page, service, 1);
    const five = await withViewers(page, service, 5);
    const camera = service.cameraPid ? await sample(service.cameraPid, 3000) : undefined;

    const perViewer = (five.cpuPercent - idle.cpuPercent) / 5;
    const lines = [
      `nattsyn bench (loopback, headless Chromium, 640x480@15 fps synthetic camera, service ${SERVICE}, node flags: ${NODE_FLAGS.join(' ') || 'none'}, MALLOC_ARENA_MAX=${ARENAS})`,
      `first frame (POST → first decoded frame), ${firstFrames.length} joins: p50 ${fmt(percentile(firstFrames, 50))} ms, p95 ${fmt(percentile(firstFrames, 95))} ms  [target ≤ 200 / ≤ 350]`,
      `glass-to-glass latency (timestamp strip), ${latencies.length} frames: p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms  [target p50 ≤ 120]`,
      `service, camera on, 0 viewers: CPU ${fmt(idle.cpuPercent, 1)} %, RSS ${fmt(idle.rssMB)} MB`,
      `service, 1 viewer:  CPU ${fmt(one.cpuPercent, 1)} %, RSS ${fmt(one.rssMB)} MB`,
      `service, 5 viewers: CPU ${fmt(five.cpuPercent, 1)} %, RSS ${fmt(five.rssMB)} MB  [target RSS ≤ 100]`,
      `per viewer: ${fmt(perViewer, 2)} % of one core  [target ≤ 1.5]`,
      camera
        ? `camera process (ffmpeg encoder, not per viewer): CPU ${fmt(camera.cpuPercent, 1)} %, RSS ${fmt(camera.rssMB)} MB`
        : '',
    ];
    process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
    process.stdout.write(
      `${JSON.stringify({
        joins: firstFrames.length,
        firstFrameMs: {
          p50: percentile(firstFrames, 50),
          p95: percentile(firstFrames, 95),
          all: firstFrames.map(Math.round),
        },
        latencyMs: {
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          samples: latencies.length,
        },
        service: { idle, one, five, perViewerCpuPercent: perViewer },
        camera,
      })}\n`,
    );
  } finally {
    await browser.close();
    await stop();
  }
}

async function withViewers(page: Awaited<ReturnType<typeof openPage>>, service: Service, n: number) {
  const joined = [];
  for (let i = 0; i < n; i++) {
    const token = service.tokens[i + 1]!;
    const r = await joinWhep(page, service.url, { token });
    if (r.status !== 201) throw new Error(`viewer ${i} refused: ${r.status} ${r.body?.code}`);
    joined.push({ token, location: r.location! });
  }
  await pause(2000);
  const result = await sample(service.pid, SAMPLE_MS);
  for (const j of joined) await leave(page, service.url, j.location, j.token);
  await pause(1000);
  return result;
}

await main();
