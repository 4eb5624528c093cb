/**
 * The night round in headless Chromium at a phone's viewport: signing in at the real OpenID
 * provider, a round of three devices from retained MQTT messages (ready, at risk, offline) with
 * Look enabled only on the due one, a look through the centre's relay to a streaming device with
 * the picture full width (filling a landscape screen), the outcome in one tap, "not visible"
 * bringing a follow-up that survives a reload, the picture covered within 1 s of a device-side
 * cut with the reason in words, and the language switch. With NATTSYN_DOCS_SCREENSHOTS=1 it also
 * writes the round, a look and an outcome to docs/ (synthetic camera only).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../fixtures/stream/browser.ts';
import { TEST_NURSE } from '../../support/oidcProvider.ts';
import { watchBlanking } from '../../viewer/blanking.ts';
import { healthPayload, publishRetained, schedulePayload, statusPayload } from './devicePayloads.ts';
import { DEVICES, type RoundLab, startRoundLab } from './roundLab.ts';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const SHOTS = process.env.NATTSYN_DOCS_SCREENSHOTS === '1';

let browser: Browser;
let lab: RoundLab;

beforeAll(async () => {
  browser = await launchChromium();
  lab = await startRoundLab({ device: true, fallback: true });
  const now = lab.clock.now();
  await publishRetained(lab.publisher, DEVICES.risk, {
    status: statusPayload(now, 'online'),
    schedule: schedulePayload(now, [{ id: 'night-2', start: now + 50 * 60_000, end: now + 65 * 60_000 }]),
    health: healthPayload(now, 'at_risk', ['camera_covered']),
  });
  await publishRetained(lab.publisher, DEVICES.gone, {
    status: statusPayload(now, 'offline'),
    schedule: schedulePayload(now, [{ id: 'night-1', start: now + 20 * 60_000, end: now + 35 * 60_000 }]),
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await lab?.dispose();
});

/** `withoutWebRtc`: a phone whose browser has no RTCPeerConnection. */
async function signedInRound(withoutWebRtc = false): Promise<Page> {
  const context = await browser.newContext(PHONE);
  if (withoutWebRtc)
    await context.addInitScript(() => {
      delete (globalThis as Record<string, unknown>).RTCPeerConnection;
    });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(`${lab.origin}/round`);
  await page.fill('#login', TEST_NURSE.login);
  await page.fill('#password', TEST_NURSE.password);
  await Promise.all([page.waitForURL(`${lab.origin}/round`), page.click('button[type=submit]')]);
  await page.waitForFunction(() => document.querySelectorAll('#checks li[data-kind="window"]').length === 3);
  return page;
}

const lookButton = (page: Page, deviceId: string) =>
  page.locator(`#checks li[data-kind="window"][data-device="${deviceId}"] button.look`);

async function openLook(page: Page): Promise<void> {
  await lookButton(page, DEVICES.ready).click();
  await page.waitForSelector('#look-frame[data-state="live"]', { timeout: 15_000 });
}

const shot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: join(import.meta.dirname, '../../../docs', name) });
};

describe('the night round on a phone', () => {
  it('shows_three_devices_from_retained_messages_with_look_enabled_only_on_the_due_one', async () => {
    const page = await signedInRound();
    const readiness = await page.$$eval('#checks li .badge', (els) =>
      els.map((e) => [e.closest('li')!.dataset.device, (e as HTMLElement).dataset.readiness]),
    );
    expect(Object.fromEntries(readiness)).toEqual({
      [DEVICES.ready]: 'ready',
      [DEVICES.risk]: 'at_risk',
      [DEVICES.gone]: 'offline',
    });
    expect(await lookButton(page, DEVICES.ready).isEnabled()).toBe(true);
    expect(await lookButton(page, DEVICES.risk).isDisabled()).toBe(true);
    expect(await lookButton(page, DEVICES.gone).isDisabled()).toBe(true);
    expect(await page.textContent(`li[data-device="${DEVICES.risk}"] .badge`)).toBe('Risk: kameran skymd');
    expect(await page.textContent(`li[data-device="${DEVICES.gone}"] .badge`)).toBe('Offline');
    // The due window is first, its times in the resident's zone on a 24-hour clock.
    expect(await page.textContent('#checks li:first-child .when')).toMatch(/^\d\d:\d\d–\d\d:\d\d$/);
    await shot(page, 'round.png');
    await page.context().close();
  });

  it('looks_through_the_relay_with_the_picture_full_width_then_records_not_visible_and_its_follow_up', async () => {
    const page = await signedInRound();
    await openLook(page);
    await expect.poll(() => page.textContent('#look-remaining')).toMatch(/^\d+:\d\d$/);
    expect(await page.textContent('.promise')).toBe('Inget ljud · inget spelas in');
    const frame = (await page.locator('#look-frame').boundingBox())!;
    expect(frame.width).toBe(390);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).toBe(
      '{}{}',
    );
    await shot(page, 'round-look.png');
    await page.setViewportSize({ width: 844, height: 390 });
    const landscape = (await page.locator('#look-frame').boundingBox())!;
    expect(landscape.height).toBe(390);
    await page.setViewportSize(PHONE.viewport);

    await page.click('button[data-outcome="not_visible"]');
    await page.waitForSelector('#look', { state: 'hidden' });
    await expect.poll(() => page.textContent('#status')).toBe('Rum 12: Syns inte noterat.');
    const followUp = `#checks li[data-kind="follow_up"][data-device="${DEVICES.ready}"]`;
    await page.waitForSelector(followUp, { timeout: 5000 });
    expect(await page.textContent(`${followUp} .when`)).toMatch(/^Uppföljning \d\d:\d\d$/);
    await shot(page, 'round-outcome.png');
    await page.reload();
    await page.waitForSelector(followUp);
    expect(
      await page.textContent(`#checks li[data-kind="window"][data-device="${DEVICES.ready}"] .state`),
    ).toMatch(/^Klar \d\d:\d\d: Syns inte$/);
    expect(lab.device!.outcomes.at(-1)).toMatchObject({
      outcome: 'not_visible',
      staffId: TEST_NURSE.staffId,
    });
    await page.context().close();
  });

  it('covers_the_picture_within_1_s_of_a_device_side_cut_and_says_why_in_words', async () => {
    const page = await signedInRound();
    await openLook(page);
    await watchBlanking(page, '#look-frame');
    const session = lab.device!.stack.access.sessions()[0]!;
    const cutAt = Date.now();
    await lab.device!.stack.access.end(session.sessionId, 'window_end');
    const blankedAt = (await (
      await page.waitForFunction(() => (window as { __blankedAt?: number }).__blankedAt, null, {
        timeout: 5000,
      })
    ).jsonValue()) as number;
    console.info(`round: picture covered ${blankedAt - cutAt} ms after the device-side cut`);
    expect(blankedAt - cutAt).toBeLessThan(1000);
    await expect
      .poll(() => page.textContent('#look-message'))
      .toMatch(/^Tillsynsfönstret stängde \d\d:\d\d\.$/);
    expect(await page.getAttribute('#look-frame', 'data-state')).toBe('ended');
    await page.context().close();
  });

  it('tells_the_nurse_when_the_offer_never_reaches_the_centre_instead_of_connecting_forever', async () => {
    const page = await signedInRound();
    await page.route('**/round/look/*/whep', (route) =>
      route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
    );
    await lookButton(page, DEVICES.ready).click();
    await expect.poll(() => page.textContent('#look-message')).toBe('Anslutningen bröts.');
    expect(await page.getAttribute('#look-frame', 'data-state')).toBe('ended');
    await page.context().close();
  });

  it('plays_a_look_through_the_centres_mpeg1_fallback_on_a_phone_without_webrtc_and_records_its_outcome', async () => {
    const page = await signedInRound(true);
    const clicked = Date.now();
    await lookButton(page, DEVICES.ready).click();
    await page.waitForSelector('#look-frame[data-state="live"][data-transport="mpeg1"]', { timeout: 20_000 });
    console.info(`round: first fallback picture ${Date.now() - clicked} ms after Look`);
    await page.waitForFunction(() => Number(document.getElementById('look-frame')?.dataset.decoded) >= 10);
    expect(await page.isVisible('#look-canvas')).toBe(true);
    expect(await page.isVisible('#look-video')).toBe(false);
    await expect.poll(() => page.textContent('#look-remaining')).toMatch(/^\d+:\d\d$/);
    const grant = (await lab.device!.stack.records()).filter((r) => r.type === 'grant').at(-1)!;
    expect(grant.actor).toBe(TEST_NURSE.staffId);
    expect(grant.detail).toMatchObject({ transport: 'relay', media: 'mpeg1' });

    await page.click('button[data-outcome="asleep_calm"]');
    await page.waitForSelector('#look', { state: 'hidden' });
    expect(lab.device!.outcomes.at(-1)).toEqual({
      sessionId: grant.sessionId,
      outcome: 'asleep_calm',
      staffId: TEST_NURSE.staffId,
    });
    const end = (await lab.device!.stack.records()).find(
      (r) => r.type === 'session_end' && r.sessionId === grant.sessionId,
    );
    expect(end?.code).toBe('closed_by_viewer');
    await page.context().close();
  });

  it('switches_to_english_one_language_at_a_time', async () => {
    const page = await signedInRound();
    await Promise.all([page.waitForURL(/lang=en/), page.click('#lang')]);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === "Tonight's round");
    expect(await lookButton(page, DEVICES.ready).textContent()).toBe('Look');
    const text = (await page.textContent('body')) ?? '';
    expect(text).not.toMatch(/Titta|Redo|Logga ut/);
    expect(await page.textContent('#lang')).toBe('Svenska');
    await page.context().close();
  });

  it('sends_the_phone_to_sign_in_when_its_shift_session_has_expired', async () => {
    const page = await signedInRound();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/auth/login')) asked.push(new URL(r.url()).search);
    });
    const statesBefore = lab.device!.served.filter((r) => r.route === 'state').length;
    const shift = 12 * 3_600_000 + 1000;
    lab.clock.advance(shift);
    try {
      await lookButton(page, DEVICES.ready).click();
      await expect.poll(() => asked).toEqual(['?returnTo=%2Fround']);
      expect(await page.isVisible('#look')).toBe(false);
      expect(lab.device!.served.filter((r) => r.route === 'state').length).toBe(statesBefore);
    } finally {
      lab.clock.advance(-shift);
    }
    await page.context().close();
  });
});
