/**
 * `node bench/fallback.ts`: what the MPEG-1 fallback costs the device and how soon it shows.
 * The service (bench/service.ts: synthetic 640x480@15 camera) with 0, 1 and 5 fallback viewers
 * (WebSocket clients that present their tickets and read every byte, as a page's socket does):
 * the service's CPU, the fallback encoder's (the ffmpeg child it starts with the first viewer), and
 * the time from the POST to the first MPEG-TS bytes. The first decoded picture on a page is measured
 * by the browser tests (test/e2e/fallback.e2e.test.ts, test/e2e/firefox.e2e.test.ts), which print it.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { cpuSeconds, percentile, sample } from './proc.ts';

const SAMPLE_MS = 10_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const child = spawn(process.execPath, ['--max-semi-space-size=1', 'bench/service.ts'], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, MALLOC_ARENA_MAX: '2' },
});
const service = JSON.parse(
  await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
) as { url: string; tokens: string[]; pid: number; cameraPid: number };

/** The service's ffmpeg children other than the camera: the fallback encoder while it runs. */
function encoderPid(): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (
        Number(pid) !== service.cameraPid &&
        cmd.includes('mpeg1video') &&
        (ppid === service.pid || cmd.startsWith('ffmpeg'))
      )
        return Number(pid);
    } catch {}
  }
  return undefined;
}

async function viewer(token: string) {
  const t0 = performance.now();
  const res = await fetch(`${service.url}/fallback`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`fallback refused: ${res.status}`);
  const { ticket } = (await res.json()) as { ticket: string };
  const ws = new WebSocket(`${service.url.replace(/^http/, 'ws')}/fallback/ws`);
  ws.on('open', () => ws.send(ticket));
  const firstBytesMs = await new Promise<number>((resolve) =>
    ws.once('message', () => resolve(performance.now() - t0)),
  );
  return { ws, firstBytesMs };
}

async function withViewers(n: number, tokens: string[]) {
  const joined = [];
  for (let i = 0; i < n; i++) joined.push(await viewer(tokens[i]!));
  await pause(2000);
  const pid = encoderPid();
  const e0 = pid ? cpuSeconds(pid) : 0;
  const t0 = performance.now();
  const svc = await sample(service.pid, SAMPLE_MS);
  const encoder = pid ? (100 * (cpuSeconds(pid) - e0)) / ((performance.now() - t0) / 1000) : 0;
  for (const j of joined) j.ws.close();
  await pause(1500);
  return { service: svc.cpuPercent, encoder, firstBytes: joined.map((j) => j.firstBytesMs) };
}

try {
  await pause(1500);
  const idle = await sample(service.pid, SAMPLE_MS);
  const firsts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const v = await viewer(service.tokens[i % 8]!);
    firsts.push(v.firstBytesMs);
    v.ws.close();
    await pause(800);
  }
  const one = await withViewers(1, service.tokens.slice(0, 1));
  const five = await withViewers(5, service.tokens.slice(1, 6));
  const fmt = (x: number) => x.toFixed(1);
  const lines = [
    'nattsyn fallback bench (MPEG-1 over WebSocket, loopback, 640x480@15 synthetic camera)',
    `POST → first MPEG-TS bytes, encoder started cold each time, ${firsts.length} joins: p50 ${fmt(percentile(firsts, 50))} ms, p95 ${fmt(percentile(firsts, 95))} ms`,
    `service CPU, camera on: 0 viewers ${fmt(idle.cpuPercent)} %, 1 fallback viewer ${fmt(one.service)} %, 5 fallback viewers ${fmt(five.service)} %`,
    `fallback encoder (ffmpeg, one for all fallback viewers): 1 viewer ${fmt(one.encoder)} %, 5 viewers ${fmt(five.encoder)} %`,
    `device CPU for the first fallback viewer (service + encoder − idle): ${fmt(one.service + one.encoder - idle.cpuPercent)} % of one core`,
    `each further fallback viewer: ${fmt((five.service + five.encoder - one.service - one.encoder) / 4)} % of one core`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.stdin.end();
  });
}
