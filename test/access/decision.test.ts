import { describe, expect, it } from 'vitest';
import { endCodeFor } from '../../src/access/decision.ts';
import { AccessDecision, PolicyInForce, refusal, SessionTable } from '../../src/access/index.ts';
import { silentLogger } from '../../src/log.ts';
import { epochMillis } from '../../src/policy/index.ts';
import { ed25519KeyPair } from '../fixtures/keys.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { signedPolicy } from '../fixtures/policies.ts';
import { ManualTime } from '../fixtures/time.ts';
import { mintToken, staffClaims, TEST_NOW, tokenTrust } from '../fixtures/tokens.ts';

async function setup() {
  const key = await ed25519KeyPair();
  const issuer = await ed25519KeyPair();
  const time = new ManualTime(TEST_NOW);
  const record = async () => undefined;
  const policy = new PolicyInForce({
    state: new MemoryStore(),
    append: record,
    record,
    policyKey: key.publicKey,
    deviceId: 'dev-0001',
    log: silentLogger,
  });
  const sessions = new SessionTable({ time, record });
  let synced = true;
  const decision = new AccessDecision({
    trust: tokenTrust([issuer]),
    policy,
    sessions,
    clockSynced: () => synced,
    auditWritable: () => true,
  });
  return { key, issuer, time, policy, sessions, decision, unsync: () => (synced = false) };
}

describe('the access decision', () => {
  it('verifies_tokens_in_one_place_and_refuses_with_the_registry_status_and_a_sentence', async () => {
    const s = await setup();
    expect(await s.decision.verify(undefined, TEST_NOW)).toEqual(refusal('no_token'));
    expect(refusal('no_token')).toMatchObject({ status: 401, message: 'A staff token is required.' });
    const verified = await s.decision.verify(await mintToken(s.issuer), TEST_NOW);
    expect(verified).toMatchObject({ ok: true, claims: { staffId: 'staff-7', scope: 'view' } });
  });

  it('gathers_the_device_state_and_asks_the_gate_in_its_order', async () => {
    const s = await setup();
    const claims = staffClaims();
    expect(s.decision.decide(claims, TEST_NOW)).toEqual({ kind: 'deny', code: 'no_policy' });
    await s.policy.apply(await signedPolicy(s.key), 'centre');
    expect(s.decision.decide(claims, TEST_NOW)).toMatchObject({ kind: 'grant', windowId: 'night' });
    await s.policy.pause('resident');
    expect(s.decision.decide(claims, TEST_NOW)).toEqual({ kind: 'deny', code: 'paused' });
    s.unsync();
    expect(s.decision.decide(claims, TEST_NOW)).toEqual({ kind: 'deny', code: 'clock_unsynced' });
  });

  it('names_the_bound_a_grant_ends_on', async () => {
    const s = await setup();
    await s.policy.apply(await signedPolicy(s.key, { maxSessionSeconds: 300 }), 'centre');
    const claims = staffClaims({ expiresAt: epochMillis(TEST_NOW + 60_000) });
    const grant = s.decision.decide(claims, TEST_NOW);
    expect(grant.kind === 'grant' && endCodeFor(grant, claims, TEST_NOW, s.policy.policy)).toBe(
      'token_expired',
    );
    const long = staffClaims();
    const capped = s.decision.decide(long, TEST_NOW);
    expect(capped.kind === 'grant' && endCodeFor(capped, long, TEST_NOW, s.policy.policy)).toBe(
      'max_session',
    );
  });
});
