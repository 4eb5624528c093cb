/**
 * The centre limits the look routes per signed-in staff member, not per address: behind one NAT (a
 * care home's Wi-Fi, a carrier's CGNAT) every phone shares an address, and one busy session must
 * not starve the others, nor the shift's looks together trip the address's limit. Requests without
 * a session still meet the per-address limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAgent } from '../../support/httpAgent.ts';
import { signIn, TEST_NURSE } from '../../support/oidcProvider.ts';
import { DEVICES, RELIEF_NURSE, type RoundLab, startRoundLab } from './roundLab.ts';

let lab: RoundLab;
beforeAll(async () => {
  lab = await startRoundLab({
    staffRateLimitPerMinute: 3,
    rateLimitPerMinute: 2,
    roster: {
      groups: { 'natt-norr': [DEVICES.risk], 'natt-syd': [DEVICES.risk] },
      devices: { [DEVICES.risk]: { room: 'Rum 12', carePlanRef: 'KP-2024-00123' } },
    },
  });
}, 60_000);
afterAll(async () => {
  await lab?.dispose();
});

describe('the look routes', () => {
  it('refuse_a_staff_member_past_her_own_minute_and_not_another_on_the_same_address', async () => {
    const busy = new HttpAgent();
    const other = new HttpAgent();
    await signIn(busy, lab.origin, TEST_NURSE, '/round');
    await signIn(other, lab.origin, RELIEF_NURSE, '/round');
    const look = (agent: HttpAgent) =>
      agent.request(`${lab.origin}/round/look/${DEVICES.risk}`, { method: 'POST', json: {} });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await look(busy)).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    expect((await look(other)).status).not.toBe(429);
  });

  it('hold_requests_without_a_session_to_the_per_address_limit', async () => {
    const stranger = new HttpAgent();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push(
        (await stranger.request(`${lab.origin}/round/look/${DEVICES.risk}`, { method: 'POST', json: {} }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 429]);
  });
});

describe('the look face routes (trickle, end, status, outcome)', () => {
  let roomy: RoundLab;
  beforeAll(async () => {
    roomy = await startRoundLab({ rateLimitPerMinute: 2 });
  }, 60_000);
  afterAll(async () => {
    await roomy?.dispose();
  });

  it('meet_no_per_address_limit_when_signed_in_and_the_address_limit_when_not', async () => {
    const nurse = new HttpAgent();
    await signIn(nurse, roomy.origin, TEST_NURSE, '/round');
    const end = (agent: HttpAgent) =>
      agent.request(`${roomy.origin}/round/look/${DEVICES.ready}/whep/no-such-look`, {
        method: 'DELETE',
        headers: { 'Nattsyn-Look': 'no-such-handle' },
      });
    const signedIn: number[] = [];
    for (let i = 0; i < 4; i += 1) signedIn.push((await end(nurse)).status);
    expect(signedIn).not.toContain(429);
    const stranger = new HttpAgent();
    const anonymous: number[] = [];
    for (let i = 0; i < 3; i += 1) anonymous.push((await end(stranger)).status);
    expect(anonymous).toEqual([401, 401, 429]);
  });
});
