import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from './harness.ts';

// 23:05 in Stockholm (CET) on a Wednesday; the nightly window runs 23:00-23:30 local.
const START = '2026-11-25T22:05:00Z';
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
const REMOTE = { remote: '127.0.0.1', transport: 'http' } as const;

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ start: START });
  const verdict = await h.access.applyPolicy(
    await h.policy({ version: 1, windows: [NIGHTLY], maxSessionSeconds: 3600 }),
    'test',
  );
  expect(verdict.ok).toBe(true);
});
afterEach(() => h.cleanup());

describe('admission', () => {
  it('grants_inside_a_window_and_audits_the_grant_before_answering', async () => {
    const admission = await h.access.admit(await h.token(), REMOTE);
    expect(admission.ok).toBe(true);
    if (!admission.ok) return;
    expect(admission.session.until).toBe(Date.parse('2026-11-25T22:30:00Z'));
    const grant = (await h.records()).find((r) => r.type === 'grant');
    expect(grant).toMatchObject({ actor: 'nurse-7', sessionId: admission.session.sessionId });
    expect(grant?.detail).toMatchObject({ scope: 'view', windowId: 'night', remote: '127.0.0.1' });
  });

  it('denies_outside_the_window_with_403_and_audits_the_denial', async () => {
    h.time.advance(30 * 60_000);
    const admission = await h.access.admit(await h.token(), REMOTE);
    expect(admission).toMatchObject({ ok: false, code: 'outside_window', status: 403 });
    expect((await h.records()).at(-1)).toMatchObject({
      type: 'deny',
      code: 'outside_window',
      actor: 'nurse-7',
    });
  });

  it('answers_401_for_a_missing_or_forged_token_and_audits_it', async () => {
    expect(await h.access.admit(undefined, REMOTE)).toMatchObject({
      ok: false,
      code: 'no_token',
      status: 401,
    });
    const forged = `${(await h.token()).slice(0, -4)}AAAA`;
    expect(await h.access.admit(forged, REMOTE)).toMatchObject({ ok: false, code: 'bad_token', status: 401 });
    const denials = (await h.records()).filter((r) => r.type === 'deny').map((r) => r.code);
    expect(denials).toEqual(['no_token', 'bad_token']);
  });

  it('denies_when_the_clock_is_not_synced', async () => {
    h.setSynced(false);
    expect(await h.access.admit(await h.token(), REMOTE)).toMatchObject({
      code: 'clock_unsynced',
      status: 403,
    });
  });

  it('lets_one_token_hold_one_session_even_when_two_requests_race', async () => {
    const token = await h.token();
    const results = await Promise.all([h.access.admit(token, REMOTE), h.access.admit(token, REMOTE)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: 'token_in_use' });
    expect(h.access.sessions()).toHaveLength(1);
  });

  it('refuses_a_second_viewer_over_max_viewers', async () => {
    expect((await h.access.admit(await h.token(), REMOTE)).ok).toBe(true);
    expect(await h.access.admit(await h.token({ staffId: 'nurse-8' }), REMOTE)).toMatchObject({
      code: 'too_many_viewers',
    });
  });

  it('refuses_with_503_and_opens_nothing_when_the_audit_log_cannot_be_written', async () => {
    h.store.failing.add('append');
    expect(await h.access.admit(await h.token(), REMOTE)).toMatchObject({
      code: 'audit_unavailable',
      status: 503,
    });
    expect(h.access.sessions()).toHaveLength(0);
  });
});

describe('an audit log that can be written again (issue 9, item 7)', () => {
  it('records_the_service_start_and_re_probes_a_log_that_could_not_take_it', async () => {
    await h.access.recordServiceStart();
    expect((await h.records()).at(-1)).toMatchObject({ type: 'service_start', detail: { policyVersion: 1 } });
    h.store.failing.add('append');
    await h.access.recordServiceStart(); // a read-only disk at start: nothing has asked yet
    expect(h.time.scheduled()).toContainEqual({ name: 'audit-probe', inMs: 15_000 });
    h.store.failing.delete('append');
    await h.time.run(15_000);
    await expect.poll(async () => (await h.records()).at(-1)?.type).toBe('audit_restored');
  });

  it('admits_the_first_request_after_the_log_becomes_writable_again', async () => {
    h.store.failing.add('append');
    expect(await h.access.admit(await h.token(), REMOTE)).toMatchObject({ code: 'audit_unavailable' });
    expect(h.audit.writable).toBe(false);
    h.store.failing.delete('append');
    const admission = await h.access.admit(await h.token(), REMOTE);
    expect(admission.ok).toBe(true);
    const records = await h.records();
    expect(records.slice(-2)).toMatchObject([
      { type: 'audit_restored', actor: 'device', detail: { since: new Date(h.time.wall).toISOString() } },
      { type: 'grant', actor: 'nurse-7' },
    ]);
  });

  it('re_probes_an_unwritable_log_on_a_timer_and_announces_it_back_without_any_request', async () => {
    let changes = 0;
    h.access.onChange(() => changes++);
    h.store.failing.add('append');
    await h.access.admit(await h.token(), REMOTE);
    expect(h.time.scheduled()).toContainEqual({ name: 'audit-probe', inMs: 15_000 });
    await h.time.run(15_000);
    // The probe reads the real disk: wait for it to fail and arm the next one.
    expect(await h.time.next('audit-probe')).toEqual({ name: 'audit-probe', inMs: 15_000 });
    expect(h.audit.writable).toBe(false);
    h.store.failing.delete('append');
    await h.time.run(15_000);
    await expect.poll(() => changes).toBe(1);
    expect(h.audit.writable).toBe(true);
    expect((await h.records()).at(-1)).toMatchObject({ type: 'audit_restored' });
    expect(h.time.scheduled().map((t) => t.name)).not.toContain('audit-probe');
  });
});

describe('session end', () => {
  it('cuts_the_session_at_the_window_end_and_audits_its_duration', async () => {
    const admission = await h.access.admit(await h.token(), REMOTE);
    if (!admission.ok) throw new Error('expected a grant');
    const ended: string[] = [];
    h.access.onSessionEnded((id, code) => ended.push(`${id}:${code}`));
    h.time.advance(25 * 60_000 - 1);
    expect(ended).toEqual([]);
    h.time.advance(1);
    await expect.poll(() => ended).toEqual([`${admission.session.sessionId}:window_end`]);
    await expect
      .poll(async () => (await h.records()).at(-1))
      .toMatchObject({ type: 'session_end', code: 'window_end', durationMs: 25 * 60_000 });
    expect(h.time.pending).toBe(0);
  });

  it('cuts_at_max_session_length_when_that_comes_first', async () => {
    await h.access.applyPolicy(
      await h.policy({ version: 2, windows: [NIGHTLY], maxSessionSeconds: 60 }),
      'test',
    );
    const admission = await h.access.admit(await h.token(), REMOTE);
    expect(admission.ok && admission.session.until).toBe(h.time.wall + 60_000);
    h.time.advance(60_000);
    await expect.poll(async () => (await h.records()).at(-1)).toMatchObject({ code: 'max_session' });
  });

  it('cuts_at_token_expiry_when_that_comes_first', async () => {
    await h.access.admit(await h.token({ ttlSeconds: 90 }), REMOTE);
    h.time.advance(90_000);
    await expect.poll(async () => (await h.records()).at(-1)).toMatchObject({ code: 'token_expired' });
  });

  it('ends_once_when_asked_twice', async () => {
    const admission = await h.access.admit(await h.token(), REMOTE);
    if (!admission.ok) throw new Error('expected a grant');
    await h.access.end(admission.session.sessionId, 'closed_by_viewer');
    await h.access.end(admission.session.sessionId, 'closed_by_viewer');
    expect((await h.records()).filter((r) => r.type === 'session_end')).toHaveLength(1);
    expect(h.access.sessions()).toHaveLength(0);
  });

  it('lets_only_the_token_that_opened_a_session_act_on_it', async () => {
    const token = await h.token();
    const admission = await h.access.admit(token, REMOTE);
    if (!admission.ok) throw new Error('expected a grant');
    const id = admission.session.sessionId;
    expect((await h.access.authenticateFor(token, id, REMOTE)).ok).toBe(true);
    expect(await h.access.authenticateFor(await h.token(), id, REMOTE)).toMatchObject({
      code: 'unknown_session',
      status: 404,
    });
    expect(await h.access.authenticateFor(token, 'nope', REMOTE)).toMatchObject({ code: 'unknown_session' });
    expect(await h.access.authenticateFor(undefined, id, REMOTE)).toMatchObject({
      code: 'no_token',
      status: 401,
    });
    const denials = (await h.records()).filter((r) => r.type === 'deny').map((r) => r.code);
    expect(denials).toEqual(['unknown_session', 'unknown_session', 'no_token']);
  });
});

describe('policy and pause', () => {
  it('keeps_the_current_policy_when_an_older_version_arrives', async () => {
    const verdict = await h.access.applyPolicy(await h.policy({ version: 1, windows: [] }), 'centre');
    expect(verdict).toMatchObject({ ok: false, code: 'policy_rollback' });
    expect(h.access.windowState().policyVersion).toBe(1);
    expect((await h.records()).at(-1)).toMatchObject({ type: 'policy_rejected', code: 'policy_rollback' });
  });

  it('cuts_a_live_session_when_a_new_policy_closes_its_window', async () => {
    await h.access.admit(await h.token(), REMOTE);
    await h.access.applyPolicy(await h.policy({ version: 2, windows: [] }), 'centre');
    expect(h.access.sessions()).toHaveLength(0);
    expect((await h.records()).find((r) => r.type === 'session_end')).toMatchObject({
      code: 'policy_changed',
    });
  });

  it('cuts_a_live_session_whose_token_the_new_policy_revokes', async () => {
    await h.access.admit(await h.token({ tokenId: 'stolen-1' }), REMOTE);
    await h.access.applyPolicy(
      await h.policy({
        version: 2,
        windows: [NIGHTLY],
        maxSessionSeconds: 3600,
        revokedTokenIds: ['stolen-1'],
      }),
      'centre',
    );
    expect((await h.records()).find((r) => r.type === 'session_end')).toMatchObject({ code: 'revoked' });
  });

  it('pulls_a_session_end_forward_when_a_new_policy_shortens_the_window', async () => {
    await h.access.admit(await h.token(), REMOTE);
    await h.access.applyPolicy(
      await h.policy({ version: 2, windows: [{ ...NIGHTLY, durationMinutes: 10 }], maxSessionSeconds: 3600 }),
      'centre',
    );
    expect(h.access.sessions()[0]?.until).toBe(Date.parse('2026-11-25T22:10:00Z'));
    h.time.advance(5 * 60_000);
    await expect.poll(() => h.access.sessions().length).toBe(0);
  });

  it('pause_cuts_live_sessions_denies_new_ones_and_survives_a_restart', async () => {
    await h.access.admit(await h.token(), REMOTE);
    await h.access.setPaused(true, 'resident');
    expect(h.access.sessions()).toHaveLength(0);
    const restarted = h.build();
    await restarted.start();
    expect(await restarted.admit(await h.token(), REMOTE)).toMatchObject({ code: 'paused' });
    await restarted.setPaused(false, 'resident');
    expect((await restarted.admit(await h.token(), REMOTE)).ok).toBe(true);
    const types = (await h.records()).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['pause', 'resume']));
  });

  it('keeps_the_policy_in_force_when_a_new_one_cannot_be_audited', async () => {
    h.store.failing.add('append');
    const verdict = await h.access.applyPolicy(await h.policy({ version: 2, windows: [] }), 'centre');
    h.store.failing.delete('append');
    expect(verdict).toMatchObject({ ok: false, code: 'audit_unavailable' });
    expect(h.access.windowState().policyVersion).toBe(1);
    expect((await h.store.read('policy.jws'))?.length).toBeGreaterThan(0);
  });

  it('pauses_even_when_the_audit_log_fails_but_resumes_only_once_audited', async () => {
    h.store.failing.add('append');
    await h.access.setPaused(true, 'resident');
    expect(h.access.windowState().paused).toBe(true);
    await expect(h.access.setPaused(false, 'resident')).rejects.toThrow(/audit/);
    expect(h.access.windowState().paused).toBe(true);
    h.store.failing.delete('append');
    await h.access.setPaused(false, 'resident');
    expect(h.access.windowState().paused).toBe(false);
  });

  it('treats_an_unreadable_pause_flag_as_paused', async () => {
    await h.store.writeAtomic('pause.json', '{"paused": tru');
    const restarted = h.build();
    await restarted.start();
    expect(restarted.windowState().paused).toBe(true);
    expect(await restarted.admit(await h.token(), REMOTE)).toMatchObject({ code: 'paused' });
  });

  it('drops_a_stored_policy_that_no_longer_verifies_and_fails_closed', async () => {
    const jws = (await h.store.read('policy.jws'))!;
    await h.store.writeAtomic('policy.jws', `${jws.slice(0, -6)}AAAAAA`);
    const restarted = h.build();
    await restarted.start();
    expect(await restarted.admit(await h.token(), REMOTE)).toMatchObject({ code: 'no_policy' });
  });

  it('wants_the_camera_only_near_or_in_a_window_or_while_a_session_lives', async () => {
    expect(h.access.cameraWanted(60_000)).toBe(true);
    h.time.advance(30 * 60_000);
    expect(h.access.cameraWanted(60_000)).toBe(false);
    h.time.advance(24 * 3600_000 - 31 * 60_000);
    expect(h.access.cameraWanted(2 * 60_000)).toBe(true);
    h.setSynced(false);
    expect(h.access.cameraWanted(2 * 60_000)).toBe(false);
  });

  it('opens_an_install_preview_only_while_the_installer_window_is_open', async () => {
    h.time.advance(60 * 60_000);
    expect(await h.access.admit(await h.token({ scope: 'install' }), REMOTE)).toMatchObject({
      code: 'wrong_scope',
    });
    h.access.setInstallPreview((h.time.wall + 10 * 60_000) as never);
    const admission = await h.access.admit(await h.token({ scope: 'install' }), REMOTE);
    expect(admission.ok && admission.session.until).toBe(h.time.wall + 10 * 60_000);
    expect((await h.records()).at(-1)).toMatchObject({ type: 'install_preview' });
  });
});
