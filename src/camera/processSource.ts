/**
 * A camera source backed by one child process writing H.264 Annex B to stdout (rpicam-vid or
 * ffmpeg). Owns the process, the parser and the status; restarting is the supervisor's job.
 * stdin is closed and nothing but stdout is read: the process has no other way to hand us bytes.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn as nodeSpawn } from 'node:child_process';
import { AnnexBParser, type ParsedAccessUnit } from '../h264/index.ts';
import { Emitter } from '../platform/emitter.ts';
import { type Logger, silentLogger } from '../platform/ports.ts';
import { systemTime, type Time, type Timer } from '../platform/time.ts';
import type { CommandLine } from './commands.ts';
import type { AccessUnit, CameraSource, CameraState, CameraStatus } from './types.ts';

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ProcessSourceDeps {
  spawn?: Spawn;
  time?: Time;
  logger?: Logger;
  /** Quiet time after which held bytes count as a finished picture (see h264/annexb.ts). */
  flushAfterMs?: number;
  stopTimeoutMs?: number;
}

export class ProcessCameraSource implements CameraSource {
  readonly #driver: string;
  readonly #commandLine: CommandLine;
  readonly #spawn: Spawn;
  readonly #time: Time;
  readonly #log: Logger;
  readonly #flushAfterMs: number;
  readonly #stopTimeoutMs: number;
  readonly #accessUnits = new Emitter<[AccessUnit]>();
  readonly #statuses = new Emitter<[CameraStatus]>();
  #child: ChildProcess | undefined;
  #flushTimer: Timer | undefined;
  #state: CameraState = 'stopped';
  #lastError: string | undefined;
  #startMono = 0;
  #lastAuMono: number | undefined;
  #recent: number[] = [];
  #stderrTail = '';

  constructor(driver: string, commandLine: CommandLine, deps: ProcessSourceDeps = {}) {
    this.#driver = driver;
    this.#commandLine = commandLine;
    this.#spawn = deps.spawn ?? nodeSpawn;
    this.#time = deps.time ?? systemTime;
    this.#log = deps.logger ?? silentLogger;
    this.#flushAfterMs = deps.flushAfterMs ?? 3;
    this.#stopTimeoutMs = deps.stopTimeoutMs ?? 2000;
  }

  get commandLine(): CommandLine {
    return this.#commandLine;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    this.#lastError = undefined;
    this.#lastAuMono = undefined;
    this.#recent = [];
    this.#startMono = this.#time.monotonic();
    this.#setState('starting');
    const { command, args } = this.#commandLine;
    const child = this.#spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const parser = new AnnexBParser((au) => this.#emit(au));
    child.stdout?.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      this.#flushTimer?.cancel();
      this.#flushTimer = this.#time.timeout('annexb-flush', this.#flushAfterMs, () => parser.flush());
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      // Kept for the exit log only; camera credentials in RTSP URLs are masked.
      const text = chunk.toString('utf8').replace(/\/\/[^/@\s]*@/g, '//***@');
      this.#stderrTail = (this.#stderrTail + text).slice(-2000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.#fail(error.code === 'ENOENT' ? 'camera_missing' : 'camera_exited', child);
    });
    child.on('close', (code, signal) => {
      if (this.#child !== child) return;
      this.#log.warn(
        { driver: this.#driver, code, signal, stderr: this.#stderrTail.trim().slice(-400) },
        'camera process exited',
      );
      this.#fail(code === 127 ? 'camera_missing' : 'camera_exited', child);
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#flushTimer?.cancel();
    this.#flushTimer = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = this.#time.timeout('camera-kill', this.#stopTimeoutMs, () => child.kill('SIGKILL'));
      await exited;
      timer.cancel();
    }
    child?.stdout?.removeAllListeners();
    child?.stderr?.removeAllListeners();
    if (this.#state !== 'stopped') this.#setState('stopped');
  }

  status(): CameraStatus {
    const now = this.#time.monotonic();
    this.#recent = this.#recent.filter((t) => now - t <= 3000);
    const window = Math.min(3000, Math.max(1, now - this.#startMono));
    return {
      state: this.#state,
      driver: this.#driver,
      fps: Math.round((this.#recent.length * 10_000) / window) / 10,
      lastFrameAgeMs: this.#lastAuMono === undefined ? undefined : Math.round(now - this.#lastAuMono),
      restarts: 0,
      lastError: this.#lastError,
    };
  }

  onAccessUnit(listener: (au: AccessUnit) => void): () => void {
    return this.#accessUnits.on(listener);
  }

  onStatus(listener: (s: CameraStatus) => void): () => void {
    return this.#statuses.on(listener);
  }

  #emit(parsed: ParsedAccessUnit): void {
    const mono = this.#time.monotonic();
    this.#lastAuMono = mono;
    this.#recent.push(mono);
    const au: AccessUnit = {
      data: parsed.data,
      nals: parsed.nals,
      keyframe: parsed.keyframe,
      captureTime: this.#time.now(),
      pts90k: Math.round((mono - this.#startMono) * 90),
    };
    if (this.#state !== 'running') this.#setState('running');
    this.#accessUnits.emit(au);
  }

  #fail(code: string, child: ChildProcess): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#lastError = code;
    this.#setState('failed');
  }

  #setState(state: CameraState): void {
    this.#state = state;
    const status = this.status();
    this.#statuses.emit(status);
  }
}
