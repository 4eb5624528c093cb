/**
 * `npm run bench`: what staff feel and what the device pays, on loopback, in headless Chromium,
 * for the service run from its sources and from the production bundle (scripts/build.ts), one
 * after the other with the same browser and broker. For each: RSS and CPU idle with the camera off,
 * with the camera on, with 1 and 5 viewers; time to first frame over ≥ 20 joins; glass-to-glass
 * latency from the synthetic camera's timestamp strip.
 * Targets (issues 3 and 8): first frame p50 ≤ 200 ms, p95 ≤ 350 ms; latency p50 ≤ 120 ms;
 * ≤ 0.5 % of a core per viewer; RSS ≤ 90 MB with 5 viewers and ≤ 75 MB idle with the camera off.
 *
 * The service runs as production runs it: the V8 flags and malloc arena cap are read from
 * systemd/nattsyn.service. `--node-flags="..."` replaces the flags (`--node-flags=` for none); MALLOC_ARENA_MAX in
 * the bench's environment replaces the cap; `--variants=bundle` measures one of the two.
 * NATTSYN_BENCH_JOINS sets the number of joins (24).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle } from '../scripts/build.ts';
import { launchChromium } from '../test/fixtures/stream/browser.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { type LifecycleFigures, measureLifecycle, type Usage, type Variant } from './lifecycle.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const UNIT = readFileSync(path.join(ROOT, 'systemd/nattsyn.service'), 'utf8');
/** The Node flags and malloc arena cap systemd/nattsyn.service runs the service with (why: there). */
export const PRODUCTION_NODE_FLAGS = /^ExecStart=\S+\/node((?: --\S+)*) /m.exec(UNIT)![1]!.trim().split(' ');
const PRODUCTION_MALLOC_ARENA_MAX = /^Environment=MALLOC_ARENA_MAX=(\d+)$/m.exec(UNIT)![1]!;

const { values } = parseArgs({
  options: {
    'node-flags': { type: 'string' },
    variants: { type: 'string', default: 'source,bundle' },
  },
});
const nodeFlags =
  values['node-flags'] === undefined
    ? PRODUCTION_NODE_FLAGS
    : values['node-flags'].split(' ').filter(Boolean);
const mallocArenaMax = process.env.MALLOC_ARENA_MAX ?? PRODUCTION_MALLOC_ARENA_MAX;
const wanted = values.variants.split(',');
const joins = Number(process.env.NATTSYN_BENCH_JOINS ?? 24);

async function main(): Promise<void> {
  // Measured in the order named (`--variants=bundle,source` checks that order does not matter).
  const variants: Variant[] = [];
  for (const name of wanted) {
    if (name === 'source') {
      variants.push({ name, entry: path.join(ROOT, 'src/cli.ts'), nodeFlags, mallocArenaMax });
    } else if (name === 'bundle') {
      // Inside the repository, so the bundle finds its external packages in node_modules as installed.
      const { bundle } = await buildBundle({ outDir: path.join(ROOT, '.bench/bundle') });
      variants.push({ name, entry: bundle, nodeFlags, mallocArenaMax });
    } else {
      throw new Error(`--variants: unknown variant ${name} (source, bundle)`);
    }
  }
  const broker = await startMosquitto();
  const browser = await launchChromium();
  const results: LifecycleFigures[] = [];
  try {
    for (const v of variants) {
      results.push(await measureLifecycle(v, { browser, mqttUrl: broker.url, joins, sampleMs: 10_000 }));
    }
  } finally {
    await browser.close();
    await broker.dispose();
  }
  process.stdout.write(report(results));
  process.stdout.write(`${JSON.stringify({ nodeFlags, mallocArenaMax, results })}\n`);
}

const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a';

function report(results: LifecycleFigures[]): string {
  const usage = (u: Usage | undefined) =>
    u ? `${fmt(u.rssMB)} MB (${fmt(u.anonMB)} own), ${fmt(u.cpuPercent, 1)} %` : 'n/a';
  const rows: [string, (r: LifecycleFigures) => string, string][] = [
    ['idle, camera off (RSS, CPU)', (r) => usage(r.idleCameraOff), 'RSS ≤ 75 MB'],
    ['camera on, 0 viewers', (r) => usage(r.cameraOn), ''],
    ['1 viewer', (r) => usage(r.one), ''],
    ['5 viewers', (r) => usage(r.five), 'RSS ≤ 90 MB'],
    ['CPU per viewer', (r) => `${fmt(r.perViewerCpuPercent, 2)} % of a core`, '≤ 0.5 %'],
    [
      'first frame p50 / p95',
      (r) => `${fmt(r.firstFrameMs.p50)} / ${fmt(r.firstFrameMs.p95)} ms`,
      '≤ 200 / 350',
    ],
    ['latency p50 / p95', (r) => `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p95)} ms`, 'p50 ≤ 120'],
    ['camera process (ffmpeg)', (r) => usage(r.camera), 'not per viewer'],
  ];
  const head = [
    `nattsyn bench (loopback, headless Chromium, 640x480@15 fps synthetic camera, ${joins} joins, node flags: ${nodeFlags.join(' ') || 'none'}, MALLOC_ARENA_MAX=${mallocArenaMax})`,
    ['', ...results.map((r) => r.variant), 'target']
      .map((c, i) => (i === 0 ? c.padEnd(30) : c.padEnd(26)))
      .join(''),
  ];
  const body = rows.map(([label, cell, target]) =>
    [label.padEnd(30), ...results.map((r) => cell(r).padEnd(26)), target].join(''),
  );
  return `${[...head, ...body].join('\n')}\n`;
}

await main();
