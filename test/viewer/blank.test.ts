/**
 * A picture that has ended never looks live, on the device's own viewer page (the round uses the
 * same player): a real device (synthetic camera, WHEP, access controller) cuts the session, and
 * the page, in headless Chromium, must have covered the picture within 1 s of the cut, measured
 * by the browser's clock (the same wall clock as the test on loopback). A browser without WebRTC
 * is told so at once.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../fixtures/stream/browser.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { watchBlanking } from './blanking.ts';

async function openViewer(browser: Browser, url: string, noWebRtc = false): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  if (noWebRtc) await page.addInitScript(() => Reflect.deleteProperty(window, 'RTCPeerConnection'));
  await page.goto(url);
  return page;
}

describe('the viewer blanks an ended picture', () => {
  let browser: Browser;
  let stack: Stack;
  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack({ window: 'open' });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(async () => {
    await stack?.stop();
    await browser?.close();
  });

  it('covers_the_picture_within_1_s_of_a_device_side_cut_and_says_why', async () => {
    const page = await openViewer(browser, `${stack.url}/#token=${await stack.token()}`);
    await expect.poll(() => page.isEnabled('#watch')).toBe(true);
    await page.click('#watch');
    await page.waitForSelector('#frame[data-state="live"]', { timeout: 10_000 });
    await watchBlanking(page, '#frame');

    const session = stack.access.sessions()[0]!;
    const cutAt = Date.now();
    await stack.access.end(session.sessionId, 'paused');

    const blankedAt = await page.waitForFunction(
      () => (window as { __blankedAt?: number }).__blankedAt,
      null,
      {
        timeout: 5000,
      },
    );
    const delay = ((await blankedAt.jsonValue()) as number) - cutAt;
    console.info(`viewer: picture covered ${delay} ms after the device-side cut`);
    expect(delay).toBeLessThan(1000);
    expect(await page.getAttribute('#frame', 'data-state')).not.toBe('live');
    await expect.poll(() => page.getAttribute('#frame', 'data-state')).toBe('ended');
    expect(
      await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).srcObject),
    ).toBeNull();
    await expect.poll(() => page.textContent('#message')).toMatch(/ended|paused|lost/i);
    await page.context().close();
  });

  // The picture then comes over the MPEG-1 fallback (test/e2e/fallback.e2e.test.ts plays it).
  it('offers_watch_to_a_browser_without_webrtc_instead_of_refusing_it', async () => {
    const page = await openViewer(browser, `${stack.url}/#token=${await stack.token()}`, true);
    await expect.poll(() => page.isEnabled('#watch'), { timeout: 5000 }).toBe(true);
    expect(await page.textContent('#message')).not.toContain('no WebRTC');
    await page.context().close();
  });
});
