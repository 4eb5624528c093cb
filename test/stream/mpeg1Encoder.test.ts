/**
 * The fallback's encoder as the system sees it: ffmpeg reading the hub's H.264 on stdin and writing
 * MPEG-TS to stdout, with no audio input, no audio output and no file of any kind open; started by
 * the first viewer, gone with the last.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { StreamHub } from '../../src/stream/hub.ts';
import { Mpeg1Encoder, mpeg1OutputOptions } from '../../src/stream/mpeg1Encoder.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { accessUnitsOf, makeH264 } from '../fixtures/h264.ts';
import { until } from '../support/until.ts';

let encoder: Mpeg1Encoder | undefined;
afterEach(async () => {
  await encoder?.stop();
});

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe('the MPEG-1 encoder', () => {
  it('asks for video only and writes to its standard output', () => {
    const options = mpeg1OutputOptions({ fps: 15, bitrateKbps: 600 });
    expect(options['-an']).toBe('');
    expect(Object.keys(options).some((k) => /^-(c:a|codec:a|acodec|map)$/.test(k))).toBe(false);
  });

  it('runs_ffmpeg_from_stdin_to_stdout_with_no_audio_and_no_file_open_only_while_a_viewer_is_connected', async () => {
    const camera = new FakeCamera({ units: accessUnitsOf(await makeH264(2, 15)) });
    const hub = new StreamHub({ camera });
    hub.start();
    camera.play();
    encoder = new Mpeg1Encoder(hub, { fps: 15, bitrateKbps: 600 }, silentLogger);
    expect(encoder.pid).toBeUndefined();
    const chunks: Buffer[] = [];
    const leave = encoder.subscribe({ send: (c) => chunks.push(c), bufferedAmount: 0 });
    const pid = encoder.pid!;
    await until(() => chunks.length > 0, 'MPEG-TS on stdout', 8000);
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(args.slice(-1)).toEqual(['-']);
    expect(args).toContain('-an');
    expect(args[args.indexOf('-i') + 1]).toBe('pipe:0');
    expect(args.join(' ')).not.toMatch(/alsa|pulse|\/dev\/snd|-f (wav|mp3|s16le)/);
    const open = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    expect(
      open.filter((target) => !/^(pipe|socket|anon_inode):|^\/dev\/(null|urandom|random)$/.test(target)),
    ).toEqual([]);
    leave();
    expect(encoder.running).toBe(false);
    await until(() => !alive(pid), 'the encoder to exit', 5000);
    hub.stop();
  }, 20_000);
});
