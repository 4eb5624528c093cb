/**
 * Issue 9, item 9: a viewer's RTP timestamps across a real camera restart. The synthetic camera
 * (real ffmpeg) runs under its supervisor into the real hub; its process is killed mid-stream, the
 * supervisor starts a new one whose clock begins again at 0, and the viewer's timestamps and
 * sequence numbers must keep going forward through it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RtpPacket } from 'werift';
import { cameraConfigSchema, createSupervisedCamera } from '../../src/camera/index.ts';
import { StreamHub } from '../../src/stream/index.ts';
import { ViewerFeed } from '../../src/stream/viewerFeed.ts';
import { until } from '../support/until.ts';

describe('a viewer across a camera restart', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('keeps_its_timestamps_and_sequence_numbers_monotonic_when_the_camera_process_is_killed', async () => {
    const children: ChildProcess[] = [];
    const config = cameraConfigSchema.parse({
      driver: 'synthetic',
      gopFrames: 15,
      restart: { initialMs: 300, factor: 2, maxMs: 1000 },
    });
    const camera = createSupervisedCamera(config, {
      spawn: (command, args, options) => {
        const child = spawn(command, args, options);
        children.push(child);
        return child;
      },
    });
    const hub = new StreamHub({ camera });
    hub.start();
    stops.push(
      () => hub.stop(),
      () => camera.stop(),
    );
    const pts: number[] = [];
    hub.attach({ onFrame: (f) => pts.push(f.pts90k) });
    await camera.start();
    expect(await hub.waitForKeyframe(10_000)).toBe(true);

    const sent: RtpPacket[] = [];
    const feed = new ViewerFeed(hub, (p) => sent.push(p.clone()), 102);
    feed.begin();
    stops.push(() => feed.end());
    await until(() => (pts.at(-1) ?? 0) > 2 * 90_000, 'two seconds of the first run', 15_000);
    const before = pts.length;
    children[0]!.kill('SIGKILL');
    await until(() => children.length === 2 && pts.length > before + 15, 'the restarted camera', 15_000);

    expect(camera.status().restarts).toBe(1);
    const back = pts.slice(1).map((p, i) => p - pts[i]!);
    expect(Math.min(...back)).toBeLessThan(-2 * 90_000 + 30_000); // the camera's own clock went back
    const stamps = sent.map((p) => p.header.timestamp);
    const steps = stamps.slice(1).map((t, i) => t - stamps[i]!);
    expect(steps.filter((d) => d < 0)).toEqual([]);
    expect(Math.max(...steps)).toBeGreaterThanOrEqual(300 * 90); // the gap is the time that passed
    const seq = sent.map((p) => p.header.sequenceNumber);
    expect(seq.filter((s, i) => i > 0 && s !== ((seq[i - 1]! + 1) & 0xffff))).toEqual([]);
  }, 30_000);
});
