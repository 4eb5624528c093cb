/**
 * The "who looked" page in headless Chromium, from a real night: a nurse signs in at the real
 * OpenID provider on a phone, looks through the centre's relay at a streaming device and notes
 * "asleep, calm"; the device's chain reaches the centre's archive (SQLite), the round shows the
 * check done from it and a device whose trail the archive holds only past a gap, and the page
 * opened from the round lists the look with its role, fits the phone's width, and prints as a
 * table without its buttons (print stylesheet, a real PDF). With NATTSYN_DOCS_SCREENSHOTS=1 it
 * writes the page on a phone to docs/ (synthetic camera only, no picture on the page anyway).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../fixtures/stream/browser.ts';
import { type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { makeRecords } from '../../support/auditRecords.ts';
import { TEST_NURSE } from '../../support/oidcProvider.ts';
import { publishRetained, schedulePayload, statusPayload } from '../round/devicePayloads.ts';
import { DEVICES, type RoundLab, startRoundLab } from '../round/roundLab.ts';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const SHOTS = process.env.NATTSYN_DOCS_SCREENSHOTS === '1';

let browser: Browser;
let fixture: DatabaseFixture;
let lab: RoundLab;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  fixture = await databaseFixture('sqlite');
  lab = await startRoundLab({
    device: true,
    config: { archive: { database: await fixture.fresh(), gapGraceMs: 200, resendIntervalMs: 500 } },
    overrides: { audit: undefined },
  });
  const now = lab.clock.now();
  await publishRetained(lab.publisher, DEVICES.risk, {
    status: statusPayload(now, 'online'),
    schedule: schedulePayload(now, [{ id: 'night-2', start: now + 3_600_000, end: now + 4_500_000 }]),
  });
  // The risk device's second record reaches the archive, its first never did: a gap.
  const [, second] = await makeRecords(2, new Date(now - 60_000).toISOString());
  await lab.publisher.publishAsync(`nattsyn/v1/${DEVICES.risk}/audit`, JSON.stringify(second), { qos: 1 });
  page = await (await browser.newContext(PHONE)).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await lab?.dispose();
  await fixture?.dispose();
});

describe('who looked, on a phone and on paper', () => {
  it('shows_the_round_done_from_the_archive_and_a_trail_behind_then_opens_the_page_from_the_round', async () => {
    await page.goto(`${lab.origin}/round`);
    await page.fill('#login', TEST_NURSE.login);
    await page.fill('#password', TEST_NURSE.password);
    await Promise.all([page.waitForURL(`${lab.origin}/round`), page.click('button[type=submit]')]);
    const window = `#checks li[data-kind="window"][data-device="${DEVICES.ready}"]`;
    await page.locator(`${window} button.look`).click();
    await page.waitForSelector('#look-frame[data-state="live"]');
    await page.click('button[data-outcome="asleep_calm"]');
    await page.waitForSelector('#look', { state: 'hidden' });
    await page.reload();
    await expect
      .poll(() => page.textContent(`${window} .state`), { timeout: 15_000 })
      .toMatch(/^Klar \d\d:\d\d: Sover lugnt$/);
    await expect
      .poll(() => page.textContent(`li[data-device="${DEVICES.risk}"] .archive[data-archive="behind"]`), {
        timeout: 15_000,
      })
      .toBe('Loggen har inte kommit fram helt till centralen');
    expect(await page.$(`li[data-device="${DEVICES.ready}"] .archive`)).toBeNull();

    await Promise.all([
      page.waitForURL(`${lab.origin}/round/who-looked/${DEVICES.ready}`),
      page.click(`#log-links a[data-device="${DEVICES.ready}"]`),
    ]);
    expect(await page.textContent('h1')).toBe('Vem har tittat i kameran?');
    expect(await page.textContent('.room')).toBe('Rum 12');
    const row = page.locator('#looks tbody tr').first();
    expect(await row.locator('td[data-label="Vem"]').textContent()).toBe('Undersköterska');
    expect(await row.locator('td[data-label="Varför"]').textContent()).toBe('Planerad tillsyn');
    expect(await row.locator('td[data-label="Hur länge"]').textContent()).toMatch(
      /^\d+ s$|^\d+ min( \d+ s)?$/,
    );
    expect(await page.textContent('body')).not.toContain(TEST_NURSE.staffId);
  });

  it('fits_a_phone_with_each_look_a_card_and_prints_a_table_without_its_buttons', async () => {
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      row: getComputedStyle(document.querySelector('#looks tbody tr')!).display,
      label: getComputedStyle(document.querySelector('#looks td')!, '::before').content,
      button: (document.querySelector('#print') as HTMLElement).getBoundingClientRect().height,
    }));
    expect(layout.overflow).toBeLessThanOrEqual(0);
    expect(layout.row).toBe('block');
    expect(layout.label).not.toBe('none');
    expect(layout.button).toBeGreaterThanOrEqual(44);
    if (SHOTS) await page.screenshot({ path: join(import.meta.dirname, '../../../docs', 'who-looked.png') });

    await page.evaluate(() => {
      (window as { print: () => void }).print = () => {
        (window as { __printed?: boolean }).__printed = true;
      };
    });
    await page.click('#print');
    expect(await page.evaluate(() => (window as { __printed?: boolean }).__printed)).toBe(true);

    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => ({
      tools: getComputedStyle(document.querySelector('.tools')!).display,
      head: getComputedStyle(document.querySelector('#looks thead')!).display,
      row: getComputedStyle(document.querySelector('#looks tbody tr')!).display,
      breakInside: getComputedStyle(document.querySelector('#looks tbody tr')!).breakInside,
      label: getComputedStyle(document.querySelector('#looks td')!, '::before').content,
    }));
    expect(printed).toEqual({
      tools: 'none',
      head: 'table-header-group',
      row: 'table-row',
      breakInside: 'avoid',
      label: 'none',
    });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5000);
    await page.emulateMedia({ media: 'screen' });
  });
});
