/**
 * The viewer page in Firefox ESR (Debian's firefox-esr over WebDriver BiDi, test/support/firefox.ts).
 * Offline, Firefox has no H.264 for WebRTC (its OpenH264 plugin is a download from Cisco that
 * Debian does not package): the device refuses its offer `sdp_no_h264`, and the page moves the
 * look to the MPEG-1 fallback, decoded on the page by JSMpeg.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { launchFirefox } from '../support/firefox.ts';
import { until } from '../support/until.ts';

const dataset = (page: Page) =>
  page.evaluate(() => ({ ...document.getElementById('frame')!.dataset }) as Record<string, string>);

describe('the viewer page in Firefox ESR', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack({ window: 'open' });
    await stack.hub.waitForKeyframe(8000);
    browser = await launchFirefox();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('falls_back_to_mpeg1_without_h264_and_decodes_pictures_on_the_page', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/#token=${await stack.token()}`);
    await until(
      () => page.evaluate(() => !(document.getElementById('watch') as HTMLButtonElement).disabled),
      'Watch',
      10_000,
    );
    const offer = await page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      const sdp = (await pc.createOffer()).sdp ?? '';
      pc.close();
      return sdp;
    });
    expect(offer).not.toMatch(/H264/i);
    const clicked = Date.now();
    await page.click('#watch');
    await until(async () => (await dataset(page)).state === 'live', 'the first picture', 20_000);
    const firstFrameMs = Date.now() - clicked;
    console.info(`fallback in Firefox ESR (no H.264): first decoded picture ${firstFrameMs} ms after Watch`);
    await until(async () => Number((await dataset(page)).decoded ?? 0) >= 15, '15 decoded pictures', 15_000);
    expect((await dataset(page)).transport).toBe('mpeg1');
    const grants = (await stack.records()).filter((r) => r.type === 'grant');
    expect(grants.map((g) => g.detail?.media)).toEqual(['mpeg1']);
    await page.click('#close');
    await until(
      async () =>
        (await stack.records()).filter((r) => r.type === 'session_end').at(-1)?.code === 'closed_by_viewer',
      'the end of the look',
      5000,
    );
    await page.close();
  }, 60_000);
});
