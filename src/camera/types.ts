/**
 * The camera's contract with the rest of the service: the config section that picks and tunes it,
 * and the types every driver (rpicam, v4l2, rtsp, synthetic) implements. The stream hub, the frame
 * checks and health only see these types; src/config.ts composes the section.
 */
import { z } from 'zod';

/** One H.264 access unit (one picture), Annex B byte stream with start codes, never written anywhere. */
export interface AccessUnit {
  data: Uint8Array;
  /** The same NAL units without start codes (views into `data`): what the RTP payloader takes. */
  nals: readonly Uint8Array[];
  /** An IDR picture, with SPS/PPS in front of it (drivers emit headers inline). */
  keyframe: boolean;
  /** Capture time, wall clock, epoch milliseconds. */
  captureTime: number;
  /** Presentation time on a 90 kHz clock, monotonically increasing within one run of the source. */
  pts90k: number;
}

export type CameraState = 'stopped' | 'starting' | 'running' | 'stalled' | 'failed';

export interface CameraStatus {
  state: CameraState;
  driver: string;
  /** Access units per second over the last few seconds. */
  fps: number;
  /** Milliseconds since the last access unit; undefined before the first one. */
  lastFrameAgeMs: number | undefined;
  /** Restarts by the supervisor since the service started. */
  restarts: number;
  /** Stable code of the last failure, e.g. `camera_missing`, `camera_stalled`, `camera_exited`. */
  lastError?: string | undefined;
}

export interface CameraSource {
  start(): Promise<void>;
  /** Idempotent; releases the child process, timers and listeners it owns. */
  stop(): Promise<void>;
  status(): CameraStatus;
  /** Returns an unsubscribe function. */
  onAccessUnit(listener: (au: AccessUnit) => void): () => void;
  onStatus(listener: (status: CameraStatus) => void): () => void;
  /** Ask for an IDR soon, where the driver can (PLI from a viewer). */
  requestKeyframe?(): void;
}

/**
 * The camera section of the config file: which driver, the picture it must deliver, and the GPIO
 * pins of the IR illuminator, the privacy LED and the pause button.
 */
const bcmPin = z.number().int().min(0).max(53);

export const retryScheduleSchema = z
  .strictObject({
    initialMs: z.number().int().min(10).default(500),
    factor: z.number().min(1).max(10).default(2),
    maxMs: z.number().int().min(10).default(30_000),
  })
  .default({ initialMs: 500, factor: 2, maxMs: 30_000 });

export const cameraConfigSchema = z
  .strictObject({
    /** The device's camera. `synthetic` (an ffmpeg test picture) is for the demo and tests only. */
    driver: z.enum(['synthetic', 'rpicam', 'v4l2', 'rtsp']).default('rpicam'),
    width: z.number().int().min(160).max(1920).default(640),
    height: z.number().int().min(120).max(1080).default(480),
    fps: z.number().int().min(1).max(30).default(15),
    /** Frames between IDR pictures: the GOP a joining viewer is replayed. */
    gopFrames: z.number().int().min(1).max(300).default(30),
    bitrateKbps: z.number().int().min(100).max(8000).default(600),
    ffmpegPath: z.string().min(1).default('ffmpeg'),
    rpicamPath: z.string().min(1).default('rpicam-vid'),
    /** rpicam-vid `--low-latency` (Raspberry Pi 5, software encoder). */
    lowLatency: z.boolean().default(false),
    v4l2: z
      .strictObject({
        device: z.string().startsWith('/dev/').default('/dev/video0'),
        inputFormat: z.enum(['h264', 'mjpeg', 'yuyv422']).default('h264'),
      })
      .default({ device: '/dev/video0', inputFormat: 'h264' }),
    rtsp: z
      .strictObject({
        url: z.string().regex(/^rtsps?:\/\//, 'expected an rtsp:// or rtsps:// URL'),
        transport: z.enum(['tcp', 'udp']).default('tcp'),
        /** True when the camera already sends H.264 (copied, not re-encoded). */
        h264: z.boolean().default(true),
      })
      .optional(),
    /** No access unit for this long counts as a stall: the supervisor restarts the source. */
    stallMs: z.number().int().min(500).default(3000),
    /** The camera starts this long before a window opens. */
    leadSeconds: z.number().int().min(0).max(3600).default(120),
    restart: retryScheduleSchema,
    gpio: z
      .strictObject({
        enabled: z.boolean().default(false),
        sysfsRoot: z.string().default('/sys'),
        /** BCM numbers (the pin names on the Pi header), not sysfs numbers. */
        irPin: bcmPin.optional(),
        ledPin: bcmPin.optional(),
        /**
         * The resident's pause button: a press pauses supervision, holding it `longPressMs` resumes.
         * Wired to ground with a pull-up by default (`activeLow`: pressed reads 0).
         */
        pauseButton: z
          .strictObject({
            pin: bcmPin,
            activeLow: z.boolean().default(true),
            debounceMs: z.number().int().min(5).max(500).default(50),
            longPressMs: z.number().int().min(1000).max(10_000).default(3000),
          })
          .optional(),
      })
      .default({ enabled: false, sysfsRoot: '/sys' }),
  })
  .superRefine((c, ctx) => {
    if (c.driver === 'rtsp' && !c.rtsp) {
      ctx.addIssue({ code: 'custom', path: ['rtsp'], message: 'the rtsp driver needs camera.rtsp.url' });
    }
  });

export type CameraConfig = z.output<typeof cameraConfigSchema>;
export type CameraConfigInput = z.input<typeof cameraConfigSchema>;
