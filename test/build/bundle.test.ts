/**
 * The production bundle (scripts/build.ts) run for real, laid out as the install script lays it out
 * (`<app>/dist/` beside `<app>/node_modules/`, no sources): `nattsyn demo` from it serves the viewer
 * page and answers a WHEP offer from a werift peer with a picture, and `centre --help` answers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket, useNACK, usePLI } from 'werift';
import { WebSocket } from 'ws';
import { type BuildResult, buildBundle, EXTERNAL_PACKAGES } from '../../scripts/build.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

interface DemoLine {
  whepUrl: string;
  token: string;
}

function startDemo(bundle: string, stateDir: string): Promise<{ child: ChildProcess; line: DemoLine }> {
  const child = spawn(process.execPath, [bundle, 'demo', '--state', stateDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: tmpdir(),
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo printed nothing in 20 s\n${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}\n${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (text) => {
      clearTimeout(timer);
      resolve({ child, line: JSON.parse(text) as DemoLine });
    });
  });
}

/** A WHEP viewer in this process: offer, POST, answer, then the RTP it receives. */
async function watch(whepUrl: string, token: string) {
  const pc = new RTCPeerConnection({
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    codecs: {
      audio: [],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI()],
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        }),
      ],
    },
  });
  const received: RtpPacket[] = [];
  pc.addTransceiver('video', { direction: 'recvonly' }).onTrack.subscribe((track) =>
    track.onReceiveRtp.subscribe((rtp) => received.push(rtp)),
  );
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) =>
    pc.iceGatheringState === 'complete'
      ? resolve()
      : pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()),
  );
  for (const t of pc.iceTransports) t.connection.stunServer = undefined;
  const res = await fetch(whepUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: pc.localDescription!.sdp,
  });
  const answer = await res.text();
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return { pc, status: res.status, answer, received, location: res.headers.get('location') };
}

/** H.264 NAL unit types carried by an RTP payload (single NAL, STAP-A or the first FU-A). */
function nalTypes(rtp: RtpPacket): number[] {
  const p = rtp.payload;
  const type = p[0]! & 0x1f;
  if (type === 28) return (p[1]! & 0x80) !== 0 ? [p[1]! & 0x1f] : [];
  if (type !== 24) return [type];
  const types: number[] = [];
  for (let i = 1; i + 2 < p.length; i += 2 + p.readUInt16BE(i)) types.push(p[i + 2]! & 0x1f);
  return types;
}

/** Every input a verb's module loads before it runs: its chunk and the chunks those import statically. */
function staticInputs(result: BuildResult, verbModule: string): string[] {
  const outputs = result.metafile!.outputs;
  const start = Object.keys(outputs).find((o) => Object.keys(outputs[o]!.inputs).includes(verbModule));
  const seen = new Set<string>();
  const visit = (o: string) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const i of outputs[o]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(start!);
  return [...seen].flatMap((o) => Object.keys(outputs[o]!.inputs));
}

describe('the production bundle', () => {
  let app: string;
  let built: BuildResult;
  beforeAll(async () => {
    app = await mkdtemp(path.join(tmpdir(), 'nattsyn-bundle-'));
    built = await buildBundle({ outDir: path.join(app, 'dist') });
    await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  });
  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it('imports nothing from the sources, and from node_modules only the native packages', async () => {
    const code = (await Promise.all(built.outputs.map((f) => readFile(f, 'utf8')))).join('\n');
    expect(built.outputs).toContain(built.bundle);
    expect(code).not.toMatch(/(?:\bfrom|\bimport\()\s*["'][^"']+\.ts["']/);
    const packages = [
      ...code.matchAll(/^import\s[^;]*?from\s*["']([^"'.][^"']*)["']/gm),
      ...code.matchAll(/\bimport\(\s*["']([^"'.][^"']*)["']\s*\)/g),
      ...code.matchAll(/\b__require\(\s*["']([^"'.][^"']*)["']\s*\)/g),
    ]
      .map((m) => m[1]!)
      .filter((name) => !name.startsWith('node:'));
    for (const name of packages) expect(EXTERNAL_PACKAGES).toContain(name);
    expect(packages).toContain('sharp');
  });

  it('carries every static file a module reads beside its import.meta', async () => {
    // A module that starts using import.meta fails this on purpose: check that every file it reads
    // beside itself is a non-TypeScript file under src/ (copied to the mirror), then list it here.
    expect(built.assets).toEqual([
      'src/centre/archive/migrations/0001_init.sql',
      'src/centre/archive/migrations/0002_centre.sql',
      'src/centre/round/page/index.html',
      'src/centre/round/page/look.js',
      'src/centre/round/page/round.css',
      'src/centre/round/page/round.js',
      'src/centre/round/page/texts.js',
      'src/centre/whoLooked/page/page.css',
      'src/centre/whoLooked/page/print.js',
      'src/stream/mpeg1-input.sh',
      'src/viewer/fallback.js',
      'src/viewer/index.html',
      'src/viewer/player.css',
      'src/viewer/player.js',
      'src/viewer/reasons.js',
      'src/viewer/viewer.css',
      'src/viewer/viewer.js',
    ]);
    expect(built.rewritten.sort()).toEqual([
      'src/centre/archive/database.ts',
      'src/centre/round/page/assets.ts',
      'src/centre/whoLooked/routes.ts',
      'src/platform/system.ts',
      'src/stream/mpeg1Encoder.ts',
      'src/viewer/assets.ts',
    ]);
    const version = JSON.parse(await readFile(path.join(app, 'dist/package.json'), 'utf8')).version;
    expect(version).toBe(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('loads for each verb only what that verb needs', () => {
    const device = staticInputs(built, 'src/cli/run.ts');
    expect(device.some((i) => i.includes('src/stream/whepService.ts'))).toBe(true);
    // werift loads with the camera (src/stream/webrtc.ts), not when the service starts.
    const webrtc = staticInputs(built, 'src/stream/webrtc.ts');
    expect(webrtc.some((i) => i.includes('node_modules/werift/'))).toBe(true);
    for (const absent of [
      'node_modules/werift/',
      'src/stream/peer.ts',
      'src/stream/whepSession.ts',
      'src/centre/',
      'node_modules/aedes/',
      'node_modules/qrcode/',
      'node_modules/oidc-provider/',
    ])
      expect(device.filter((i) => i.includes(absent))).toEqual([]);
    // Loaded on first use only (once per MQTT connection, on the first frame check).
    expect(device.filter((i) => /node_modules\/(systeminformation|sharp)\//.test(i))).toEqual([]);
    const centre = staticInputs(built, 'src/cli/centre.ts');
    expect(centre.some((i) => i.includes('src/centre/'))).toBe(true);
    for (const absent of ['node_modules/werift/', 'src/camera/', 'src/stream/'])
      expect(centre.filter((i) => i.includes(absent))).toEqual([]);
  });

  it('answers centre --help', async () => {
    const { stdout } = await run(process.execPath, [built.bundle, 'centre', '--help'], { cwd: tmpdir() });
    expect(stdout).toMatch(/^Usage: nattsyn centre \[--config /);
  });

  it('runs the demo: serves the viewer page and answers a WHEP offer with a picture', async () => {
    const state = await mkdtemp(path.join(tmpdir(), 'nattsyn-bundle-demo-'));
    const demo = await startDemo(built.bundle, state);
    try {
      const base = new URL(demo.line.whepUrl).origin;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(await readFile(path.join(ROOT, 'src/viewer/index.html'), 'utf8'));
      const script = await fetch(`${base}/viewer.js`);
      expect(await script.text()).toBe(await readFile(path.join(ROOT, 'src/viewer/viewer.js'), 'utf8'));

      const viewer = await watch(demo.line.whepUrl, demo.line.token);
      try {
        expect(viewer.status).toBe(201);
        expect(viewer.answer).toMatch(/^a=sendonly/m);
        await expect
          .poll(() => viewer.received.filter((p) => p.header.marker).length, { timeout: 15_000 })
          .toBeGreaterThanOrEqual(15);
        expect(viewer.received.some((p) => nalTypes(p).includes(5))).toBe(true);
      } finally {
        await viewer.pc.close();
      }
      // One live look per token: the WebRTC one ends before the fallback's.
      const whepBase = new URL(demo.line.whepUrl);
      await fetch(new URL(viewer.location!, whepBase), {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${demo.line.token}` },
      });
      // The MPEG-1 fallback from the bundle: the player file from node_modules, the muxer bundled,
      // its ffmpeg wrapper carried (and still executable) beside its module.
      expect((await fetch(`${base}/vendor/jsmpeg-player.js`)).status).toBe(200);
      const fallback = await fetch(`${base}/fallback`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${demo.line.token}` },
      });
      expect(fallback.status).toBe(201);
      const { ticket } = (await fallback.json()) as { ticket: string };
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/fallback/ws`);
      const first = new Promise<Buffer>((resolve) => ws.once('message', (d: Buffer) => resolve(d)));
      ws.on('open', () => ws.send(ticket));
      expect((await first)[0]).toBe(0x47);
      ws.close();
      const exited = new Promise<number | null>((resolve) => demo.child.once('exit', resolve));
      demo.child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      demo.child.kill('SIGKILL');
      await rm(state, { recursive: true, force: true });
    }
  });
});
