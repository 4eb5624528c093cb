import { describe, expect, it } from 'vitest';
import { CameraSupervisor } from '../../src/camera/index.ts';
import { Backoff } from '../../src/platform/backoff.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { accessUnit } from '../fixtures/h264.ts';
import { ManualTime } from '../fixtures/time.ts';

const au = (keyframe = false) => accessUnit(new Uint8Array([0, 0, 0, 1, 0x65]), { keyframe });

function setup(stallMs = 3000) {
  const time = new ManualTime();
  const cameras: FakeCamera[] = [];
  const supervisor = new CameraSupervisor({
    create: () => {
      const c = new FakeCamera();
      cameras.push(c);
      return c;
    },
    schedule: new Backoff({ initialMs: 500, factor: 2, maxMs: 4000 }),
    stallMs,
    healthyAfterMs: 10_000,
    time,
  });
  return { time, cameras, supervisor };
}

describe('the camera restart back-off', () => {
  it('reads as a doubling back-off capped at its maximum', () => {
    const schedule = new Backoff({ initialMs: 500, factor: 2, maxMs: 4000 });
    expect(schedule.delays(6)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(String(schedule)).toBe('500, 1000, 2000, 4000 … ≤ 4000 ms');
  });
});

describe('CameraSupervisor', () => {
  it('restarts a source that died after the scheduled back-off, longer each time', async () => {
    const { time, cameras, supervisor } = setup();
    await supervisor.start();
    cameras[0]!.setState('failed');
    expect(supervisor.status()).toMatchObject({ state: 'failed', lastError: 'camera_exited', restarts: 0 });
    time.advance(499);
    expect(cameras).toHaveLength(1);
    time.advance(1);
    expect(cameras).toHaveLength(2);
    cameras[1]!.setState('failed');
    time.advance(999);
    expect(cameras).toHaveLength(2);
    time.advance(1);
    expect(cameras).toHaveLength(3);
    expect(supervisor.status().restarts).toBe(2);
    await supervisor.stop();
  });

  it('treats 3 s without an access unit as a stall and restarts', async () => {
    const { time, cameras, supervisor } = setup();
    await supervisor.start();
    time.advance(2000);
    cameras[0]!.emit(au(true));
    time.advance(2999);
    expect(supervisor.status().state).toBe('running');
    time.advance(1);
    expect(supervisor.status()).toMatchObject({ state: 'stalled', lastError: 'camera_stalled' });
    expect(cameras[0]!.stopped).toBe(1);
    time.advance(500);
    expect(cameras).toHaveLength(2);
    await supervisor.stop();
  });

  it('forwards access units and keyframe requests, and resets the back-off once healthy', async () => {
    const { time, cameras, supervisor } = setup();
    const seen: boolean[] = [];
    supervisor.onAccessUnit((a) => seen.push(a.keyframe));
    await supervisor.start();
    cameras[0]!.setState('failed');
    time.advance(500);
    for (let t = 0; t <= 10_000; t += 1000) {
      cameras[1]!.emit(au(t === 0));
      time.advance(1000);
    }
    expect(seen[0]).toBe(true);
    expect(supervisor.nextRetryMs).toBe(500);
    supervisor.requestKeyframe();
    expect(cameras[1]!.keyframeRequests).toBe(1);
    await supervisor.stop();
  });

  it('stop releases the source, its listeners and every timer', async () => {
    const { time, cameras, supervisor } = setup();
    await supervisor.start();
    cameras[0]!.setState('failed');
    await supervisor.stop();
    await supervisor.stop();
    expect(time.pending).toBe(0);
    expect(cameras[0]!.listeners).toBe(0);
    expect(supervisor.status().state).toBe('stopped');
    time.advance(60_000);
    expect(cameras).toHaveLength(1);
  });
});
