/**
 * Command lines of the process-backed drivers. Pure functions, so tests can prove what each driver
 * runs: video only (`-an`, no audio input, no audio device), raw H.264 Annex B on stdout, nothing
 * written to disk.
 */

import { STRIP_BLOCK_WIDTH, STRIP_BLOCKS, STRIP_HEIGHT, stripGeqExpression } from './strip.ts';
import type { CameraConfig } from './types.ts';

export interface CommandLine {
  command: string;
  args: string[];
}

const FFMPEG_COMMON = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
/** Raw H.264 to stdout, one write per picture. */
const FFMPEG_OUT = ['-f', 'h264', '-flush_packets', '1', 'pipe:1'];

/** H.264 levels (Table A-1): max macroblocks per second and per frame, max bitrate (kbit/s, baseline). */
const LEVELS = [
  { level: '3.1', mbps: 108_000, fs: 3600, kbps: 14_000 },
  { level: '3.2', mbps: 216_000, fs: 5120, kbps: 20_000 },
  { level: '4', mbps: 245_760, fs: 8192, kbps: 20_000 },
  { level: '4.1', mbps: 245_760, fs: 8192, kbps: 50_000 },
  { level: '4.2', mbps: 522_240, fs: 8704, kbps: 50_000 },
] as const;

/**
 * The lowest level the picture fits, from `allowed` (rpicam-vid takes only 4, 4.1 and 4.2). The
 * encoder writes it into the SPS, and the answer declares what the SPS says (src/h264/profile.ts),
 * so the level named here is the level every viewer is told.
 */
export function h264Level(c: CameraConfig, allowed: readonly string[] = LEVELS.map((l) => l.level)): string {
  const fs = Math.ceil(c.width / 16) * Math.ceil(c.height / 16);
  const fits = LEVELS.filter((l) => allowed.includes(l.level)).find(
    (l) => fs <= l.fs && fs * c.fps <= l.mbps && c.bitrateKbps <= l.kbps,
  );
  return fits?.level ?? allowed.at(-1) ?? '4.2';
}

/** libx264 tuned for live viewing: constrained baseline, no B-frames, zerolatency. */
export function x264Args(c: CameraConfig): string[] {
  const kbps = c.bitrateKbps;
  return [
    ...['-c:v', 'libx264', '-profile:v', 'baseline', '-level:v', h264Level(c), '-pix_fmt', 'yuv420p'],
    ...['-preset', 'ultrafast', '-tune', 'zerolatency', '-threads', '1'],
    ...['-g', String(c.gopFrames), '-keyint_min', String(c.gopFrames), '-sc_threshold', '0'],
    ...['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${Math.round(kbps / 2)}k`],
    ...['-x264-params', 'repeat-headers=1'],
  ];
}

/**
 * A dim grey "IR bedroom": a bed with a pillow, a window, a slowly moving shape (breathing under a
 * blanket), mild temporal noise. After real-time pacing each picture is stamped with the wall clock
 * (RTCTIME) and the strip drawn from it (strip.ts).
 */
export function syntheticCommand(c: CameraConfig): CommandLine {
  const { width: w, height: h, fps } = c;
  const sx = (n: number) => Math.round((n * w) / 640);
  const sy = (n: number) => Math.round((n * h) / 480);
  const stripH = Math.max(2, Math.round((STRIP_HEIGHT * w) / (STRIP_BLOCKS * STRIP_BLOCK_WIDTH) / 2) * 2);
  const box = (x: number, y: number, bw: number, bh: number, color: string) =>
    `drawbox=x=${sx(x)}:y=${sy(y)}:w=${sx(bw)}:h=${sy(bh)}:color=${color}:t=fill`;
  const geq = stripGeqExpression().replace(
    `floor(X/${STRIP_BLOCK_WIDTH})`,
    `floor(X*640/W/${STRIP_BLOCK_WIDTH})`,
  );
  const graph = [
    `[0:v]${box(300, 250, 320, 170, '0x4a4a4a')},${box(320, 228, 90, 44, '0x5e5e5e')},${box(40, 50, 150, 120, '0x343434')}[bg]`,
    '[1:v]format=yuv420p[m]',
    `[bg][m]overlay=x='${sx(420)}+${sx(14)}*sin(t*0.6)':y='${sy(262)}+${sy(5)}*sin(t*1.3)':eval=frame,` +
      'noise=alls=6:allf=t,realtime,settb=1/1000,setpts=RTCTIME/1000,split[a][b]',
    `[b]crop=${w}:${stripH}:0:${h - stripH},geq=lum='${geq}':cb=128:cr=128[s]`,
    `[a][s]overlay=0:${h - stripH},settb=1/${fps},setpts=N,format=yuv420p[out]`,
  ].join(';');
  return {
    command: c.ffmpegPath,
    args: [
      ...FFMPEG_COMMON,
      ...['-f', 'lavfi', '-i', `color=c=0x262626:s=${w}x${h}:r=${fps}`],
      ...['-f', 'lavfi', '-i', `color=c=0x5a5a5a:s=${sx(120)}x${sy(60)}:r=${fps}`],
      ...['-filter_complex', graph, '-map', '[out]', '-an', '-fps_mode', 'passthrough'],
      ...x264Args(c),
      ...FFMPEG_OUT,
    ],
  };
}

/**
 * rpicam-vid (libcamera): raw H.264 with headers on every IDR, no preview, runs until stopped. The
 * profile and level are named, never the encoder's default (level 4.x, and on a Pi 5 whatever
 * libx264 picks), so the SPS the answer declares is the one chosen here.
 */
export function rpicamCommand(c: CameraConfig): CommandLine {
  const args = [
    ...['--codec', 'h264', '--inline', '--intra', String(c.gopFrames), '--profile', 'baseline'],
    ...['--level', h264Level(c, ['4', '4.1', '4.2'])],
    ...['--width', String(c.width), '--height', String(c.height), '--framerate', String(c.fps)],
    ...['--bitrate', String(c.bitrateKbps * 1000), '--flush'],
    ...['-n', '-t', '0', '-o', '-'],
  ];
  if (c.lowLatency) args.push('--low-latency');
  return { command: c.rpicamPath, args };
}

/** A V4L2 webcam through ffmpeg: H.264 cameras are copied, others encoded. */
export function v4l2Command(c: CameraConfig): CommandLine {
  const { device, inputFormat } = c.v4l2;
  return {
    command: c.ffmpegPath,
    args: [
      ...FFMPEG_COMMON,
      ...['-f', 'v4l2', '-input_format', inputFormat, '-framerate', String(c.fps)],
      ...['-video_size', `${c.width}x${c.height}`, '-i', device, '-an'],
      ...(inputFormat === 'h264' ? ['-c:v', 'copy'] : x264Args(c)),
      ...FFMPEG_OUT,
    ],
  };
}

/** An IP camera over RTSP through ffmpeg: video only, copied when the camera sends H.264. */
export function rtspCommand(c: CameraConfig): CommandLine {
  if (!c.rtsp) throw new Error('camera.rtsp.url is required for the rtsp driver');
  return {
    command: c.ffmpegPath,
    args: [
      ...FFMPEG_COMMON,
      // `-an` alone still lets the RTSP demuxer SET UP the camera's audio track, pulling the room's
      // sound onto the device: only the video track may ever be requested.
      ...['-rtsp_transport', c.rtsp.transport, '-allowed_media_types', 'video'],
      ...['-i', c.rtsp.url, '-map', '0:v:0', '-an', '-dn', '-sn'],
      ...(c.rtsp.h264 ? ['-c:v', 'copy'] : x264Args(c)),
      ...FFMPEG_OUT,
    ],
  };
}

export function commandFor(c: CameraConfig): CommandLine {
  switch (c.driver) {
    case 'synthetic':
      return syntheticCommand(c);
    case 'rpicam':
      return rpicamCommand(c);
    case 'v4l2':
      return v4l2Command(c);
    case 'rtsp':
      return rtspCommand(c);
  }
}
