import { describe, expect, it } from 'vitest';
import { CameraScheduler } from '../../src/camera/index.ts';
import { epochMillis } from '../../src/policy/index.ts';
import { makeHarness } from '../access/harness.ts';
import { FakeAccess } from '../fixtures/access.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { ManualTime, settle } from '../fixtures/time.ts';

describe('CameraScheduler', () => {
  it('runs the camera only while access control wants it, asking with the lead time', async () => {
    const time = new ManualTime();
    const access = new FakeAccess({ time });
    const camera = new FakeCamera();
    access.recheckInMs = 5000;
    const scheduler = new CameraScheduler({ access, camera, leadMs: 120_000, time });
    await scheduler.start();
    expect(camera.started).toBe(0);
    access.wanted = true;
    await time.run(5000);
    expect(camera.started).toBe(1);
    expect(access.leadAsked.every((l) => l === 120_000)).toBe(true);
    access.wanted = false;
    await time.run(5000);
    expect(camera.stopped).toBe(1);
    await scheduler.stop();
  });

  it('starts the camera at once when access control announces a session, without being asked', async () => {
    const time = new ManualTime();
    const access = new FakeAccess({ time });
    const camera = new FakeCamera();
    const scheduler = new CameraScheduler({ access, camera, leadMs: 0, time });
    await scheduler.start();
    access.wanted = true;
    access.announce();
    await settle();
    expect(camera.started).toBe(1);
    expect(scheduler.cameraOn).toBe(true);
    await scheduler.stop();
    expect(camera.stopped).toBe(1);
    expect(time.pending).toBe(0);
    expect(access.listeners).toBe(0);
  });

  it('uses the longest lead any part needs', () => {
    const time = new ManualTime();
    const scheduler = new CameraScheduler({
      access: new FakeAccess({ time }),
      camera: new FakeCamera(),
      leadMs: 120_000,
      neededLeadMs: [17 * 60_000],
      time,
    });
    expect(scheduler.leadMs).toBe(17 * 60_000);
  });

  it('follows the real access controller: a session outside any window runs the camera until it ends', async () => {
    const h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
    try {
      await h.access.applyPolicy(await h.policy({ version: 1, windows: [] }), 'centre');
      const camera = new FakeCamera();
      const scheduler = new CameraScheduler({ access: h.access, camera, leadMs: 120_000, time: h.time });
      await scheduler.start();
      h.access.setInstallPreview(epochMillis(h.time.wall + 10 * 60_000));
      const admission = await h.access.admit(await h.token({ scope: 'install' }), {
        remote: '127.0.0.1',
        transport: 'http',
      });
      expect(admission.ok).toBe(true);
      await settle();
      expect([camera.started, scheduler.cameraOn]).toEqual([1, true]);
      if (admission.ok) await h.access.end(admission.session.sessionId, 'closed_by_viewer');
      await settle();
      expect([camera.stopped, scheduler.cameraOn]).toEqual([1, false]);
      await scheduler.stop();
    } finally {
      await h.cleanup();
    }
  });
});
