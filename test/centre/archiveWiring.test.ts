/**
 * The centre from its composition root with the `archive` section, on both real databases, a real
 * mosquitto, the real OpenID provider and a streaming device double whose hash chain (grants,
 * ends, outcomes) reaches the archive: the round's done and follow-up state read from the archive
 * at an instance started after the look and after a restart, a sign-out refused at every instance
 * and after a restart, refusals and failed sign-ins kept in the database and listed by
 * `audit export` with the look, its outcome, its role and its room, and the "who looked" page.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditExport } from '../../src/centre/archive/index.ts';
import type { Round } from '../../src/centre/round/index.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../support/archiveDb.ts';
import { HttpAgent } from '../support/httpAgent.ts';
import { signIn, TEST_NURSE } from '../support/oidcProvider.ts';
import { DEVICES, RELIEF_NURSE, type RoundLab, startRoundLab } from './round/roundLab.ts';

const OFFER_FILE = new URL('../fixtures/stream/sdp/chromium-video.sdp', import.meta.url);

describe.each(DATABASE_KINDS)('the centre with its archive on %s', (kind) => {
  let fixture: DatabaseFixture;
  let database: Awaited<ReturnType<DatabaseFixture['fresh']>>;
  let lab: RoundLab;
  let nurse: HttpAgent;
  let offer: string;

  beforeAll(async () => {
    fixture = await databaseFixture(kind);
    database = await fixture.fresh();
    offer = await readFile(OFFER_FILE, 'utf8');
    lab = await startRoundLab({
      device: true,
      config: {
        archive: {
          database,
          mqtt: { clientId: `archive-${kind}-a` },
          gapGraceMs: 200,
          resendIntervalMs: 500,
        },
      },
      // The database's centre audit, not the lab's memory.
      overrides: { audit: undefined },
    });
    nurse = new HttpAgent();
    await signIn(nurse, lab.origin, TEST_NURSE, '/round');
  }, 90_000);

  afterAll(async () => {
    await lab?.dispose();
    await fixture?.dispose();
  });

  const roundAt = async (agent: HttpAgent, origin: string): Promise<Round & { whoLooked: boolean }> => {
    const hop = await agent.request(`${origin}/round/api/round`);
    if (hop.status !== 200) throw new Error(`round: ${hop.status} ${hop.body}`);
    return JSON.parse(hop.body);
  };
  const readyWindow = (round: Round) =>
    round.checks.find((c) => c.deviceId === DEVICES.ready && c.kind === 'window');
  const session = (agent: HttpAgent, origin: string) =>
    agent.setCookie(origin, 'nattsyn-session', nurse.cookie(lab.origin, 'nattsyn-session')!);
  const exportJson = async (args: string[] = []) => {
    const out: string[] = [];
    const db =
      database.kind === 'sqlite'
        ? ['--db', database.file]
        : [
            '--db',
            `postgres://${database.user}@${database.host}:${database.port}/${database.database}`,
            '--password-file',
            database.passwordFile!,
          ];
    const io = { out: (t: string) => out.push(t), err: () => undefined };
    expect(await runAuditExport([...db, '--format', 'json', ...args], io)).toBe(0);
    return JSON.parse(out.join(''));
  };

  it('verifies_the_devices_chain_and_the_round_shows_the_archives_state', async () => {
    await expect
      .poll(
        async () =>
          (await roundAt(nurse, lab.origin)).devices.find((d) => d.deviceId === DEVICES.ready)?.archive,
        {
          timeout: 10_000,
        },
      )
      .toMatchObject({ state: 'complete' });
    const round = await roundAt(nurse, lab.origin);
    expect(round.whoLooked).toBe(true);
    expect(round.devices.find((d) => d.deviceId === DEVICES.risk)?.archive).toBeNull();
  });

  it('shows_a_look_noted_not_visible_as_done_with_its_follow_up_at_a_later_instance_and_after_a_restart', async () => {
    const started = await nurse.request(`${lab.origin}/round/look/${DEVICES.ready}`, {
      method: 'POST',
      json: {},
    });
    expect(started.status).toBe(201);
    const { handle } = JSON.parse(started.body) as { handle: string };
    const look = { 'nattsyn-look': handle };
    const opened = await nurse.request(`${lab.origin}/round/look/${DEVICES.ready}/whep`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...look },
      body: offer,
    });
    expect(opened.status).toBe(201);
    await nurse.request(opened.location!, { method: 'DELETE', headers: look });
    const noted = await nurse.request(`${opened.location}/outcome`, {
      method: 'POST',
      json: { outcome: 'not_visible' },
      headers: look,
    });
    expect(noted.status).toBe(201);
    await expect
      .poll(async () => readyWindow(await roundAt(nurse, lab.origin))?.status, { timeout: 10_000 })
      .toBe('done');

    // An instance that started after the look learned nothing from the broker: the database answers.
    const later = await lab.anotherInstance({
      archive: { database, mqtt: { clientId: `archive-${kind}-b` } },
    });
    session(nurse, later.url);
    // Its retained schedules arrive just after it subscribes.
    await expect.poll(async () => readyWindow(await roundAt(nurse, later.url))).toBeTruthy();
    const atLater = await roundAt(nurse, later.url);
    expect(readyWindow(atLater)).toMatchObject({ status: 'done', outcome: { outcome: 'not_visible' } });
    expect(atLater.checks.find((c) => c.kind === 'follow_up' && c.deviceId === DEVICES.ready)).toBeTruthy();

    await lab.restart();
    await expect.poll(async () => readyWindow(await roundAt(nurse, lab.origin))?.status).toBe('done');
  });

  it('refuses_a_signed_out_cookie_at_every_instance_and_after_a_restart', async () => {
    const agent = new HttpAgent();
    await signIn(agent, lab.origin, TEST_NURSE, '/round');
    const sealed = agent.cookie(lab.origin, 'nattsyn-session')!;
    const other = await lab.anotherInstance({
      instanceId: 'centre-round-c',
      archive: { database, mqtt: { clientId: `archive-${kind}-c` } },
    });
    agent.setCookie(other.url, 'nattsyn-session', sealed);
    expect((await agent.request(`${other.url}/round/api/round`)).status).toBe(200);
    expect((await agent.request(`${lab.origin}/auth/logout`, { method: 'POST', form: {} })).status).toBe(303);
    const there = await agent.request(`${other.url}/round/api/round`);
    expect(there.status).toBe(401);
    expect(JSON.parse(there.body).code).toBe('signed_out');
    await lab.restart();
    agent.setCookie(lab.origin, 'nattsyn-session', sealed);
    const again = await agent.request(`${lab.origin}/round/api/round`);
    expect(JSON.parse(again.body).code).toBe('signed_out');
  });

  it('keeps_refusals_and_failed_sign_ins_across_a_restart_and_the_export_lists_them_beside_the_look', async () => {
    const relief = new HttpAgent();
    await signIn(relief, lab.origin, RELIEF_NURSE, '/round');
    expect(
      (await relief.request(`${lab.origin}/round/look/${DEVICES.ready}`, { method: 'POST', json: {} }))
        .status,
    ).toBe(403);
    const stray = await new HttpAgent().request(`${lab.origin}/auth/callback?code=x&state=y`);
    expect(stray.status).toBe(400);
    await lab.restart();

    const data = await exportJson(['--device', DEVICES.ready]);
    expect(data.centre).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'look_refused',
          code: 'not_on_roster',
          staffId: RELIEF_NURSE.staffId,
        }),
        expect.objectContaining({
          type: 'look_token_issued',
          staffId: TEST_NURSE.staffId,
          role: 'Undersköterska',
        }),
      ]),
    );
    expect(data.centre.every((r: { deviceId: string }) => r.deviceId === DEVICES.ready)).toBe(true);
    const everything = await exportJson();
    expect(everything.centre).toContainEqual(
      expect.objectContaining({ type: 'sign_in_failed', code: 'sign_in_expired' }),
    );
    // The look: the device's grant with its end and outcome, the role the centre recorded for its
    // token, and the room the roster gave the device (from the database, no --roster needed).
    expect(data.looks).toContainEqual(
      expect.objectContaining({
        kind: 'look',
        staffId: TEST_NURSE.staffId,
        role: 'Undersköterska',
        outcome: 'closed_by_viewer',
        seen: 'not_visible',
        roomLabel: 'Rum 12',
        carePlanRef: 'KP-2024-00123',
        verified: true,
      }),
    );
    expect(data.devices).toEqual([expect.objectContaining({ deviceId: DEVICES.ready, state: 'complete' })]);
  });

  it('serves_the_who_looked_page_with_roles_and_never_a_staff_id_to_staff_on_the_roster_only', async () => {
    const page = await fetch(`${lab.origin}/round/who-looked/${DEVICES.ready}`, {
      headers: { cookie: `nattsyn-session=${nurse.cookie(lab.origin, 'nattsyn-session')}` },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<span class="room">Rum 12</span>');
    expect(html).toMatch(
      /<td data-label="Vem">Undersköterska<\/td>\s*<td data-label="Varför">Planerad tillsyn<\/td>/,
    );
    expect(html).toContain('Omsorgsplan KP-2024-00123');
    expect(html).not.toContain(TEST_NURSE.staffId);
    expect(html).toContain('Listan är komplett');

    const relief = new HttpAgent();
    await signIn(relief, lab.origin, RELIEF_NURSE, '/round');
    expect((await relief.request(`${lab.origin}/round/who-looked/${DEVICES.ready}`)).status).toBe(403);
    expect(
      (await nurse.request(`${lab.origin}/round/who-looked/${DEVICES.ready}?month=2026-13`)).status,
    ).toBe(400);
    expect(
      (await nurse.request(`${lab.origin}/round/who-looked/${DEVICES.ready}?month=2999-01`)).status,
    ).toBe(400);
    const data = await exportJson();
    expect(data.centre).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'history_shown',
          staffId: TEST_NURSE.staffId,
          deviceId: DEVICES.ready,
        }),
        expect.objectContaining({
          type: 'history_refused',
          code: 'not_on_roster',
          staffId: RELIEF_NURSE.staffId,
        }),
      ]),
    );
  });
});
