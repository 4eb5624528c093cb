import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../fixtures/stream/browser.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

/** The page as staff open it: its own CSP in force, a phone-sized screen. */
async function openViewer(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

const videoPlays = (page: Page) =>
  page.waitForFunction(
    () => {
      const v = document.querySelector('video')!;
      return v.videoWidth === 640 && v.currentTime > 0.3;
    },
    undefined,
    { timeout: 10_000 },
  );

describe('the viewer page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  describe('inside a window', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ window: 'open' });
      await stack.hub.waitForKeyframe(8000);
    });
    afterAll(() => stack?.stop());

    it('takes the token from the fragment, shows the window, plays the picture and closes on request', async () => {
      const token = await stack.token();
      const page = await openViewer(browser, `${stack.url}/#token=${token}`);
      await expect.poll(() => page.url()).toBe(`${stack.url}/`);
      await expect.poll(() => page.textContent('#window')).toMatch(/open until \d\d[:.]\d\d/);
      expect(await page.textContent('#device')).toBe('Rum 12');
      expect(await page.textContent('footer')).toContain('no sound · nothing is recorded');
      await page.click('#watch');
      await videoPlays(page);
      await expect.poll(() => page.textContent('#remaining')).toMatch(/^\d+:\d\d$/);
      expect(stack.access.sessions()).toHaveLength(1);
      await page.click('#close');
      await expect
        .poll(async () => (await stack.records()).filter((r) => r.type === 'session_end').at(-1)?.code)
        .toBe('closed_by_viewer');
      expect(stack.access.sessions()).toHaveLength(0);
      await page.context().close();
    });

    it('accepts a pasted token, and shows a refusal in Swedish and English', async () => {
      const page = await openViewer(browser, `${stack.url}/`);
      await expect.poll(() => page.isVisible('#login')).toBe(true);
      await page.fill('#token', await stack.foreignToken());
      await page.click('#use-token');
      await expect
        .poll(() => page.textContent('#message'))
        .toBe('Token är ogiltig. · The token is not valid.');
      await page.fill('#token', await stack.token());
      await page.click('#use-token');
      await expect.poll(() => page.isEnabled('#watch')).toBe(true);
      await page.context().close();
    });
  });

  it('outside a window says when the next one opens and keeps Watch disabled', async () => {
    const stack = await startStack({ window: 'closed', camera: false });
    try {
      const page = await openViewer(browser, `${stack.url}/#token=${await stack.token()}`);
      await expect.poll(() => page.textContent('#window')).toMatch(/next at \d\d[:.]\d\d/);
      expect(await page.isDisabled('#watch')).toBe(true);
      await page.context().close();
    } finally {
      await stack.stop();
    }
  });

  it('closes by itself when the window ends', async () => {
    const stack = await startStack({ window: 7000 });
    try {
      await stack.hub.waitForKeyframe(8000);
      const page = await openViewer(browser, `${stack.url}/#token=${await stack.token()}`);
      await expect.poll(() => page.isEnabled('#watch')).toBe(true);
      await page.click('#watch');
      await videoPlays(page);
      await expect
        .poll(() => page.textContent('#message'), { timeout: 10_000 })
        .toMatch(/Time is up|ended|closed/i);
      await expect.poll(() => stack.access.sessions().length).toBe(0);
      await page.context().close();
    } finally {
      await stack.stop();
    }
  });

  it('lets_an_installer_aim_outside_a_window_and_keeps_only_a_hash_of_the_confirmed_view', async () => {
    const stack = await startStack({ window: 'closed', installPreview: true });
    try {
      await stack.hub.waitForKeyframe(8000);
      const viewPage = await openViewer(browser, `${stack.url}/#token=${await stack.token()}`);
      await expect.poll(() => viewPage.textContent('#window')).toMatch(/next at/);
      expect(await viewPage.isDisabled('#watch')).toBe(true);
      await viewPage.context().close();

      const page = await openViewer(
        browser,
        `${stack.url}/#token=${await stack.token({ scope: 'install' })}`,
      );
      await expect.poll(() => page.textContent('#window')).toMatch(/installer preview until \d\d:\d\d/);
      await page.click('#watch');
      await videoPlays(page);
      await page.click('#reference');
      await expect.poll(() => page.textContent('#message'), { timeout: 10_000 }).toMatch(/View saved/);
      const stored = JSON.parse(
        (await readFile(path.join(stack.stateDir, 'reference-view.json'), 'utf8')) as string,
      );
      expect(stored.hash).toMatch(/^[0-9a-f]{16}$/);
      expect(Object.keys(stored).sort()).toEqual(['hash', 'setAt']);
      const types = (await stack.records()).map((r) => r.type);
      expect(types).toEqual(expect.arrayContaining(['install_preview', 'reference_view_set', 'session_end']));
      await page.context().close();
    } finally {
      await stack.stop();
    }
  });
});
