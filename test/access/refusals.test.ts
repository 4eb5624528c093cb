/**
 * Issue 13, item 3: refusals that name nobody share one audit budget per interval, whichever path
 * refused them (access control over HTTP, the relay's own checks), and a flood past it is written
 * as one aggregated record per interval: the log and the uplink cannot be filled with garbage.
 * A refusal that names a staff member is still written on its own. Time is the harness's clock.
 */
import { generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefusalRecorder } from '../../src/access/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { AuditRecord } from '../../src/policy/index.ts';
import { DeviceRelay } from '../../src/relay/deviceRelay.ts';
import { type Harness, makeHarness } from './harness.ts';

const BUDGET = 5;
const INTERVAL_MS = 60_000;

let h: Harness;
let refusals: RefusalRecorder;
let relay: DeviceRelay;

beforeEach(async () => {
  h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
  refusals = new RefusalRecorder({
    audit: h.audit,
    time: h.time,
    log: silentLogger,
    budget: BUDGET,
    intervalMs: INTERVAL_MS,
  });
  // The composition (main.ts) gives access control and the relay the same recorder.
  await h.access.stop();
  h.access = h.build({ refusals });
  await h.access.start();
  relay = new DeviceRelay({
    deviceId: 'dev-test-1',
    centreKeys: [(await generateKeyPair('EdDSA')).publicKey],
    serve: async () => {
      throw new Error('a refused request is never served');
    },
    publish: async () => undefined,
    refused: (code, detail) => refusals.refused(code, detail),
    time: h.time,
    log: silentLogger,
  });
});

afterEach(async () => {
  relay.stop();
  await refusals.stop();
  await h.access.stop();
  await h.cleanup();
});

const denies = async (): Promise<AuditRecord[]> => (await h.records()).filter((r) => r.type === 'deny');

/** 200 unauthenticated requests from 8 addresses over HTTP, and 40 garbage relayed requests. */
async function flood(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const origin = { remote: `192.0.2.${i % 8}`, transport: 'http' } as const;
    h.time.advance(10);
    if (i % 2 === 0) await h.access.admit(undefined, origin);
    else await h.access.checkToken('not.a.token', origin);
  }
  for (let i = 0; i < 40; i++) {
    h.time.advance(10);
    await relay.onMessage({
      payload: Buffer.from('garbage'),
      retained: i % 2 === 0,
      responseTopic: 'nattsyn/v1/dev-test-1/whep/res/centre-1',
      correlationData: Buffer.from('AAAAAAAAAAAAAAAAAAAAAAAA'),
      messageExpiryInterval: 5,
    });
  }
}

describe('the refusal budget', () => {
  it('writes_a_flood_of_anonymous_refusals_from_http_and_the_relay_as_one_record_per_interval', async () => {
    const start = h.time.now();
    await flood();
    expect(await denies()).toHaveLength(BUDGET);
    h.time.advance(INTERVAL_MS);
    await expect.poll(async () => (await denies()).length).toBe(BUDGET + 1);
    const aggregate = (await denies()).at(-1)!;
    expect(aggregate).toMatchObject({
      actor: 'unknown',
      code: 'refusals_aggregated',
      detail: {
        count: 240 - BUDGET,
        first: new Date(start + (BUDGET + 1) * 10).toISOString(),
        last: new Date(start + 2400).toISOString(),
        codes: 'bad_token:98,no_token:97,relay_retained:20,relay_unsigned:20',
        transports: 'http:195,relay:40',
        remotes: 8,
      },
    });
    expect(h.time.pending).toBe(0);
  });

  it('starts_a_new_budget_each_interval_and_writes_a_pending_aggregate_on_stop', async () => {
    await flood();
    h.time.advance(INTERVAL_MS);
    await expect.poll(async () => (await denies()).length).toBe(BUDGET + 1);
    await flood();
    expect(await denies()).toHaveLength(2 * BUDGET + 1);
    await refusals.stop();
    const last = (await denies()).at(-1)!;
    expect([last.code, last.detail?.count]).toEqual(['refusals_aggregated', 240 - BUDGET]);
    expect(h.time.pending).toBe(0);
  });

  it('writes_every_refusal_that_names_a_staff_member_on_its_own_even_past_the_budget', async () => {
    await flood();
    const origin = { remote: '198.51.100.7', transport: 'http' } as const;
    const token = await h.token({ staffId: 'nurse-9' });
    for (let i = 0; i < 3; i++) expect(await h.access.admit(token, origin)).toMatchObject({ ok: false });
    const named = (await denies()).filter((r) => r.actor === 'nurse-9');
    expect(named.map((r) => [r.code, r.detail?.remote])).toEqual([
      ['no_policy', '198.51.100.7'],
      ['no_policy', '198.51.100.7'],
      ['no_policy', '198.51.100.7'],
    ]);
  });
});
