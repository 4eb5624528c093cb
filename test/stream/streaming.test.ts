import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { cameraConfigSchema, FakeGpio } from '../../src/camera/index.ts';
import { StreamingService, streamConfigSchema } from '../../src/stream/index.ts';
import { processTree } from '../fixtures/stream/files.ts';
import { call, offerFixture, post } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { until } from '../support/until.ts';

/** A fallback viewer: POST with the token, then the ticket as the socket's first message. */
async function fallbackViewer(url: string, token: string) {
  const res = await fetch(`${url}/fallback`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  const { ticket } = (await res.json()) as { ticket: string };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/fallback/ws`);
  let bytes = 0;
  ws.on('open', () => ws.send(ticket));
  ws.on('message', (d: Buffer) => (bytes += d.length));
  const closed = new Promise((resolve) => ws.on('close', resolve));
  return { status: res.status, location: res.headers.get('location')!, ws, bytes: () => bytes, closed };
}

describe('StreamingService', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Only the stack's access controller is used; its own camera stays off.
    stack = await startStack({ window: 'open', camera: false });
  });
  afterAll(() => stack.stop());

  it('runs the camera while a window is open, lights the LED exactly while a session lives, and stops clean', async () => {
    const gpio = new FakeGpio();
    const resourcesBefore = process.getActiveResourcesInfo().sort();
    const service = new StreamingService(
      {
        camera: cameraConfigSchema.parse({
          driver: 'synthetic',
          gpio: { enabled: true, irPin: 18, ledPin: 23 },
        }),
        stream: streamConfigSchema.parse({ port: 0, ice: { hostAddresses: ['127.0.0.1'] } }),
      },
      { access: stack.access, time: stack.time, gpio },
    );
    await service.start();
    expect(service.scheduler.cameraOn).toBe(true);
    expect(await service.hub.waitForKeyframe(8000)).toBe(true);
    await service.indicators.settled();
    expect(gpio.isOn(18)).toBe(true);
    expect(gpio.isOn(23)).toBe(false);

    const token = await stack.token();
    const created = await post(service.url, offerFixture('chromium-video'), token);
    expect(created.res.status).toBe(201);
    await service.indicators.settled();
    expect(gpio.isOn(23)).toBe(true);
    await call(service.url, created.res.headers.get('location')!, 'DELETE', token);
    await service.indicators.settled();
    expect(gpio.isOn(23)).toBe(false);

    // The MPEG-1 fallback lights it the same way, and its encoder runs only while a viewer is there.
    const fallback = await fallbackViewer(service.url, await stack.token());
    expect(fallback.status).toBe(201);
    await until(() => fallback.bytes() > 0, 'the fallback picture', 8000);
    await service.indicators.settled();
    expect(gpio.isOn(23)).toBe(true);
    fallback.ws.close();
    await until(() => stack.access.sessions().length === 0, 'the fallback session to end', 5000);
    await service.indicators.settled();
    expect(gpio.isOn(23)).toBe(false);

    const open = await post(service.url, offerFixture('chromium-video'), await stack.token());
    expect(open.res.status).toBe(201);
    const watching = await fallbackViewer(service.url, await stack.token());
    await until(() => watching.bytes() > 0, 'the fallback picture', 8000);
    await service.stop();
    await watching.closed;
    const fallbackId = watching.location.split('/').pop();
    expect(
      (await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === fallbackId)?.code,
    ).toBe('shutdown');
    await service.stop();
    const id = open.res.headers.get('location')!.split('/').pop();
    expect((await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id)?.code).toBe(
      'shutdown',
    );
    expect(gpio.isOn(18)).toBe(false);
    expect(processTree().filter((p) => p.comm === 'ffmpeg')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing left open: no UDP socket, timer, child pipe or listener beyond what was there before.
    const left = process.getActiveResourcesInfo().sort();
    for (const kind of new Set(left)) {
      expect(left.filter((k) => k === kind).length).toBeLessThanOrEqual(
        resourcesBefore.filter((k) => k === kind).length,
      );
    }
  });
});
