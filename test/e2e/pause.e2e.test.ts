/**
 * The centre pauses and resumes on the resident's behalf (issue 9, item 10): `nattsyn run` in its
 * own process against a real mosquitto gets a signed `cmd/pause` with an operator and an until,
 * answers it, audits who paused and until when, refuses looks, and its viewer page (headless
 * Chromium) says who paused and until when; a signed `cmd/resume` opens it again.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand } from '../../src/health/commands.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { launchChromium } from '../fixtures/stream/browser.ts';
import { offerFixture, post } from '../fixtures/stream/http.ts';
import { type Centre, startCentre } from '../health/fixtures/centre.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import {
  prepareServiceState,
  type ServiceProcess,
  type ServiceState,
  spawnService,
} from '../support/serviceProcess.ts';

const hhmm = (ms: number) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);

describe('a pause from the centre, on the viewer page', () => {
  let broker: Broker;
  let centre: Centre;
  let browser: Browser;
  let dir: string;
  let state: ServiceState;
  let service: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    broker = await startMosquitto();
    centre = await startCentre(broker.url);
    dir = await mkdtemp(join(tmpdir(), 'nattsyn-pause-'));
    state = await prepareServiceState(dir, broker.url);
    service = spawnService(state);
    [browser, url] = await Promise.all([
      launchChromium(),
      service.log('nattsyn started').then((l) => String(l.url)),
    ]);
    await centre.waitFor((m) => m.some((x) => x.topic.endsWith('/status') && x.text.includes('"online"')));
  });
  afterAll(async () => {
    service?.kill();
    await browser?.close();
    await centre?.stop();
    await broker?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Publishes a signed command and waits for its answer on cmd/<name>/res. */
  async function command(name: string, args: Record<string, string>) {
    const now = Date.now();
    const id = `c-${randomUUID()}`;
    const jws = await signCommand(
      {
        deviceId: state.deviceId,
        name,
        id,
        issuedAt: new Date(now).toISOString(),
        expiry: new Date(now + 60_000).toISOString(),
        args,
      },
      state.policyKey,
    );
    await centre.client.publishAsync(`nattsyn/v1/${state.deviceId}/cmd/${name}`, jws, { qos: 1 });
    await centre.waitFor((m) => m.some((x) => x.topic.endsWith(`cmd/${name}/res`) && x.text.includes(id)));
    return centre.json(`cmd/${name}/res`).find((r) => (r as { id: string }).id === id) as Record<
      string,
      unknown
    >;
  }

  it('pauses_on_a_signed_cmd_pause_audits_who_and_until_and_says_so_on_the_viewer_page', async () => {
    const until = new Date(Math.ceil((Date.now() + 3 * 3600_000) / 60_000) * 60_000).toISOString();
    expect(await command('pause', { operator: 'jour-3', until: 'yesterday' })).toMatchObject({
      ok: false,
      code: 'cmd_malformed',
    });
    const look = await post(url, offerFixture('chromium-video'), state.token);
    expect(look.res.status).toBe(201);
    const location = look.res.headers.get('location')!;
    expect(await command('pause', { operator: 'jour-3', until })).toMatchObject({
      ok: true,
      result: { paused: true, by: 'centre', until },
    });
    const res = await fetch(`${url}/api/state`, { headers: { Authorization: `Bearer ${state.token}` } });
    const { paused, pause } = (await res.json()) as { paused: boolean; pause: Record<string, unknown> };
    expect({ paused, pause }).toMatchObject({
      paused: true,
      pause: { by: 'centre', until: Date.parse(until) },
    });
    const since = Number(pause.since);
    // The look the pause cut says why, and until when (what the viewer then shows in words).
    const why = await fetch(`${url}${location}`, { headers: { Authorization: `Bearer ${state.token}` } });
    expect(await why.json()).toMatchObject({ live: false, endCode: 'paused', pausedUntil: until });
    const refused = await post(url, offerFixture('chromium-video'), state.token);
    expect([refused.res.status, refused.json().code]).toEqual([403, 'paused']);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${url}/#token=${state.token}`);
    await expect
      .poll(() => page.textContent('#window'))
      .toBe(
        `Pausad av larmcentralen på boendes begäran sedan ${hhmm(since)} till ${hhmm(Date.parse(until))}. · ` +
          `Paused by the centre at the resident's request since ${hhmm(since)} until ${hhmm(Date.parse(until))}.`,
      );
    expect(await page.isEnabled('#watch')).toBe(false);

    expect(await command('resume', { operator: 'jour-3' })).toMatchObject({
      ok: true,
      result: { paused: false },
    });
    await page.close();
    const again = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await again.goto(`${url}/#token=${state.token}`);
    await expect.poll(() => again.textContent('#window')).toMatch(/^Öppet till/);
    await again.close();

    const audit = new AuditLog({
      store: new FsStore(dir),
      sha256: sha256Hex,
      time: { now: () => Date.now() as never },
    });
    const records = (await audit.readAfter(0, 10_000)).filter(
      (r) => r.type === 'pause' || r.type === 'resume',
    );
    expect(records).toMatchObject([
      { type: 'pause', actor: 'jour-3', detail: { by: 'centre', until } },
      { type: 'resume', actor: 'jour-3', detail: { by: 'centre' } },
    ]);
  }, 60_000);
});
