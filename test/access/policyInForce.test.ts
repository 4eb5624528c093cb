import { describe, expect, it } from 'vitest';
import { PAUSE_FILE, POLICY_FILE, PolicyInForce } from '../../src/access/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { AuditEntry } from '../../src/policy/index.ts';
import { FaultyStore } from '../fixtures/faultyStore.ts';
import { ed25519KeyPair } from '../fixtures/keys.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { signedPolicy } from '../fixtures/policies.ts';
import { TEST_DEVICE } from '../fixtures/tokens.ts';

async function setup() {
  const key = await ed25519KeyPair();
  const state = new FaultyStore(new MemoryStore());
  const audited: AuditEntry[] = [];
  let auditFails = false;
  const append = async (entry: AuditEntry) => {
    if (auditFails) throw new Error('disk full');
    audited.push(entry);
  };
  const policy = new PolicyInForce({
    state,
    append,
    record: (entry) => append(entry).catch(() => undefined),
    policyKey: key.publicKey,
    deviceId: TEST_DEVICE,
    log: silentLogger,
  });
  let changes = 0;
  policy.onChange(() => (changes += 1));
  return {
    key,
    state,
    policy,
    audited,
    changes: () => changes,
    failAudit: (v: boolean) => (auditFails = v),
  };
}

describe('the policy in force', () => {
  it('applies_a_verified_policy_only_once_audited_and_stored_and_announces_it', async () => {
    const s = await setup();
    const verdict = await s.policy.apply(await signedPolicy(s.key, { version: 3 }), 'centre');
    expect(verdict.ok).toBe(true);
    expect(s.policy.policy?.body.version).toBe(3);
    expect(s.audited).toEqual([{ type: 'policy_applied', actor: 'centre', detail: { version: 3 } }]);
    expect(await s.state.read(POLICY_FILE)).toBeDefined();
    expect(s.changes()).toBe(1);
  });

  it('keeps_the_policy_in_force_when_the_new_one_cannot_be_stored_and_says_nothing_changed', async () => {
    const s = await setup();
    await s.policy.apply(await signedPolicy(s.key, { version: 1 }), 'centre');
    s.state.failing.add('writeAtomic');
    const verdict = await s.policy.apply(await signedPolicy(s.key, { version: 2 }), 'centre');
    expect(verdict).toMatchObject({ ok: false, code: 'state_unwritable' });
    expect([s.policy.policy?.body.version, s.changes()]).toEqual([1, 1]);
    expect(s.audited.at(-1)).toMatchObject({ type: 'policy_rejected', code: 'state_unwritable' });
  });

  it('pauses_at_once_even_unaudited_and_resumes_only_once_audited_and_stored', async () => {
    const s = await setup();
    s.failAudit(true);
    await s.policy.pause('resident');
    expect([s.policy.pausedByResident, s.changes()]).toEqual([true, 1]);
    await expect(s.policy.resume('resident')).rejects.toThrow('disk full');
    expect(s.policy.pausedByResident).toBe(true);
    s.failAudit(false);
    s.state.failing.add('writeAtomic');
    await expect(s.policy.resume('resident')).rejects.toThrow(/injected/);
    expect(s.policy.pausedByResident).toBe(true);
    s.state.failing.clear();
    await s.policy.resume('resident');
    expect([s.policy.pausedByResident, await s.state.read(PAUSE_FILE)]).toEqual([false, '{"paused":false}']);
  });

  it('loads_what_it_stored_and_counts_an_unreadable_pause_flag_as_paused', async () => {
    const s = await setup();
    await s.policy.apply(await signedPolicy(s.key, { version: 4 }), 'centre');
    await s.state.writeAtomic(PAUSE_FILE, '{"paused": tr');
    await s.policy.load();
    expect([s.policy.policy?.body.version, s.policy.pausedByResident]).toEqual([4, true]);
  });
});
