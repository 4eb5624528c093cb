/**
 * One device through a night, measured: idle with the camera off, a policy opening a window now
 * arrives over MQTT, the camera starts, ≥ 20 viewers join one after another (time to first frame,
 * glass-to-glass latency), then CPU and RSS with the camera on and 0, 1 and 5 viewers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { deviceTopics } from '../src/protocol/topics.ts';
import { join as joinWhep, leave, openPage } from '../test/fixtures/stream/browser.ts';
import { processTree } from '../test/fixtures/stream/files.ts';
import { type BenchDevice, prepareBenchDevice } from './device.ts';
import { percentile, sample } from './proc.ts';

export interface Variant {
  name: string;
  /** The file Node runs: `src/cli.ts` or the bundle. */
  entry: string;
  nodeFlags: string[];
  mallocArenaMax: string;
}

export interface Usage {
  cpuPercent: number;
  rssMB: number;
  /** The RSS's anonymous part (bench/proc.ts says why it is shown apart). */
  anonMB: number;
}

export interface LifecycleFigures {
  variant: string;
  idleCameraOff: Usage;
  cameraOn: Usage;
  one: Usage;
  five: Usage;
  perViewerCpuPercent: number;
  firstFrameMs: { p50: number; p95: number; all: number[] };
  latencyMs: { p50: number; p95: number; samples: number };
  camera: Usage | undefined;
}

export interface LifecycleOptions {
  browser: Browser;
  mqttUrl: string;
  joins: number;
  sampleMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureLifecycle(variant: Variant, o: LifecycleOptions): Promise<LifecycleFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-bench-'));
  const device = await prepareBenchDevice(dir, o.mqttUrl);
  const service = await startDevice(variant, device.configFile);
  try {
    await pause(3000);
    const idleCameraOff = await sample(service.pid, o.sampleMs);
    await openWindow(o.mqttUrl, device);
    await service.waitForLog('camera wanted: starting', 15_000);
    const page = await openPage(o.browser, `${service.url}/`);
    await warmUp(page, service.url, await device.token());
    const { firstFrames, latencies } = await joins(page, service.url, await device.token(), o.joins);
    await pause(1500);
    const cameraOn = await sample(service.pid, o.sampleMs);
    const one = await withViewers(page, service, device, 1, o.sampleMs);
    const five = await withViewers(page, service, device, 5, o.sampleMs);
    const cameraPid = processTree(service.pid).find((p) => p.comm === 'ffmpeg')?.pid;
    const camera = cameraPid ? await sample(cameraPid, 3000) : undefined;
    await page.context().close();
    return {
      variant: variant.name,
      idleCameraOff,
      cameraOn,
      one,
      five,
      perViewerCpuPercent: (five.cpuPercent - cameraOn.cpuPercent) / 5,
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
      camera,
    };
  } finally {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface RunningDevice {
  pid: number;
  url: string;
  waitForLog(msg: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** `node FLAGS ENTRY run --config FILE`; the service's JSON log lines arrive on stdout. */
async function startDevice(variant: Variant, configFile: string): Promise<RunningDevice> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...variant.nodeFlags, variant.entry, 'run', '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, MALLOC_ARENA_MAX: variant.mallocArenaMax },
    },
  );
  const seen: { msg?: string; url?: string }[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      seen.push(JSON.parse(line) as { msg?: string; url?: string });
    } catch {
      return;
    }
    for (const w of waiters) w();
  });
  const waitFor = (msg: string, timeoutMs: number) =>
    new Promise<{ url?: string }>((resolve, reject) => {
      const check = () => {
        const hit = seen.find((l) => l.msg === msg);
        if (!hit) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${variant.name}: no "${msg}" log line in ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await Promise.race([
    waitFor('nattsyn started', 20_000),
    exited.then(() => Promise.reject(new Error(`${variant.name}: the service exited at start`))),
  ]);
  await waitFor('mqtt online', 10_000);
  return {
    pid: child.pid!,
    url: started.url!,
    waitForLog: async (msg, timeoutMs) => void (await waitFor(msg, timeoutMs)),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Sends the policy that opens a window now, retained, on the device's policy topic. */
async function openWindow(mqttUrl: string, device: BenchDevice): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 5 });
  await client.publishAsync(deviceTopics(device.deviceId).policy, await device.openWindowPolicy(), {
    qos: 1,
    retain: true,
  });
  await client.endAsync();
}

/** The first join after the camera starts waits for its first keyframe (409 until then). */
async function warmUp(page: Page, url: string, token: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await joinWhep(page, url, { token });
    if (r.status === 201) {
      await leave(page, url, r.location!, token);
      return;
    }
    if (r.status !== 409 || Date.now() > deadline) throw new Error(`warm-up join refused: ${r.status}`);
    await pause(500);
  }
}

async function joins(page: Page, url: string, token: string, count: number) {
  const firstFrames: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    await pause(150 + ((i * 277) % 900));
    const r = await joinWhep(page, url, { token, frames: 20, settleMs: 1000 });
    if (r.status !== 201 || r.firstFrameMs === undefined) throw new Error(`join ${i} failed: ${r.status}`);
    firstFrames.push(r.firstFrameMs);
    latencies.push(...r.latenciesMs);
    await leave(page, url, r.location!, token);
  }
  return { firstFrames, latencies };
}

async function withViewers(page: Page, service: RunningDevice, device: BenchDevice, n: number, ms: number) {
  const joined: { token: string; location: string }[] = [];
  for (let i = 0; i < n; i++) {
    const token = await device.token();
    const r = await joinWhep(page, service.url, { token });
    if (r.status !== 201) throw new Error(`viewer ${i} refused: ${r.status} ${r.body?.code}`);
    joined.push({ token, location: r.location! });
  }
  await pause(2000);
  const result = await sample(service.pid, ms);
  for (const j of joined) await leave(page, service.url, j.location, j.token);
  await pause(1000);
  return result;
}
