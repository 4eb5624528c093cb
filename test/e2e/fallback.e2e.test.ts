/**
 * The fallback that always plays, in headless Chromium: a page whose browser has no
 * RTCPeerConnection, and a page whose WebRTC can use no UDP and has no TURN server, both get the
 * picture over MPEG-1 on the device's own listener, decoded on the page by JSMpeg, with the same
 * grant (media `mpeg1`), countdown and end as WebRTC. UDP is blocked at the page, not in the
 * network: every UDP candidate is removed from what the page's peer connection gives and takes,
 * so no candidate pair can form (Chromium's `disable_non_proxied_udp` policy still lets loopback
 * UDP through, and a network namespace would need the device out of this process).
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '../fixtures/stream/browser.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const NO_WEBRTC = () => {
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCSessionDescription']) {
    delete (globalThis as Record<string, unknown>)[name];
  }
};

/** The page's WebRTC as on a network that drops UDP, with no TURN: no candidate ever pairs. */
const NO_UDP = () => {
  const Native = globalThis.RTCPeerConnection;
  const strip = (sdp: string) => sdp.replace(/a=candidate:\S+ \d+ udp [^\r\n]*\r\n/gi, '');
  class UdpBlocked extends Native {
    override setRemoteDescription(d: RTCSessionDescriptionInit) {
      return super.setRemoteDescription({ type: d.type, sdp: strip(d.sdp ?? '') });
    }
    override addIceCandidate() {
      return Promise.resolve();
    }
    override get localDescription() {
      const d = super.localDescription;
      return d && ({ type: d.type, sdp: strip(d.sdp), toJSON: () => d.toJSON() } as RTCSessionDescription);
    }
    override set onicecandidate(listener: ((e: RTCPeerConnectionIceEvent) => void) | null) {
      super.onicecandidate = (e) => {
        if (!e.candidate) listener?.(e);
      };
    }
    override get onicecandidate() {
      return super.onicecandidate;
    }
  }
  globalThis.RTCPeerConnection = UdpBlocked;
};

/** Clicks Watch and waits for JSMpeg to have decoded `frames` pictures; returns ms to the first. */
async function watchThroughFallback(page: Page, frames = 15): Promise<number> {
  await expect.poll(() => page.isEnabled('#watch'), { timeout: 10_000 }).toBe(true);
  const clicked = Date.now();
  await page.click('#watch');
  await page.waitForFunction(() => document.getElementById('frame')?.dataset.state === 'live', undefined, {
    timeout: 20_000,
  });
  const firstFrameMs = Date.now() - clicked;
  await page.waitForFunction(
    (n) => Number(document.getElementById('frame')?.dataset.decoded ?? 0) >= n,
    frames,
    { timeout: 15_000 },
  );
  return firstFrameMs;
}

describe('the fallback in Chromium', () => {
  let stack: Stack;
  const browsers: Browser[] = [];
  beforeAll(async () => {
    stack = await startStack({ window: 'open', maxViewers: 2 });
    await stack.hub.waitForKeyframe(8000);
  }, 20_000);
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await stack?.stop();
  });

  const launch = async (extra: string[] = []) => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, ...extra],
    });
    browsers.push(browser);
    return browser;
  };

  it('plays_through_mpeg1_on_a_page_without_rtcpeerconnection_and_audits_the_transport', async () => {
    const browser = await launch();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addInitScript(NO_WEBRTC);
    const page = await context.newPage();
    await page.goto(`${stack.url}/#token=${await stack.token()}`);
    expect(await page.evaluate(() => typeof (globalThis as Record<string, unknown>).RTCPeerConnection)).toBe(
      'undefined',
    );
    const firstFrameMs = await watchThroughFallback(page);
    console.info(`fallback, no RTCPeerConnection: first decoded picture ${firstFrameMs} ms after Watch`);
    expect(await page.getAttribute('#frame', 'data-transport')).toBe('mpeg1');
    expect(await page.evaluate(() => (document.getElementById('canvas') as HTMLCanvasElement).width)).toBe(
      640,
    );
    await expect.poll(() => page.textContent('#remaining')).toMatch(/^\d+:\d\d$/);
    const grant = (await stack.records()).filter((r) => r.type === 'grant').at(-1);
    expect(grant?.detail).toMatchObject({ media: 'mpeg1', transport: 'http' });
    expect(stack.server.fallback!.encoder.running).toBe(true);
    await page.click('#close');
    await expect
      .poll(async () => (await stack.records()).filter((r) => r.type === 'session_end').at(-1)?.code)
      .toBe('closed_by_viewer');
    await expect.poll(() => stack.server.fallback!.encoder.running).toBe(false);
    expect(stack.access.sessions()).toHaveLength(0);
    await context.close();
  }, 60_000);

  it('falls_back_from_webrtc_when_udp_is_blocked_and_no_turn_server_is_reachable', async () => {
    const browser = await launch();
    const context = await browser.newContext();
    await context.addInitScript(NO_UDP);
    const page = await context.newPage();
    await page.goto(`${stack.url}/#token=${await stack.token()}`);
    const firstFrameMs = await watchThroughFallback(page);
    console.info(
      `fallback after ICE gave up (UDP blocked): first decoded picture ${firstFrameMs} ms after Watch`,
    );
    const records = await stack.records();
    const grants = records.filter((r) => r.type === 'grant').slice(-2);
    expect(grants.map((g) => g.detail?.media)).toEqual(['webrtc', 'mpeg1']);
    const webrtcEnd = records.find((r) => r.type === 'session_end' && r.sessionId === grants[0]!.sessionId);
    expect(webrtcEnd?.code).toBe('closed_by_viewer');
    expect(await page.getAttribute('#frame', 'data-transport')).toBe('mpeg1');
    await page.click('#close');
    await expect.poll(() => stack.access.sessions().length).toBe(0);
    await context.close();
  }, 60_000);
});
