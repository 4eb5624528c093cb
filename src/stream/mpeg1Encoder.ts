/**
 * The MPEG-1 fallback's one encoder: node-rtsp-stream's `Mpeg1Muxer` (its WebSocket server, which
 * lets anyone in, is never started) turning the camera's H.264 from the hub into MPEG-TS with
 * MPEG-1 video that JSMpeg plays on a page without WebRTC. It runs only while at least one fallback
 * viewer is connected: the first subscriber starts it with the hub's cached picture group (so the
 * first picture comes at once), the last one leaving stops it. Video only (`-an`), output on stdout
 * only: nothing is written to disk.
 */

import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from '../camera/index.ts';
import type { FrameSink, HubFrame, StreamHub } from './hub.ts';

interface Mpeg1MuxerInstance {
  stream: ChildProcess;
  on(event: 'mpeg1data', listener: (chunk: Buffer) => void): void;
  on(event: 'ffmpegStderr', listener: (chunk: Buffer) => void): void;
  on(event: 'exitWithError', listener: () => void): void;
}
type Mpeg1MuxerClass = new (options: {
  url: string;
  ffmpegPath: string;
  ffmpegOptions: Record<string, string>;
}) => Mpeg1MuxerInstance;

const Mpeg1Muxer = createRequire(import.meta.url)('node-rtsp-stream/mpeg1muxer.js') as Mpeg1MuxerClass;

/** ffmpeg with the input options the muxer cannot pass (see the script). */
export const MPEG1_INPUT_FFMPEG = join(import.meta.dirname, 'mpeg1-input.sh');
/** A viewer whose socket holds more than this is behind: chunks are dropped until it catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** Frames are dropped, up to the next keyframe, while ffmpeg has this much unread input. */
const MAX_PENDING_INPUT = 2 << 20;

export interface Mpeg1Options {
  /** The camera's frame rate and bitrate: MPEG-1 gets about twice the bits for a like picture. */
  fps: number;
  bitrateKbps: number;
  /** Pictures between MPEG-1 intra frames: a viewer joining a running encoder waits at most this. */
  gopFrames?: number;
  ffmpegPath?: string;
  /** ffmpeg exited while viewers were connected: they will get no more pictures. */
  onFailed?: () => void;
}

/** One fallback viewer's end of the stream. */
export interface Mpeg1Sink {
  send(chunk: Buffer): void;
  /** Bytes queued and not yet sent (a WebSocket's bufferedAmount). */
  readonly bufferedAmount: number;
}

/**
 * The muxer's output options. MPEG-1 knows only the broadcast frame rates, so 30 is declared and
 * every camera picture is passed through as one MPEG-1 picture (no duplicates); the bitrate is
 * scaled to match.
 */
export function mpeg1OutputOptions(o: Mpeg1Options): Record<string, string> {
  const kbps = Math.round((o.bitrateKbps * 2 * 30) / o.fps);
  return {
    '-an': '',
    '-r': '30',
    '-fps_mode': 'passthrough',
    '-b:v': `${kbps}k`,
    '-bf': '0',
    '-g': String(o.gopFrames ?? o.fps),
    '-flush_packets': '1',
  };
}

export class Mpeg1Encoder implements FrameSink {
  readonly #hub: StreamHub;
  readonly #o: Mpeg1Options;
  readonly #log: Logger;
  readonly #sinks = new Set<Mpeg1Sink>();
  #muxer: Mpeg1MuxerInstance | undefined;
  #detach: (() => void) | undefined;
  #waitKeyframe = false;
  /** ffmpeg's exit, once a stop began: a second stop waits for the same exit. */
  #exited: Promise<void> = Promise.resolve();
  /** Encoders started since construction (a test proves the encoder is not left running). */
  starts = 0;

  constructor(hub: StreamHub, options: Mpeg1Options, log: Logger) {
    this.#hub = hub;
    this.#o = options;
    this.#log = log;
  }

  get running(): boolean {
    return this.#muxer !== undefined;
  }

  /** The encoder's process id while it runs (tests read its command line and open files). */
  get pid(): number | undefined {
    return this.#muxer?.stream.pid;
  }

  get viewers(): number {
    return this.#sinks.size;
  }

  /** Adds a viewer, starting the encoder for the first; the returned function removes it. */
  subscribe(sink: Mpeg1Sink): () => void {
    this.#sinks.add(sink);
    if (!this.#muxer) this.#start();
    return () => {
      this.#sinks.delete(sink);
      if (this.#sinks.size === 0) void this.stop();
    };
  }

  /** Stops the encoder and forgets every viewer; resolves once ffmpeg has exited. Idempotent. */
  async stop(): Promise<void> {
    this.#sinks.clear();
    this.#detach?.();
    this.#detach = undefined;
    const muxer = this.#muxer;
    this.#muxer = undefined;
    const child = muxer?.stream;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.#exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.destroy();
      child.kill('SIGTERM');
    }
    await this.#exited;
  }

  onFrame(frame: HubFrame): void {
    const stdin = this.#muxer?.stream.stdin;
    if (!stdin?.writable) return;
    if (this.#waitKeyframe && !frame.keyframe) return;
    this.#waitKeyframe = stdin.writableLength > MAX_PENDING_INPUT;
    if (!this.#waitKeyframe) stdin.write(frame.annexB);
  }

  #start(): void {
    this.starts += 1;
    const muxer = new Mpeg1Muxer({
      url: 'pipe:0',
      ffmpegPath: this.#o.ffmpegPath ?? MPEG1_INPUT_FFMPEG,
      ffmpegOptions: mpeg1OutputOptions(this.#o),
    });
    this.#muxer = muxer;
    muxer.stream.stdin?.on('error', () => undefined);
    muxer.on('mpeg1data', (chunk) => this.#broadcast(chunk));
    muxer.on('ffmpegStderr', (line) =>
      this.#log.warn({ ffmpeg: String(line).slice(0, 200) }, 'mpeg1 encoder'),
    );
    muxer.stream.on('exit', (code) => {
      if (this.#muxer !== muxer) return;
      this.#log.warn({ code }, 'mpeg1 encoder exited');
      this.#muxer = undefined;
      this.#detach?.();
      this.#detach = undefined;
      this.#o.onFailed?.();
    });
    this.#waitKeyframe = false;
    for (const frame of this.#hub.currentGop()) this.onFrame(frame);
    this.#detach = this.#hub.attach(this);
  }

  #broadcast(chunk: Buffer): void {
    for (const sink of this.#sinks) {
      if (sink.bufferedAmount <= MAX_BUFFERED_BYTES) sink.send(chunk);
    }
  }
}
