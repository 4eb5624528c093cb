/**
 * The MPEG-1 fallback on the device's own listener, with the real synthetic ffmpeg camera and
 * node-rtsp-stream's muxer: admitted and audited like WHEP (media `mpeg1`), a one-time ticket as
 * the WebSocket's first message, video only, the encoder running only while a viewer is connected.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { until } from '../support/until.ts';

interface Opened {
  status: number;
  body: { ticket?: string; code?: string };
  location: string | null;
}

async function open(stack: Stack, token?: string): Promise<Opened> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${stack.url}/fallback`, { method: 'POST', headers });
  return { status: res.status, body: await res.json(), location: res.headers.get('location') };
}

/** A viewer's socket: presents `ticket` first, then collects the picture bytes. */
function watch(stack: Stack, ticket: string) {
  const ws = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/fallback/ws`);
  const chunks: Buffer[] = [];
  const opened = performance.now();
  let firstChunkMs: number | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  ws.on('open', () => ws.send(ticket));
  ws.on('message', (data: Buffer) => {
    firstChunkMs ??= performance.now() - opened;
    chunks.push(data);
  });
  return {
    ws,
    closed,
    bytes: () => Buffer.concat(chunks),
    firstChunkMs: () => firstChunkMs,
  };
}

/** What ffprobe finds in the received bytes (read from a pipe: nothing touches the disk). */
function probe(ts: Buffer): Promise<{ codec_type: string; codec_name: string }[]> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-i', 'pipe:0']);
    let out = '';
    ff.stdout.on('data', (d) => (out += d));
    ff.on('error', reject);
    ff.on('close', () => resolve(JSON.parse(out).streams ?? []));
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(ts);
  });
}

/**
 * The TCP ports this process listens on, read from /proc: node-rtsp-stream's own WebSocket server
 * (which lets anyone watch) would show up here as a new one.
 */
function listeningPorts(): number[] {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:[')) mine.add(target.slice(8, -1));
    } catch {
      // closed between the listing and the read
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && mine.has(f[9]!)) ports.push(Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

describe('the MPEG-1 fallback on the device', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ window: 'open', maxViewers: 3 });
    await stack.hub.waitForKeyframe(8000);
  }, 20_000);
  afterAll(() => stack.stop());

  it('grants_like_whep_audits_media_mpeg1_and_sends_mpeg1_video_only_once_the_ticket_is_presented', async () => {
    const fallback = stack.server.fallback!;
    expect(fallback.encoder.running).toBe(false);
    const portsBefore = listeningPorts();
    expect(portsBefore).toContain(Number(new URL(stack.url).port));
    const opened = await open(stack, await stack.token());
    expect(opened.status).toBe(201);
    expect(opened.location).toMatch(/^\/whep\/[A-Za-z0-9_-]{22,}$/);
    const id = opened.location!.split('/').pop()!;
    const grant = (await stack.records()).find((r) => r.type === 'grant' && r.sessionId === id);
    expect(grant?.detail).toMatchObject({ transport: 'http', media: 'mpeg1' });
    expect(fallback.encoder.running).toBe(false);

    const viewer = watch(stack, opened.body.ticket!);
    await until(() => viewer.bytes().length > 150_000, 'picture bytes', 8000);
    expect(fallback.encoder.running).toBe(true);
    // The muxer runs without node-rtsp-stream's WebSocket server: no port opens for the picture.
    expect(listeningPorts()).toEqual(portsBefore);
    console.info(
      `fallback: first MPEG-TS bytes ${Math.round(viewer.firstChunkMs()!)} ms after the socket opened`,
    );
    const bytes = viewer.bytes();
    expect(bytes[0]).toBe(0x47);
    expect(bytes.includes(Buffer.from([0, 0, 1, 0xb3]))).toBe(true);
    const streams = await probe(bytes);
    expect(streams.map((s) => `${s.codec_type}/${s.codec_name}`)).toEqual(['video/mpeg1video']);

    viewer.ws.close();
    await until(
      async () => (await stack.records()).some((r) => r.type === 'session_end' && r.sessionId === id),
      'the session end',
      5000,
    );
    const end = (await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id);
    expect(end?.code).toBe('closed_by_viewer');
    await until(() => !fallback.encoder.running, 'the encoder to stop', 5000);
    expect(fallback.has(id)).toBe(false);
  }, 30_000);

  it('takes_a_ticket_once_and_nothing_but_a_live_ticket', async () => {
    const opened = await open(stack, await stack.token());
    const first = watch(stack, opened.body.ticket!);
    await until(() => first.bytes().length > 0, 'picture bytes', 8000);
    const again = watch(stack, opened.body.ticket!);
    expect(await again.closed).toEqual({ code: 4401, reason: 'ticket_invalid' });
    const made_up = watch(stack, 'A'.repeat(32));
    expect(await made_up.closed).toEqual({ code: 4401, reason: 'ticket_invalid' });
    first.ws.close();
    await first.closed;
  }, 20_000);

  it('refuses_without_a_token_and_hands_out_no_ticket', async () => {
    const opened = await open(stack);
    expect([opened.status, opened.body.code, opened.body.ticket]).toEqual([401, 'no_token', undefined]);
    const deny = (await stack.records()).filter((r) => r.type === 'deny').at(-1);
    expect(deny?.detail).toMatchObject({ media: 'mpeg1' });
  });

  it('ends_on_delete_of_its_session_url_and_closes_the_socket', async () => {
    const token = await stack.token();
    const opened = await open(stack, token);
    const viewer = watch(stack, opened.body.ticket!);
    await until(() => viewer.bytes().length > 0, 'picture bytes', 8000);
    const res = await fetch(`${stack.url}${opened.location}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect((await viewer.closed).code).toBe(1000);
    await until(() => !stack.server.fallback!.encoder.running, 'the encoder to stop', 5000);
  }, 20_000);

  it('runs_one_encoder_for_two_viewers_and_stops_it_when_the_last_leaves', async () => {
    const fallback = stack.server.fallback!;
    const a = watch(stack, (await open(stack, await stack.token())).body.ticket!);
    const b = watch(stack, (await open(stack, await stack.token())).body.ticket!);
    await until(() => a.bytes().length > 0 && b.bytes().length > 0, 'picture bytes', 8000);
    expect([fallback.encoder.viewers, fallback.encoder.starts > 0]).toEqual([2, true]);
    const starts = fallback.encoder.starts;
    a.ws.close();
    await a.closed;
    await until(() => fallback.encoder.viewers === 1, 'one viewer left', 5000);
    expect([fallback.encoder.running, fallback.encoder.starts]).toEqual([true, starts]);
    b.ws.close();
    await until(() => !fallback.encoder.running, 'the encoder to stop', 5000);
  }, 20_000);
});
