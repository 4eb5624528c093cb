/**
 * The README's main command as a user runs it: `nattsyn demo` in its own process prints one JSON
 * line; the demo nurse signs in and sees the night's round of three rooms (one due, one at risk,
 * one offline); Rum 12's own viewer URL plays the synthetic camera in Chromium; Ctrl-C stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../fixtures/stream/browser.ts';

interface DemoLine {
  roundUrl: string;
  nurse: { user: string; password: string };
  viewerUrl: string;
  whepUrl: string;
  token: string;
  deviceId: string;
  stateDir: string;
  mqttUrl: string;
}

function startDemo(stateDir: string): Promise<{ child: ChildProcess; line: DemoLine }> {
  const child = spawn(
    process.execPath,
    ['src/cli.ts', 'demo', '--state', stateDir, '--port', '0', '--centre-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo printed nothing in 40 s\n${stderr}`)), 40_000);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}\n${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (text) => {
      clearTimeout(timer);
      resolve({ child, line: JSON.parse(text) as DemoLine });
    });
  });
}

describe('nattsyn demo', () => {
  let browser: Browser;
  let dir: string;
  let demo: { child: ChildProcess; line: DemoLine };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-demo-test-'));
    [browser, demo] = await Promise.all([launchChromium(), startDemo(dir)]);
  });
  afterAll(async () => {
    demo?.child.kill('SIGKILL');
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints_one_json_line_with_everything_needed_to_look', () => {
    const { line } = demo;
    expect(line.stateDir).toBe(dir);
    expect(line.viewerUrl).toBe(`${new URL(line.whepUrl).origin}/#token=${line.token}`);
    expect(line.whepUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/whep$/);
    expect(line.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(line.token.split('.')).toHaveLength(3);
    expect(line.roundUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/round$/);
    expect(line.nurse.user).toBe('natt');
    expect(line.nurse.password.length).toBeGreaterThanOrEqual(8);
  });

  it('signs_the_demo_nurse_in_to_a_round_of_three_rooms_one_due_one_at_risk_one_offline', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(demo.line.roundUrl);
    await page.fill('#login', demo.line.nurse.user);
    await page.fill('#password', demo.line.nurse.password);
    await Promise.all([page.waitForURL(demo.line.roundUrl), page.click('button[type=submit]')]);
    await page.waitForSelector(
      '#checks li[data-device="demo-rum-12"][data-status="due"] button.look:enabled',
      {
        timeout: 20_000,
      },
    );
    await page.waitForSelector('#checks li[data-device="demo-rum-14"] [data-readiness="at_risk"]', {
      timeout: 30_000,
    });
    await page.waitForSelector('[data-device="demo-rum-16"] [data-readiness="offline"]', { timeout: 10_000 });
    await context.close();
  });

  it('plays_the_synthetic_camera_when_the_viewer_url_is_opened', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(demo.line.viewerUrl);
    await expect.poll(() => page.isEnabled('#watch'), { timeout: 10_000 }).toBe(true);
    await page.click('#watch');
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video')!;
        return v.videoWidth === 640 && v.currentTime > 0.5;
      },
      undefined,
      { timeout: 15_000 },
    );
    await context.close();
  });

  it('keeps_its_keys_policy_config_and_audit_log_in_the_state_directory_and_no_media', async () => {
    const files = await readdir(dir, { recursive: true });
    expect(files).toEqual(
      expect.arrayContaining([
        'rum-12/config.json',
        'rum-12/policy.jws',
        'rum-12/audit-000000000001.jsonl',
        'keys/issuer.key',
        'centre/centre.json',
        'centre/roster.json',
      ]),
    );
    expect(files.filter((f) => /\.(h264|mp4|mkv|ts|jpe?g|png|webm|raw|yuv)$/i.test(f))).toEqual([]);
  });

  it('stops_cleanly_on_ctrl_c', async () => {
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
    demo.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
