/**
 * Round bench (standalone): `node bench/round.ts [--devices 100] [--loads 20] [--looks 24]`.
 * Prints, on loopback, in headless Chromium at a phone's viewport, signed in at the real OpenID
 * provider against the centre's composition root and a real mosquitto:
 *  - the round page's load time (navigation to every check on screen) with N devices retained on
 *    the broker (status, schedule, health), p50 and p95 over the loads; target ≤ 1 s;
 *  - tap-to-picture (Look tapped to the first frame shown) over the looks, p50 and p95, through
 *    the relay to a real device: the service as `startService` runs it, its listener off, on the
 *    synthetic camera (test/centre/round/relayedDevice.ts).
 */
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import {
  healthPayload,
  publishRetained,
  schedulePayload,
  statusPayload,
} from '../test/centre/round/devicePayloads.ts';
import { prepareRelayedDevice, startRelayedDevice } from '../test/centre/round/relayedDevice.ts';
import { type RoundLab, startRoundLab, waitUntil } from '../test/centre/round/roundLab.ts';
import { launchChromium } from '../test/fixtures/stream/browser.ts';
import { TEST_NURSE } from '../test/support/oidcProvider.ts';
import { percentile } from './proc.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    loads: { type: 'string', default: '20' },
    looks: { type: 'string', default: '24' },
  },
});
const DEVICES = Number(values.devices);
const LOADS = Number(values.loads);
const LOOKS = Number(values.looks);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

const ids = Array.from({ length: DEVICES }, (_, i) => `dev-bench-${String(i).padStart(4, '0')}`);
/** The hundred devices that only publish, and the one real device the looks go to. */
const rosterWith = (lookDevice: string) => ({
  groups: { 'natt-norr': [lookDevice, ...ids] },
  devices: Object.fromEntries([
    [lookDevice, { room: 'Rum 1', carePlanRef: 'KP-2024-10000' }],
    ...ids.map((id, i) => [id, { room: `Rum ${100 + i}`, carePlanRef: `KP-2024-${String(20000 + i)}` }]),
  ]),
});

/** Every device publishes what a real one keeps retained: presence, tonight's windows, health. */
async function publishFleet(lab: RoundLab): Promise<void> {
  const now = lab.clock.now();
  await Promise.all(
    ids.map((id, i) => {
      const start = now + ((i % 12) - 2) * 20 * 60_000;
      const windows = [0, 1, 2].map((k) => ({
        id: `w${k}`,
        start: start + k * 3 * 3_600_000,
        end: start + k * 3 * 3_600_000 + 15 * 60_000,
      }));
      return publishRetained(lab.publisher, id, {
        status: statusPayload(now, i % 17 === 0 ? 'offline' : 'online'),
        schedule: schedulePayload(now, windows),
        health: healthPayload(now, i % 9 === 0 ? 'at_risk' : 'ready', i % 9 === 0 ? ['camera_covered'] : []),
      });
    }),
  );
}

async function signIn(browser: Browser, lab: RoundLab): Promise<Page> {
  const page = await (await browser.newContext(PHONE)).newPage();
  await page.goto(`${lab.origin}/round`);
  await page.fill('#login', TEST_NURSE.login);
  await page.fill('#password', TEST_NURSE.password);
  await Promise.all([page.waitForURL(`${lab.origin}/round`), page.click('button[type=submit]')]);
  return page;
}

async function pageLoads(page: Page, expected: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const t0 = Date.now();
    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(
      (n) => document.querySelectorAll('#checks li, #others li').length >= n,
      expected,
    );
    times.push(Date.now() - t0);
  }
  return times;
}

async function tapToPicture(page: Page, deviceId: string): Promise<number[]> {
  const button = page.locator(`#checks li[data-kind="window"][data-device="${deviceId}"] button.look`);
  const times: number[] = [];
  for (let i = 0; i < LOOKS; i++) {
    await button.waitFor();
    const t0 = Date.now();
    await button.click();
    await page.waitForSelector('#look-frame[data-state="live"]', { timeout: 15_000 });
    times.push(Date.now() - t0);
    await page.click('#look-close');
    await page.waitForSelector('#look', { state: 'hidden' });
  }
  return times;
}

const summary = (label: string, xs: number[], target?: string) =>
  `${label}: p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms over ${xs.length}` +
  (target ? ` (target ${target})` : '');

async function main(): Promise<void> {
  const prepared = await prepareRelayedDevice();
  const lab = await startRoundLab({
    roster: rosterWith(prepared.deviceId),
    config: { staffTokens: prepared.staffTokens },
  });
  // One nurse looks at one resident over and over: the device's limits on relayed requests, which
  // guard a real night (a few looks a minute), are lifted so the bench measures the picture.
  const device = await startRelayedDevice(prepared, lab, {
    rateLimitPerMinute: 600,
    deviceRateLimitPerMinute: 6000,
  });
  const browser = await launchChromium();
  try {
    await publishFleet(lab);
    const page = await signIn(browser, lab);
    await waitUntil(async () =>
      page.evaluate((n) => document.querySelectorAll('#checks li, #others li').length >= n, DEVICES),
    );
    const rendered = await page.evaluate(() => document.querySelectorAll('#checks li, #others li').length);
    console.log(`round: ${DEVICES + 1} devices on the broker, ${rendered} entries on the page`);
    console.log(summary('round page load', await pageLoads(page, rendered), '≤ 1000 ms'));
    console.log(
      summary('tap to picture (loopback, through the relay)', await tapToPicture(page, device.deviceId)),
    );
  } finally {
    await browser.close();
    await device.dispose();
    await lab.dispose();
  }
}

await main();
