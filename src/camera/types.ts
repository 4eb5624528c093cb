/**
 * The camera's contract with the rest of the service. Every driver (rpicam, v4l2, rtsp, synthetic)
 * implements CameraSource; the stream hub, the frame checks and health only see these types.
 */

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
