import { describe, expect, it } from 'vitest';
import { cameraConfigSchema, commandFor, rpicamCommand, syntheticCommand } from '../../src/camera/index.ts';

const config = (over: object = {}) =>
  cameraConfigSchema.parse({ rtsp: { url: 'rtsp://cam.local/stream' }, ...over });
const DRIVERS = ['synthetic', 'rpicam', 'v4l2', 'rtsp'] as const;
const AUDIO_OPTIONS = /^(-f:?a?|-i)$/;

describe('camera command lines', () => {
  it.each(DRIVERS)('%s never opens an audio device', (driver) => {
    const { command, args } = commandFor(config({ driver }));
    const line = [command, ...args].join(' ');
    expect(line).not.toMatch(/alsa|pulse|\/dev\/snd|-c:a|-acodec|-ar |-ac |audio|libav-audio/i);
    if (driver !== 'rpicam') expect(args).toContain('-an');
    // The RTSP demuxer would set up the camera's audio track despite -an: only video is requested.
    if (driver === 'rtsp') expect(line).toContain('-allowed_media_types video -i');
    // every ffmpeg input is video: lavfi sources, v4l2, or RTSP with only the video mapped
    args.forEach((a, i) => {
      if (AUDIO_OPTIONS.test(a) && a === '-f') expect(['lavfi', 'v4l2', 'h264']).toContain(args[i + 1]);
    });
  });

  it('the synthetic camera is constrained baseline, zerolatency, with the configured GOP, at 640x480@15', () => {
    const { args } = syntheticCommand(config({ gopFrames: 20 }));
    const line = args.join(' ');
    expect(line).toContain('-profile:v baseline');
    expect(line).toContain('-tune zerolatency');
    expect(line).toContain('-g 20');
    expect(line).toContain('s=640x480:r=15');
    expect(line).toContain('geq=lum=');
    expect(args.at(-1)).toBe('pipe:1');
  });

  it('rpicam-vid gets raw inline-header baseline H.264 on stdout, with --low-latency only when asked', () => {
    const plain = rpicamCommand(config({ driver: 'rpicam', gopFrames: 30 })).args.join(' ');
    expect(plain).toContain('--codec h264 --inline --intra 30 --profile baseline --level 4');
    expect(plain).toContain('-n -t 0 -o -');
    expect(plain).not.toContain('--low-latency');
    expect(rpicamCommand(config({ driver: 'rpicam', lowLatency: true })).args).toContain('--low-latency');
  });

  it('names_the_lowest_h264_level_the_picture_fits_and_only_levels_rpicam_vid_takes', () => {
    const level = (o: Parameters<typeof config>[0]) =>
      [syntheticCommand(config(o)).args, rpicamCommand(config({ ...o, driver: 'rpicam' })).args].map(
        (args) => args[args.findIndex((a) => a === '-level:v' || a === '--level') + 1],
      );
    expect(level({})).toEqual(['3.1', '4']);
    expect(level({ width: 1280, height: 720, fps: 30 })).toEqual(['3.1', '4']);
    expect(level({ width: 1280, height: 1024, fps: 30 })).toEqual(['3.2', '4']);
    expect(level({ width: 1920, height: 1080, fps: 30 })).toEqual(['4', '4']);
    expect(level({ width: 1920, height: 1080, fps: 30, bitrateKbps: 8000 })).toEqual(['4', '4']);
  });

  it('copies H.264 from v4l2 and RTSP sources and encodes the rest', () => {
    expect(commandFor(config({ driver: 'v4l2' })).args.join(' ')).toContain('-c:v copy');
    expect(commandFor(config({ driver: 'v4l2', v4l2: { inputFormat: 'mjpeg' } })).args).toContain('libx264');
    const rtsp = commandFor(config({ driver: 'rtsp' })).args.join(' ');
    expect(rtsp).toContain(
      '-rtsp_transport tcp -allowed_media_types video -i rtsp://cam.local/stream -map 0:v:0 -an',
    );
    expect(rtsp).toContain('-c:v copy');
  });

  it('refuses an rtsp camera without a URL', () => {
    expect(() => commandFor(cameraConfigSchema.parse({ driver: 'rtsp' }))).toThrow(/rtsp/);
  });
});
