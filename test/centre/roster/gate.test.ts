/**
 * The roster check at the centre, through HTTP with a session from the real OpenID provider: a
 * device outside the staff member's groups is refused `403 not_on_roster` and the refusal audited.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CentreAuditSink } from '../../../src/centre/auth/index.ts';
import { HttpAgent } from '../../support/httpAgent.ts';
import { signIn, TEST_NURSE } from '../../support/oidcProvider.ts';
import { type CentreHarness, ROSTER, startCentre } from '../harness.ts';

let centre: CentreHarness;
afterEach(async () => {
  await centre.close();
});

async function signedIn(audit?: CentreAuditSink): Promise<HttpAgent> {
  centre = await startCentre(audit ? { audit } : {});
  const agent = new HttpAgent();
  await signIn(agent, centre.origin);
  return agent;
}

const look = (agent: HttpAgent, deviceId: string) =>
  agent.request(`${centre.origin}/api/devices/${deviceId}/look`, { method: 'POST' });

describe('the roster check at the centre', () => {
  it('a_device_on_the_staff_members_roster_passes', async () => {
    const agent = await signedIn();

    expect((await look(agent, 'dev-norr-0001')).status).toBe(200);
  });

  it('a_device_off_the_roster_is_refused_403_not_on_roster_and_audited', async () => {
    const agent = await signedIn();

    const answer = await look(agent, 'dev-syd-0001');

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ code: 'not_on_roster', message: expect.any(String) });
    expect(centre.audit.events.at(-1)).toEqual({
      type: 'look_refused',
      at: centre.time.now(),
      code: 'not_on_roster',
      staffId: TEST_NURSE.staffId,
      deviceId: 'dev-syd-0001',
    });
  });

  it('an_unknown_device_is_refused_the_same_way', async () => {
    const agent = await signedIn();

    const answer = await look(agent, 'dev-none-0001');

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).code).toBe('not_on_roster');
  });

  it('the_refusal_stands_when_the_audit_store_fails', async () => {
    const failing: CentreAuditSink = {
      record: async (event) => {
        if (event.type === 'look_refused') throw new Error('database down');
      },
    };
    const agent = await signedIn(failing);

    const answer = await look(agent, 'dev-syd-0001');

    expect(answer.status).toBe(403);
    expect(centre.logs.lines.some((l) => l.level === 'error' && l.msg === 'centre audit record failed')).toBe(
      true,
    );
  });

  it('a_roster_change_takes_effect_for_a_signed_in_staff_member', async () => {
    const agent = await signedIn();
    const reloaded = new Promise((resolve) => centre.roster.onReload.on(resolve));

    await writeFile(
      path.join(centre.dir, 'roster.json'),
      JSON.stringify({ ...ROSTER, groups: { ...ROSTER.groups, 'natt-norr': ['dev-syd-0001'] } }),
    );
    await centre.roster.reload();
    await reloaded;

    expect((await look(agent, 'dev-syd-0001')).status).toBe(200);
    expect((await look(agent, 'dev-norr-0001')).status).toBe(403);
  });

  it('without_a_session_the_roster_is_not_even_consulted', async () => {
    centre = await startCentre();

    const answer = await look(new HttpAgent(), 'dev-norr-0001');

    expect(answer.status).toBe(401);
    expect(centre.audit.events).toEqual([]);
  });
});
