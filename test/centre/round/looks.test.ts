/**
 * The round and its looks over HTTP, signed in at the real OpenID provider, through the centre's
 * composition root, a real mosquitto and a streaming device behind the relay: the round from
 * retained messages, the roster refusal, one session per look token, "not visible" and its
 * follow-up at every centre instance, and an expired shift sending staff back to sign in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Round } from '../../../src/centre/round/index.ts';
import { HttpAgent } from '../../support/httpAgent.ts';
import { signIn, TEST_NURSE } from '../../support/oidcProvider.ts';
import { healthPayload, publishRetained, schedulePayload, statusPayload } from './devicePayloads.ts';
import { DEVICES, RELIEF_NURSE, type RoundLab, startRoundLab, waitUntil } from './roundLab.ts';

const OFFER = readFileSync(join(import.meta.dirname, '../../fixtures/stream/sdp/chromium-video.sdp'), 'utf8');

let lab: RoundLab;
let nurse: HttpAgent;

beforeAll(async () => {
  lab = await startRoundLab({ device: true });
  const now = lab.clock.now();
  await publishRetained(lab.publisher, DEVICES.risk, {
    status: statusPayload(now, 'online'),
    schedule: schedulePayload(now, [{ id: 'night-2', start: now + 3_600_000, end: now + 4_500_000 }]),
    health: healthPayload(now, 'at_risk', ['camera_covered']),
  });
  await publishRetained(lab.publisher, DEVICES.gone, {
    status: statusPayload(now, 'offline'),
    schedule: schedulePayload(now, [{ id: 'night-1', start: now - 60_000, end: now + 600_000 }]),
    health: healthPayload(now - 3_600_000, 'ready'),
  });
  nurse = new HttpAgent();
  await signIn(nurse, lab.origin, TEST_NURSE, '/round');
  await waitUntil(async () => (await roundOf(nurse)).checks.length === 3);
}, 60_000);

afterAll(async () => {
  await lab?.dispose();
});

async function roundOf(agent: HttpAgent, origin = lab.origin): Promise<Round> {
  const hop = await agent.request(`${origin}/round/api/round`);
  if (hop.status !== 200) throw new Error(`round: ${hop.status} ${hop.body}`);
  return JSON.parse(hop.body) as Round;
}

const startLook = (agent: HttpAgent, deviceId: string, json: object = {}) =>
  agent.request(`${lab.origin}/round/look/${deviceId}`, { method: 'POST', json });

const offer = (agent: HttpAgent, deviceId: string, handle: string) =>
  agent.request(`${lab.origin}/round/look/${deviceId}/whep`, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', 'nattsyn-look': handle },
    body: OFFER,
  });

describe('the round from retained messages', () => {
  it('lists_the_nurses_three_devices_with_readiness_and_only_the_due_one_lookable', async () => {
    const round = await roundOf(nurse);
    const by = Object.fromEntries(round.devices.map((d) => [d.deviceId, d]));
    expect(Object.keys(by).sort()).toEqual([DEVICES.ready, DEVICES.risk, DEVICES.gone].sort());
    expect(by[DEVICES.ready]).toMatchObject({ readiness: 'ready', room: 'Rum 12' });
    expect(by[DEVICES.risk]).toMatchObject({ readiness: 'at_risk', problems: ['camera_covered'] });
    expect(by[DEVICES.gone]).toMatchObject({ readiness: 'offline' });
    const check = (id: string) => round.checks.find((c) => c.deviceId === id)!;
    expect(check(DEVICES.ready)).toMatchObject({ status: 'due', look: { enabled: true, scope: 'view' } });
    expect(check(DEVICES.risk)).toMatchObject({
      status: 'upcoming',
      look: { enabled: false, code: 'not_yet' },
    });
    expect(check(DEVICES.gone)).toMatchObject({
      status: 'due',
      look: { enabled: false, code: 'device_offline' },
    });
    expect(round.checks.map((c) => c.start)).toEqual(
      [...round.checks.map((c) => c.start)].sort((a, b) => a - b),
    );
    // Without the archive section there is no database: no "who looked" pages, and the page hides them.
    expect((round as Round & { whoLooked: boolean }).whoLooked).toBe(false);
    expect((await nurse.request(`${lab.origin}/round/who-looked/${DEVICES.ready}`)).status).toBe(404);
  });

  it('refuses_a_look_the_device_would_not_grant_before_minting_and_audits_it', async () => {
    const outside = await startLook(nurse, DEVICES.risk);
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body).code).toBe('outside_window');
    const offline = await startLook(nurse, DEVICES.gone);
    expect(offline.status).toBe(503);
    expect(JSON.parse(offline.body).code).toBe('device_offline');
    const extra = await startLook(nurse, DEVICES.risk, { reason: 'alarm' });
    expect(JSON.parse(extra.body).code).toBe('emergency_not_allowed');
    expect(
      lab.audit.events.filter((e) => e.type === 'look_refused').map((e) => (e as { code: string }).code),
    ).toEqual(expect.arrayContaining(['outside_window', 'device_offline', 'emergency_not_allowed']));
  });
});

describe('who may look', () => {
  it('refuses_staff_off_the_roster_with_403_not_on_roster_at_every_look_route_and_audits_it', async () => {
    const relief = new HttpAgent();
    await signIn(relief, lab.origin, RELIEF_NURSE, '/round');
    expect((await roundOf(relief)).devices.map((d) => d.deviceId)).toEqual([DEVICES.south]);
    const before = lab.device!.served.length;
    const start = await startLook(relief, DEVICES.ready);
    expect(start.status).toBe(403);
    expect(JSON.parse(start.body).code).toBe('not_on_roster');
    const whep = await offer(relief, DEVICES.ready, 'anything');
    expect(JSON.parse(whep.body).code).toBe('not_on_roster');
    expect(lab.device!.served.length).toBe(before);
    expect(lab.audit.events).toContainEqual(
      expect.objectContaining({ type: 'look_refused', code: 'not_on_roster', staffId: RELIEF_NURSE.staffId }),
    );
  });
});

describe('a look', () => {
  it('re_mints_the_same_token_for_its_handle_so_the_device_refuses_a_second_session', async () => {
    const start = await startLook(nurse, DEVICES.ready);
    expect(start.status).toBe(201);
    const { handle, until } = JSON.parse(start.body) as { handle: string; until: number };
    expect(until).toBeLessThanOrEqual(lab.device!.window.end);
    expect(until - lab.clock.now()).toBeLessThanOrEqual(600_000);
    expect(start.body).not.toMatch(/eyJhbGciOiJFZERTQSI/); // no token, only the handle

    const first = await offer(nurse, DEVICES.ready, handle);
    expect(first.status).toBe(201);
    expect(first.location).toMatch(/\/round\/look\/dev-stream-1\/whep\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const second = await offer(nurse, DEVICES.ready, handle);
    expect(second.status).toBe(403);
    expect(JSON.parse(second.body).code).toBe('token_in_use');

    const tokens = lab
      .device!.served.filter((r) => r.route === 'offer')
      .slice(-2)
      .map((r) => r.token);
    expect(tokens[0]).toBe(tokens[1]);
    const stateToken = lab.device!.served.filter((r) => r.route === 'state').at(-1)!.token;
    expect(tokens[0]).toBe(stateToken);
    const end = await nurse.request(first.location!, {
      method: 'DELETE',
      headers: { 'nattsyn-look': handle },
    });
    expect(end.status).toBe(200);
  });

  it('records_not_visible_and_puts_a_follow_up_15_minutes_later_on_the_round_at_every_instance', async () => {
    // A second instance behind the load balancer: the nurse's cookie opens there too.
    const other = await lab.anotherInstance();
    nurse.setCookie(other.url, 'nattsyn-session', nurse.cookie(lab.origin, 'nattsyn-session')!);
    const { handle } = JSON.parse((await startLook(nurse, DEVICES.ready)).body) as { handle: string };
    const session = (await offer(nurse, DEVICES.ready, handle)).location!;
    await nurse.request(session, { method: 'DELETE', headers: { 'nattsyn-look': handle } });
    const status = await nurse.request(session, { headers: { 'nattsyn-look': handle } });
    expect(JSON.parse(status.body)).toMatchObject({ live: false, endCode: 'closed_by_viewer' });
    const recorded = await nurse.request(`${session}/outcome`, {
      method: 'POST',
      json: { outcome: 'not_visible' },
      headers: { 'nattsyn-look': handle },
    });
    expect(recorded.status).toBe(201);
    expect(lab.device!.outcomes.at(-1)).toMatchObject({
      outcome: 'not_visible',
      staffId: TEST_NURSE.staffId,
    });

    for (const origin of [lab.origin, other.url]) {
      await expect
        .poll(async () => (await roundOf(nurse, origin)).checks.find((c) => c.kind === 'follow_up'), {
          timeout: 5000,
        })
        .toBeTruthy();
    }
    const round = await roundOf(nurse, other.url);
    const window = round.checks.find((c) => c.deviceId === DEVICES.ready && c.kind === 'window')!;
    expect(window).toMatchObject({ status: 'done', outcome: { outcome: 'not_visible' } });
    const followUp = round.checks.find((c) => c.kind === 'follow_up')!;
    expect(followUp.start - window.outcome!.at).toBe(15 * 60_000);
    expect(followUp).toMatchObject({
      status: 'upcoming',
      end: null,
      look: { enabled: false, code: 'not_yet' },
    });

    lab.clock.advance(15 * 60_000);
    try {
      const later = (await roundOf(nurse)).checks.find((c) => c.kind === 'follow_up')!;
      // The window has closed by then and this resident's plan allows no looks outside it.
      expect(later).toMatchObject({ status: 'due', look: { enabled: false, code: 'emergency_not_allowed' } });
    } finally {
      lab.clock.advance(-15 * 60_000);
    }
  });
});

describe('the shift', () => {
  it('an_expired_centre_session_sends_the_page_to_sign_in_and_the_api_answers_401', async () => {
    const agent = new HttpAgent();
    await signIn(agent, lab.origin, TEST_NURSE, '/round');
    expect((await agent.request(`${lab.origin}/round`)).status).toBe(200);
    const sealed = agent.cookie(lab.origin, 'nattsyn-session')!;
    lab.clock.advance(12 * 3_600_000 + 1000);
    try {
      const api = await agent.request(`${lab.origin}/round/api/round`);
      expect(api.status).toBe(401);
      expect(JSON.parse(api.body).code).toBe('session_expired');
      agent.setCookie(lab.origin, 'nattsyn-session', sealed);
      const page = await agent.request(`${lab.origin}/round`);
      expect(page.status).toBe(302);
      expect(page.location).toBe(`${lab.origin}/auth/login?returnTo=%2Fround`);
    } finally {
      lab.clock.advance(-(12 * 3_600_000 + 1000));
    }
  });

  it('the_pages_own_refresh_does_not_keep_an_idle_session_alive_but_a_tap_does', async () => {
    const [idle, busy] = [new HttpAgent(), new HttpAgent()];
    await signIn(idle, lab.origin, TEST_NURSE, '/round');
    await signIn(busy, lab.origin, TEST_NURSE, '/round');
    const api = (agent: HttpAgent, auto: boolean) =>
      agent.request(`${lab.origin}/round/api/round`, { headers: auto ? { 'nattsyn-refresh': 'auto' } : {} });
    let moved = 0;
    const advance = (ms: number) => {
      lab.clock.advance(ms);
      moved += ms;
    };
    try {
      advance(20 * 60_000);
      expect((await api(idle, true)).status).toBe(200);
      expect((await api(busy, false)).status).toBe(200);
      advance(11 * 60_000);
      const stale = await api(idle, true);
      expect(stale.status).toBe(401);
      expect(JSON.parse(stale.body).code).toBe('session_expired');
      expect((await api(busy, true)).status).toBe(200);
    } finally {
      lab.clock.advance(-moved);
    }
  });
});
