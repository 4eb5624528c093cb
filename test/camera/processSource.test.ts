import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccessUnit,
  cameraConfigSchema,
  createCameraSource,
  decodeStrip,
  ProcessCameraSource,
} from '../../src/camera/index.ts';
import { decodeLuma } from '../fixtures/h264.ts';

const FAKE_RPICAM = join(import.meta.dirname, '../fixtures/stream/fake-rpicam-vid');

function collect(source: ProcessCameraSource, count: number, timeoutMs = 8000): Promise<AccessUnit[]> {
  const aus: AccessUnit[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${aus.length} access units`)), timeoutMs);
    const off = source.onAccessUnit((au) => {
      aus.push(au);
      if (aus.length === count) {
        clearTimeout(timer);
        off();
        resolve(aus);
      }
    });
  });
}

describe('process camera sources', () => {
  let source: ProcessCameraSource | undefined;
  afterEach(async () => {
    await source?.stop();
  });

  it('the synthetic camera delivers a dim picture at 15 fps whose strip reads as its capture time', async () => {
    source = createCameraSource(cameraConfigSchema.parse({ driver: 'synthetic', gopFrames: 15 }));
    await source.start();
    const aus = await collect(source, 20);
    expect(aus[0]!.keyframe).toBe(true);
    expect(aus.filter((a) => a.keyframe).length).toBeGreaterThanOrEqual(1);
    const span = (aus.at(-1)!.pts90k - aus[0]!.pts90k) / 90;
    expect(span).toBeGreaterThan(19 * 40);
    expect(span).toBeLessThan(19 * 110);
    expect(source.status().state).toBe('running');

    const key = aus.filter((a) => a.keyframe).at(-1)!;
    const luma = await decodeLuma(key.data, 640, 480);
    const captured = decodeStrip((x, y) => luma[y * 640 + x]!, 640, 448, key.captureTime);
    expect(captured).toBeDefined();
    expect(Math.abs(key.captureTime - captured!)).toBeLessThan(300);
    let sum = 0;
    for (let i = 0; i < 640 * 440; i++) sum += luma[i]!;
    expect(sum / (640 * 440)).toBeLessThan(90);
  });

  it('rpicam-vid (a fake that insists on the right flags) streams real H.264 through the driver', async () => {
    source = createCameraSource(
      cameraConfigSchema.parse({ driver: 'rpicam', rpicamPath: FAKE_RPICAM, gopFrames: 10 }),
    );
    await source.start();
    const aus = await collect(source, 12);
    expect(aus[0]!.keyframe).toBe(true);
    expect(aus[10]!.keyframe).toBe(true);
  });

  it('reports camera_exited when the process refuses its command line', async () => {
    const config = cameraConfigSchema.parse({ driver: 'rpicam', rpicamPath: FAKE_RPICAM, gopFrames: 10 });
    source = createCameraSource(config);
    (source.commandLine.args as string[]).splice(source.commandLine.args.indexOf('--inline'), 1);
    const failed = new Promise((resolve) =>
      source!.onStatus((s) => s.state === 'failed' && resolve(s.lastError)),
    );
    await source.start();
    expect(await failed).toBe('camera_exited');
  });

  it('reports camera_missing when the program does not exist', async () => {
    source = createCameraSource(
      cameraConfigSchema.parse({ driver: 'rpicam', rpicamPath: '/nonexistent/rpicam-vid' }),
    );
    const failed = new Promise((resolve) =>
      source!.onStatus((s) => s.state === 'failed' && resolve(s.lastError)),
    );
    await source.start();
    expect(await failed).toBe('camera_missing');
  });

  it('logs why a process exited without the camera password of an RTSP URL', async () => {
    const logged: string[] = [];
    const logger = {
      info() {},
      debug() {},
      error() {},
      warn: (o: object) => void logged.push(JSON.stringify(o)),
    };
    source = new ProcessCameraSource(
      'rtsp',
      {
        command: 'sh',
        args: ['-c', 'echo "rtsp://admin:s3cret@cam.local/x: Connection refused" >&2; exit 1'],
      },
      { logger },
    );
    const failed = new Promise((resolve) =>
      source!.onStatus((s) => s.state === 'failed' && resolve(s.lastError)),
    );
    await source.start();
    expect(await failed).toBe('camera_exited');
    expect(logged.join()).toContain('Connection refused');
    expect(logged.join()).not.toContain('s3cret');
  });

  it('stop is idempotent and leaves no process behind', async () => {
    source = createCameraSource(cameraConfigSchema.parse({ driver: 'synthetic' }));
    await source.start();
    await collect(source, 1);
    await source.stop();
    await source.stop();
    expect(source.status().state).toBe('stopped');
  });
});
