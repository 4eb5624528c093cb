/**
 * The whole night with a real device: the service as `startService` runs it (synthetic camera,
 * its listener off, relay config pinning the centre's relay key, its schedule published by
 * itself), the centre from its composition root, the real OpenID provider and mosquitto, and a
 * nurse in headless Chromium who looks from the round and records "asleep, calm". The device's
 * audit log then holds the grant, the session end and the outcome, each with the IdP's staff id
 * and the same session, and `audit verify` passes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER, prepareDemoState } from '../../src/cli/demoState.ts';
import { configSchema, loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { type RunningService, startService } from '../../src/main.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { verifyAuditLog } from '../../src/policy/index.ts';
import { type RoundLab, startRoundLab } from '../centre/round/roundLab.ts';
import { launchChromium } from '../fixtures/stream/browser.ts';
import { TEST_NURSE } from '../support/oidcProvider.ts';

describe('the night round with a real device behind the relay', () => {
  let stateDir: string;
  let lab: RoundLab;
  let service: RunningService;
  let browser: Browser;
  let deviceId: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'nattsyn-round-e2e-'));
    const demo = await prepareDemoState(stateDir, new Date(), {});
    deviceId = demo.deviceId;
    lab = await startRoundLab({
      roster: {
        groups: { 'natt-norr': [deviceId] },
        devices: { [deviceId]: { room: 'Rum 12', carePlanRef: 'KP-2024-00123' } },
      },
      config: {
        staffTokens: {
          issuer: DEMO_ISSUER,
          privateKeyFile: join(stateDir, 'keys/issuer.key'),
          keyId: 'demo-1',
        },
      },
    });
    await writeFile(join(stateDir, 'keys/centre-relay.pub'), lab.relayPublicKeyPem);
    const config = JSON.parse(await readFile(demo.configFile, 'utf8')) as Record<string, unknown>;
    Object.assign(config, {
      mqtt: { url: lab.broker.url },
      relay: { centreKeys: ['keys/centre-relay.pub'] },
      stream: { listen: 'off', ice: { hostAddresses: ['127.0.0.1'] } },
      camera: { driver: 'synthetic' },
      log: { level: 'silent' },
    });
    await writeFile(demo.configFile, JSON.stringify(config));
    service = await startService(await loadConfig(demo.configFile, configSchema), silentLogger);
    if (service.access.policy === undefined) throw new Error('the demo policy is not in force');
    await service.streaming.scheduler.evaluate();
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await lab?.dispose();
    await rm(stateDir, { recursive: true, force: true });
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
    await look.click({ timeout: 20_000 });
    await page.waitForSelector('#look-frame[data-state="live"]', { timeout: 15_000 });
    await page.click('button[data-outcome="asleep_calm"]');
    await page.waitForSelector(`#checks li[data-device="${deviceId}"][data-status="done"]`, {
      timeout: 10_000,
    });

    const records = await service.audit.readAfter(0, 10_000);
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
    const verdict = await verifyAuditLog(new FsStore(stateDir), sha256Hex);
    expect(verdict.ok).toBe(true);
    await page.context().close();
  });
});
