import { describe, expect, it } from 'vitest';
import { CameraScheduler } from '../../src/camera/index.ts';
import { FakeCamera } from '../fixtures/stream/h264.ts';
import { ManualTime } from '../fixtures/time.ts';

function fakeAccess() {
  const listeners = new Set<(n: number) => void>();
  const access = {
    wanted: false,
    leadAsked: [] as number[],
    cameraWanted(leadMs: number) {
      this.leadAsked.push(leadMs);
      return this.wanted;
    },
    onSessionsChanged(l: (n: number) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    fire(n: number) {
      for (const l of listeners) l(n);
    },
    get listeners() {
      return listeners.size;
    },
  };
  return access;
}

describe('CameraScheduler', () => {
  it('runs the camera only while access control wants it, asking with the lead time', async () => {
    const time = new ManualTime();
    const access = fakeAccess();
    const camera = new FakeCamera();
    const scheduler = new CameraScheduler({ access, camera, leadMs: 120_000, tickMs: 5000, time });
    await scheduler.start();
    expect(camera.started).toBe(0);
    access.wanted = true;
    time.advance(5000);
    await scheduler.evaluate();
    expect(camera.started).toBe(1);
    expect(access.leadAsked.every((l) => l === 120_000)).toBe(true);
    access.wanted = false;
    time.advance(5000);
    await scheduler.evaluate();
    expect(camera.stopped).toBe(1);
    await scheduler.stop();
  });

  it('starts the camera at once when a session appears', async () => {
    const time = new ManualTime();
    const access = fakeAccess();
    const camera = new FakeCamera();
    const scheduler = new CameraScheduler({ access, camera, leadMs: 0, time });
    await scheduler.start();
    access.wanted = true;
    access.fire(1);
    await scheduler.evaluate();
    expect(camera.started).toBe(1);
    expect(scheduler.cameraOn).toBe(true);
    await scheduler.stop();
    expect(camera.stopped).toBe(1);
    expect(time.pending).toBe(0);
    expect(access.listeners).toBe(0);
  });
});
