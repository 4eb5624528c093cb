/**
 * Sign-in in a real browser (Debian's Chromium): the IdP's redirect back is cross-site, so the
 * SameSite=Strict session cookie only rides once the callback page moves on by itself; this proves
 * the whole walk lands on the page first asked for, signed in, on plain-HTTP loopback.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../../fixtures/stream/browser.ts';
import { TEST_NURSE } from '../../support/oidcProvider.ts';
import { type CentreHarness, startCentre } from '../harness.ts';

let browser: Browser;
let centre: CentreHarness;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});
beforeEach(async () => {
  centre = await startCentre();
});
afterEach(async () => {
  await centre.close();
});

describe('sign-in in Chromium', () => {
  it('a_nurse_asking_for_the_round_signs_in_at_the_idp_and_lands_on_the_round', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();

    await page.goto(`${centre.origin}/round`);
    await page.fill('#login', TEST_NURSE.login);
    await page.fill('#password', TEST_NURSE.password);
    await Promise.all([page.waitForURL(`${centre.origin}/round`), page.click('button[type=submit]')]);

    expect(JSON.parse((await page.textContent('body')) ?? '')).toEqual({
      staffId: TEST_NURSE.staffId,
      devices: ['dev-norr-0002', 'dev-norr-0001'],
    });
    const cookies = await context.cookies(centre.origin);
    expect(cookies.find((c) => c.name === 'nattsyn-session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await context.close();
  });

  it('after_sign_out_the_browser_is_asked_to_sign_in_again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${centre.origin}/round`);
    await page.fill('#login', TEST_NURSE.login);
    await page.fill('#password', TEST_NURSE.password);
    await Promise.all([page.waitForURL(`${centre.origin}/round`), page.click('button[type=submit]')]);

    // A same-site form post, as the round page's sign-out button will make it.
    await page.setContent(
      `<form method="post" action="${centre.origin}/auth/logout"><button>out</button></form>`,
    );
    await page.goto(`${centre.origin}/auth/signed-out`);
    await page.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/auth/logout';
      document.body.append(form);
      form.submit();
    });
    await page.waitForURL((url) => url.origin === centre.idp.issuer);
    await Promise.all([
      page.waitForURL(`${centre.origin}/auth/signed-out`),
      page.click('button[name=logout]'),
    ]);
    await page.goto(`${centre.origin}/round`);

    expect(new URL(page.url()).origin).toBe(centre.idp.issuer);
    expect(await page.locator('#password').count()).toBe(1);
    expect(centre.audit.events.map((e) => e.type)).toEqual(['sign_in', 'sign_out']);
    await context.close();
  });
});
