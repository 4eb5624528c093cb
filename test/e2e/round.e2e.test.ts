/**
 * The whole night with a real device: the service as `startService` runs it behind the relay
 * (test/centre/round/relayedDevice.ts), the centre from its composition root, the real OpenID
 * provider and mosquitto, and a nurse in headless Chromium at a phone viewport who sees a round of
 * four (this one, due now; one ready, one at risk, one offline), looks at the due one and records
 * "asleep, calm". The device's audit log then holds the grant, the session end and the outcome,
 * each with the IdP's staff id and the same session, and `audit verify` passes.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { verifyAuditLog } from '../../src/policy/index.ts';
import {
  healthPayload,
  publishRetained,
  schedulePayload,
  statusPayload,
} from '../centre/round/devicePayloads.ts';
import {
  prepareRelayedDevice,
  type RelayedDevice,
  startRelayedDevice,
} from '../centre/round/relayedDevice.ts';
import { DEVICES, type RoundLab, startRoundLab } from '../centre/round/roundLab.ts';
import { launchChromium } from '../fixtures/stream/browser.ts';
import { TEST_NURSE } from '../support/oidcProvider.ts';

const READY = 'dev-ready-0005';

describe('the night round with a real device behind the relay', () => {
  let lab: RoundLab;
  let device: RelayedDevice;
  let browser: Browser;
  let deviceId: string;

  beforeAll(async () => {
    const prepared = await prepareRelayedDevice();
    deviceId = prepared.deviceId;
    lab = await startRoundLab({
      roster: {
        groups: { 'natt-norr': [deviceId, READY, DEVICES.risk, DEVICES.gone] },
        devices: {
          [deviceId]: { room: 'Rum 12', carePlanRef: 'KP-2024-00123' },
          [READY]: { room: 'Rum 13', carePlanRef: 'KP-2024-00126' },
          [DEVICES.risk]: { room: 'Rum 14', carePlanRef: 'KP-2024-00124' },
          [DEVICES.gone]: { room: 'Rum 16', carePlanRef: 'KP-2024-00125' },
        },
      },
      config: { staffTokens: prepared.staffTokens },
    });
    device = await startRelayedDevice(prepared, lab);
    // The others publish what real devices keep retained: one judged ready for its window, one with
    // its camera covered, one gone.
    const now = Date.now();
    const later = [{ id: 'night-2', start: now + 50 * 60_000, end: now + 65 * 60_000 }];
    await publishRetained(lab.publisher, READY, {
      status: statusPayload(now, 'online'),
      schedule: schedulePayload(now, later),
      health: healthPayload(now, 'ready', []),
    });
    await publishRetained(lab.publisher, DEVICES.risk, {
      status: statusPayload(now, 'online'),
      schedule: schedulePayload(now, later),
      health: healthPayload(now, 'at_risk', ['camera_covered']),
    });
    await publishRetained(lab.publisher, DEVICES.gone, {
      status: statusPayload(now, 'offline'),
      schedule: schedulePayload(now, later),
    });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await device?.dispose();
    await lab?.dispose();
  });

  it('looks_from_the_round_and_the_device_audits_grant_end_and_outcome_with_the_idps_staff_id', async () => {
    const page = await (
      await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    ).newPage();
    await page.goto(`${lab.origin}/round`);
    await page.fill('#login', TEST_NURSE.login);
    await page.fill('#password', TEST_NURSE.password);
    await Promise.all([page.waitForURL(`${lab.origin}/round`), page.click('button[type=submit]')]);
    const look = page.locator(`#checks li[data-device="${deviceId}"][data-status="due"] button.look`);
    await look.waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('#checks li .badge').length === 4);
    const readiness = Object.fromEntries(
      await page.$$eval('#checks li .badge', (els) =>
        els.map((e) => [e.closest('li')!.dataset.device, (e as HTMLElement).dataset.readiness]),
      ),
    );
    // The real device judges readiness only in the lead before its next window: hours away, or not.
    expect(['ready', 'unknown']).toContain(readiness[deviceId]);
    expect({ ...readiness, [deviceId]: undefined }).toEqual({
      [deviceId]: undefined,
      [READY]: 'ready',
      [DEVICES.risk]: 'at_risk',
      [DEVICES.gone]: 'offline',
    });
    await look.click();
    await page.waitForSelector('#look-frame[data-state="live"]', { timeout: 15_000 });
    await page.click('button[data-outcome="asleep_calm"]');
    await page.waitForSelector(`#checks li[data-device="${deviceId}"][data-status="done"]`, {
      timeout: 10_000,
    });

    const records = await device.service.audit.readAfter(0, 10_000);
    const grant = records.find((r) => r.type === 'grant' && r.actor === TEST_NURSE.staffId)!;
    expect(grant).toBeDefined();
    const sameSession = records
      .filter((r) => r.sessionId === grant.sessionId)
      .map((r) => [r.type, r.actor, r.code]);
    expect(sameSession).toEqual([
      ['grant', TEST_NURSE.staffId, undefined],
      ['session_end', TEST_NURSE.staffId, 'closed_by_viewer'],
      ['look_outcome', TEST_NURSE.staffId, 'asleep_calm'],
    ]);
    const verdict = await verifyAuditLog(new FsStore(device.stateDir), sha256Hex);
    expect(verdict.ok).toBe(true);
    await page.context().close();
  });
});
