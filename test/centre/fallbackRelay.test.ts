/**
 * The MPEG-1 fallback through the centre: a viewer with its own token asks the centre, which relays
 * the request over MQTT 5 (route `fallback`) to a real streaming device stack; the device admits it
 * (audited `transport: relay`, `media: mpeg1`), answers a one-time ticket and dials the centre's
 * device-facing listener with its client certificate (mutual TLS, the broker's CA); the centre pairs
 * that socket with the viewer's and copies the picture through. Then the same look in headless
 * Chromium on the centre's page, with RTCPeerConnection removed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../src/log.ts';
import { systemTime } from '../../src/platform/time.ts';
import { RELAY_REPLY_HEADERS, type WhepRelayRequest } from '../../src/protocol/index.ts';
import type { RelayAnswer } from '../../src/relay/deviceRelay.ts';
import { asAnswer } from '../../src/relay/serve.ts';
import { relayFallback } from '../../src/stream/index.ts';
import { CHROMIUM_ARGS } from '../fixtures/stream/browser.ts';
import { DEVICE, type Stack, startStack } from '../fixtures/stream/stack.ts';
import { type BrokerTls, freePort, makePki } from '../support/mosquitto.ts';
import { until } from '../support/until.ts';
import { type FakeDevice, fakeDevice, type RelayLab, startRelayLab } from './relayHarness.ts';

/** A request the device's relay answers by its own HTTP routes (what the relay wiring does). */
async function forward(
  stack: Stack,
  method: string,
  path: string,
  r: WhepRelayRequest,
): Promise<RelayAnswer> {
  const headers: Record<string, string> = r.token ? { authorization: `Bearer ${r.token}` } : {};
  const res = await fetch(`${stack.url}${path}`, { method, headers });
  const out: RelayAnswer['headers'] = {};
  for (const name of RELAY_REPLY_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) out[name] = value;
  }
  return { status: res.status, headers: out, body: await res.text() };
}

function probe(ts: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-i', 'pipe:0']);
    let out = '';
    ff.stdout.on('data', (d) => (out += d));
    ff.on('error', reject);
    ff.on('close', () =>
      resolve(
        (JSON.parse(out).streams ?? []).map(
          (s: { codec_type: string; codec_name: string }) => `${s.codec_type}/${s.codec_name}`,
        ),
      ),
    );
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(ts);
  });
}

describe('the MPEG-1 fallback through the centre', () => {
  let pki: BrokerTls;
  let lab: RelayLab;
  let stack: Stack;
  let device: FakeDevice;
  let centreUrl: string;
  let mediaPort: number;

  beforeAll(async () => {
    stack = await startStack({ window: 'open', maxViewers: 3 });
    mediaPort = await freePort();
    lab = await startRelayLab(
      {
        fallback: {
          host: '127.0.0.1',
          port: mediaPort,
          publicUrl: `wss://127.0.0.1:${mediaPort}/media`,
          tls: { certFile: 'pki/server.pem', keyFile: 'pki/server.key', clientCaFile: 'pki/ca.pem' },
        },
      },
      async (dir) => {
        const pkiDir = join(dir, 'pki');
        await mkdir(pkiDir);
        pki = await makePki(pkiDir);
      },
    );
    centreUrl = lab.centre.url;
    const cert = await pki.clientCert(DEVICE);
    const tls = {
      ca: await readFile(pki.caFile),
      cert: await readFile(cert.certFile),
      key: await readFile(cert.keyFile),
    };
    device = await fakeDevice(lab, DEVICE, async (r) => {
      if (r.route === 'state') return forward(stack, 'GET', '/api/state', r);
      if (r.route === 'end') return forward(stack, 'DELETE', `/whep/${r.sessionId}`, r);
      if (r.route !== 'fallback') return { status: 404, headers: {}, body: '' };
      const reply = await relayFallback(
        { fallback: stack.server.fallback!, tls, time: systemTime, logger: silentLogger },
        { token: r.token, origin: { transport: 'relay', remote: r.instanceId }, mediaUrl: r.mediaUrl },
      );
      return asAnswer(reply);
    });
    await device.goOnline();
    await stack.hub.waitForKeyframe(8000);
  }, 60_000);

  afterAll(async () => {
    await device?.stop();
    await lab?.dispose();
    await stack?.stop();
  });

  it('relays_the_request_pairs_the_device_dial_out_and_copies_mpeg1_video_only_to_the_viewer', async () => {
    const token = await stack.token();
    const res = await fetch(`${centreUrl}/d/${DEVICE}/fallback`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(
      new RegExp(`^/d/${DEVICE}/whep/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`),
    );
    const { ticket } = (await res.json()) as { ticket: string };
    const grant = (await stack.records()).filter((r) => r.type === 'grant').at(-1);
    expect(grant?.detail).toMatchObject({ transport: 'relay', media: 'mpeg1' });

    const ws = new WebSocket(`${centreUrl.replace(/^http/, 'ws')}/d/${DEVICE}/fallback/ws`);
    const chunks: Buffer[] = [];
    ws.on('open', () => ws.send(ticket));
    ws.on('message', (data: Buffer) => chunks.push(data));
    await until(() => Buffer.concat(chunks).length > 150_000, 'the picture through the centre', 10_000);
    expect(await probe(Buffer.concat(chunks))).toEqual(['video/mpeg1video']);
    expect(stack.server.fallback!.encoder.running).toBe(true);

    ws.close();
    await until(
      async () =>
        (await stack.records()).filter((r) => r.type === 'session_end').at(-1)?.code === 'closed_by_viewer',
      'the device to end the session',
      5000,
    );
    await until(() => !stack.server.fallback!.encoder.running, 'the encoder to stop', 5000);
  }, 30_000);

  it('gives_a_viewer_with_a_ticket_no_device_dialled_for_nothing', async () => {
    const ws = new WebSocket(`${centreUrl.replace(/^http/, 'ws')}/d/${DEVICE}/fallback/ws`);
    let bytes = 0;
    ws.on('open', () => ws.send('B'.repeat(32)));
    ws.on('message', (d: Buffer) => (bytes += d.length));
    await new Promise((r) => setTimeout(r, 1500));
    expect(bytes).toBe(0);
    ws.terminate();
  });

  it('lets_only_a_client_certificate_of_the_devices_ca_reach_the_device_listener', async () => {
    const dialWith = (cert: { certFile: string; keyFile: string } | undefined) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`wss://127.0.0.1:${mediaPort}/media`, {
          ca: readFileSync(pki.caFile),
          ...(cert ? { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) } : {}),
        });
        ws.on('open', () => {
          resolve('open');
          ws.terminate();
        });
        ws.on('error', () => resolve('refused'));
      });
    expect(await dialWith(await pki.foreignCert(DEVICE))).toBe('refused');
    expect(await dialWith(undefined)).toBe('refused');
    expect(await dialWith(await pki.clientCert(DEVICE))).toBe('open');
  });

  it('plays_in_chromium_on_the_centre_page_without_rtcpeerconnection', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext();
      await context.addInitScript(() => {
        delete (globalThis as Record<string, unknown>).RTCPeerConnection;
      });
      const page = await context.newPage();
      await page.goto(`${centreUrl}/d/${DEVICE}/#token=${await stack.token()}`);
      await expect.poll(() => page.isEnabled('#watch'), { timeout: 10_000 }).toBe(true);
      const clicked = Date.now();
      await page.click('#watch');
      await page.waitForFunction(
        () => document.getElementById('frame')?.dataset.state === 'live',
        undefined,
        {
          timeout: 20_000,
        },
      );
      console.info(
        `fallback through the centre: first decoded picture ${Date.now() - clicked} ms after Watch`,
      );
      await page.waitForFunction(
        () => Number(document.getElementById('frame')?.dataset.decoded ?? 0) >= 15,
        undefined,
        {
          timeout: 15_000,
        },
      );
      await page.click('#close');
      await expect
        .poll(async () => (await stack.records()).filter((r) => r.type === 'session_end').at(-1)?.code)
        .toBe('closed_by_viewer');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
