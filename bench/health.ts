/**
 * Health bench (standalone): `node bench/health.ts [--idle-seconds 30] [--records 1000]
 * [--outage-seconds 5] [--default-backoff]`.
 * Runs the health service as its own process against a real mosquitto and prints:
 *  - idle CPU (% of one core) and RSS of that process with health reporting on (target ≤ 1 %);
 *  - the time from a broker restart to the last of N audit records appended during the outage
 *    arriving at a centre subscriber, in order;
 *  - the cost of one frame check (keyframe → ffmpeg → sharp), wall and CPU including ffmpeg.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { frameCheckConfigSchema } from '../src/health/config.ts';
import { FrameChecker } from '../src/health/frames.ts';
import { perceptualHash } from '../src/health/thumbnail.ts';
import { keyframes, SOURCES } from '../test/fixtures/h264.ts';
import { startCentre } from '../test/health/fixtures/centre.ts';
import { spawnDevice } from '../test/health/fixtures/spawnDevice.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';

const { values } = parseArgs({
  options: {
    'idle-seconds': { type: 'string', default: '30' },
    records: { type: 'string', default: '1000' },
    /** How long the broker stays down while the records are appended. */
    'outage-seconds': { type: 'string', default: '5' },
    /** Use the production back-off (1 s to 60 s) instead of the bench's short one. */
    'default-backoff': { type: 'boolean', default: false },
  },
});
const outageSeconds = Number(values['outage-seconds']);
const backoff = values['default-backoff']
  ? { initialMs: 1000, maxMs: 60_000 }
  : { initialMs: 250, maxMs: 1000 };
const idleSeconds = Number(values['idle-seconds']);
const records = Number(values.records);
const TICKS_PER_SECOND = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** This process's CPU ticks including its waited-for children (ffmpeg). */
async function selfTicksWithChildren(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

async function frameCheckCost(): Promise<{ wallMs: number; cpuMs: number; checks: number }> {
  const frames = await keyframes(SOURCES.normal, 10);
  const reference = await perceptualHash(frames[0]!);
  const checker = new FrameChecker({
    config: frameCheckConfigSchema.parse({}),
    referenceHash: () => reference,
  });
  const c0 = await selfTicksWithChildren();
  const t0 = performance.now();
  for (const au of frames) await checker.check(au);
  const wall = performance.now() - t0;
  const cpu = ((await selfTicksWithChildren()) - c0) * (1000 / TICKS_PER_SECOND);
  return {
    wallMs: Math.round(wall / frames.length),
    cpuMs: Math.round(cpu / frames.length),
    checks: frames.length,
  };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

const broker = await startMosquitto({ persistence: true });
const dir = await mkdtemp(join(tmpdir(), 'nattsyn-bench-health-'));
const keys = await generateKeyPair('EdDSA', { extractable: true });
const centre = await startCentre(broker.url, {
  clientId: 'bench-centre',
  clean: false,
  properties: { sessionExpiryInterval: 600 },
});
const device = await spawnDevice({
  deviceId: 'bench-dev',
  url: broker.url,
  stateDir: dir,
  policyKey: await exportJWK(keys.publicKey),
  backoff,
});
try {
  await device.waitForLine((l) => l === 'online');
  const pid = device.child.pid!;
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = performance.now();
  const c0 = await cpuTicks(pid);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const cpuPercent =
    (((await cpuTicks(pid)) - c0) / TICKS_PER_SECOND / ((performance.now() - t0) / 1000)) * 100;
  const rss = await rssBytes(pid);

  await broker.stop();
  device.send(`append ${records}`);
  await device.waitForLine((l) => l === `appended ${records}`, 120_000);
  await new Promise((r) => setTimeout(r, outageSeconds * 1000));
  const restart = performance.now();
  await broker.start();
  await centre.waitFor(
    (m) => m.some((x) => x.topic === 'nattsyn/v1/bench-dev/audit' && JSON.parse(x.text).seq === records),
    120_000,
  );
  const deliveredMs = performance.now() - restart;
  const seqs = centre.json('bench-dev/audit').map((r) => (r as { seq: number }).seq);
  const firstArrivals = seqs.filter((s, i) => seqs.indexOf(s) === i);
  const inOrder = firstArrivals.length === records && firstArrivals.every((s, i) => s === i + 1);

  const frameCheck = await frameCheckCost();
  const result = {
    idleSeconds,
    idleCpuPercentOfOneCore: Number(cpuPercent.toFixed(2)),
    rssMiB: Number((rss / 1048576).toFixed(1)),
    records,
    outageSeconds,
    backoff,
    brokerRestartToAllDeliveredMs: Math.round(deliveredMs),
    inOrderWithoutGap: inOrder,
    duplicates: seqs.length - firstArrivals.length,
    frameCheckPerKeyframe640x480: frameCheck,
    note: 'delivery time includes the wait for the next reconnect attempt of the back-off',
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await device.stop().catch(() => undefined);
  await centre.stop();
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
}
