/**
 * The fallback session's own timers on a driven clock: a ticket nobody presents ends its session,
 * and the cut at the window's end closes the socket. The real access controller, audit log, hub
 * and encoder (ffmpeg); a socket double stands in for the WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { streamConfigSchema } from '../../src/stream/config.ts';
import { FallbackService, type FallbackSocket, TICKET_MS } from '../../src/stream/fallbackService.ts';
import { StreamHub } from '../../src/stream/hub.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { accessUnitsOf, h264Fixture } from '../fixtures/h264.ts';
import { settle } from '../fixtures/time.ts';
import { until } from '../support/until.ts';

// 23:05 in Stockholm on a Wednesday; the window runs 23:00-23:30 local.
const START = '2026-11-25T22:05:00Z';
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
const ORIGIN = { remote: '127.0.0.1', transport: 'http' } as const;

class SocketDouble implements FallbackSocket {
  bufferedAmount = 0;
  closed: number | undefined;
  readonly #closeListeners: (() => void)[] = [];
  send(): void {}
  close(code: number): void {
    this.closed ??= code;
    for (const l of this.#closeListeners) l();
  }
  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }
}

let h: Harness;
let service: FallbackService;
beforeEach(async () => {
  h = await makeHarness({ start: START });
  await h.access.applyPolicy(
    await h.policy({ version: 1, windows: [NIGHTLY], maxSessionSeconds: 3600 }),
    'test',
  );
  const camera = new FakeCamera({ units: accessUnitsOf(h264Fixture('valid/testsrc-96x64-gop3')) });
  const hub = new StreamHub({ camera, time: h.time });
  hub.start();
  camera.play();
  service = new FallbackService({
    config: streamConfigSchema.parse({}),
    access: h.access,
    hub,
    encoder: { fps: 15, bitrateKbps: 600 },
    logger: silentLogger,
    time: h.time,
  });
  service.start();
});
afterEach(async () => {
  await service.stop();
  await h.cleanup();
});

const ticketOf = (body: string) => (JSON.parse(body) as { ticket: string }).ticket;

describe('fallback sessions on a driven clock', () => {
  it('ends_a_session_whose_ticket_nobody_presents_as_ice_failed_after_ten_seconds', async () => {
    const reply = await service.open({ token: await h.token(), origin: ORIGIN });
    expect(reply.status).toBe(201);
    h.time.advance(TICKET_MS - 1);
    await settle();
    expect(h.access.sessions()).toHaveLength(1);
    h.time.advance(1);
    const end = await until(
      async () => (await h.records()).find((r) => r.type === 'session_end'),
      'the end',
      5000,
    );
    expect(end?.code).toBe('ice_failed');
    expect(h.access.sessions()).toHaveLength(0);
    expect(service.connect(ticketOf(reply.body), new SocketDouble())).toBe(false);
  });

  it('closes_the_socket_at_the_window_end_and_audits_the_cut', async () => {
    const reply = await service.open({ token: await h.token(), origin: ORIGIN });
    const socket = new SocketDouble();
    expect(service.connect(ticketOf(reply.body), socket)).toBe(true);
    await h.time.run(25 * 60_000 - 1);
    expect(socket.closed).toBeUndefined();
    await h.time.run(1);
    expect(await until(() => socket.closed, 'the socket to close', 5000)).toBe(1000);
    expect((await h.records()).at(-1)).toMatchObject({ type: 'session_end', code: 'window_end' });
    expect(service.encoder.running).toBe(false);
  });
});
