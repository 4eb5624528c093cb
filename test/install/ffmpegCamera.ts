/**
 * A CameraSource made of the real ffmpeg: a test pattern encoded to H.264 with access-unit
 * delimiters, split into access units in memory. Stands in for the stream helper's synthetic driver
 * until that is on main; it implements the same contract (src/camera/types.ts). Video only (-an).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AccessUnit, CameraSource, CameraStatus } from '../../src/camera/types.ts';
import { accessUnit } from '../fixtures/h264.ts';

export class FfmpegTestCamera implements CameraSource {
  readonly #listeners = new Set<(au: AccessUnit) => void>();
  #child: ChildProcess | undefined;
  #pending = Buffer.alloc(0);
  #frames = 0;

  async start(): Promise<void> {
    if (this.#child) return;
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=15',
    ]
      .concat([
        '-an',
        '-c:v',
        'libx264',
        '-profile:v',
        'baseline',
        '-g',
        '15',
        '-tune',
        'zerolatency',
        '-x264-params',
        'aud=1',
      ])
      .concat(['-f', 'h264', 'pipe:1']);
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.#feed(chunk));
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  status(): CameraStatus {
    return {
      state: this.#child ? 'running' : 'stopped',
      driver: 'ffmpeg-test',
      fps: 15,
      lastFrameAgeMs: undefined,
      restarts: 0,
    };
  }

  onAccessUnit(listener: (au: AccessUnit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(): () => void {
    return () => {};
  }

  /** Cuts the byte stream at each access-unit delimiter (NAL type 9): what lies before is one picture. */
  #feed(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const next = this.#nextAud(4);
      if (next < 0) return;
      const data = this.#pending.subarray(0, next);
      this.#pending = this.#pending.subarray(next);
      if (this.#hasNal(data, 1) || this.#hasNal(data, 5)) this.#emit(data);
    }
  }

  #nextAud(from: number): number {
    for (let i = from; i + 3 < this.#pending.length; i++) {
      const b = this.#pending;
      if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1 && ((b[i + 3] ?? 0) & 0x1f) === 9)
        return i > 0 && b[i - 1] === 0 ? i - 1 : i;
    }
    return -1;
  }

  #hasNal(data: Buffer, type: number): boolean {
    for (let i = 0; i + 3 < data.length; i++)
      if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1 && ((data[i + 3] ?? 0) & 0x1f) === type)
        return true;
    return false;
  }

  #emit(data: Buffer): void {
    const au: AccessUnit = accessUnit(new Uint8Array(data), {
      keyframe: this.#hasNal(data, 5),
      captureTime: Date.now(),
      pts90k: this.#frames++ * 6000,
    });
    for (const listener of this.#listeners) listener(au);
  }
}
