/**
 * A look's follow-up: why it ended, asked when the picture stops, and its one-tap outcome, appended
 * to the audit chain linked to the session. Only the token that opened the look may ask or answer,
 * for 15 minutes after the end; a look token that expired meanwhile is forgiven its expiry only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_MS } from '../../src/access/followUp.ts';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from './harness.ts';

// 23:05 in Stockholm (CET); the nightly window runs 23:00-23:30 local.
const START = '2026-11-25T22:05:00Z';
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
const RELAY = { remote: 'centre', transport: 'relay' } as const;

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ start: START });
  const policy = await h.policy({ version: 1, windows: [NIGHTLY], maxSessionSeconds: 120 });
  expect((await h.access.applyPolicy(policy, 'test')).ok).toBe(true);
});
afterEach(() => h.cleanup());

/** A cut is announced once its audit record is on disk (real I/O): wait for the announcement. */
function ended(sessionId: string): Promise<void> {
  return new Promise((resolve) => {
    const off = h.access.onSessionEnded((id) => {
      if (id !== sessionId) return;
      off();
      resolve();
    });
  });
}

async function look(ttlSeconds = 600) {
  const token = await h.token({ ttlSeconds });
  const admission = await h.access.admit(token, RELAY);
  if (!admission.ok) throw new Error(admission.code);
  return { token, sessionId: admission.session.sessionId };
}

describe('why a look ended', () => {
  it('answers_live_with_its_end_then_ended_with_the_cut_that_ended_it', async () => {
    const { token, sessionId } = await look();
    expect(await h.access.sessionStatus(token, sessionId)).toMatchObject({
      ok: true,
      status: { live: true, endCode: null, until: Date.parse(START) + 120_000 },
    });
    const cut = ended(sessionId);
    await h.time.run(121_000);
    await cut;
    expect(await h.access.sessionStatus(token, sessionId)).toMatchObject({
      ok: true,
      status: { live: false, endCode: 'max_session' },
    });
  });

  it('tells_the_resident_pause_as_the_reason', async () => {
    const { token, sessionId } = await look();
    await h.access.setPaused(true, 'resident');
    expect(await h.access.sessionStatus(token, sessionId)).toMatchObject({
      status: { live: false, endCode: 'paused' },
    });
  });

  it('refuses_any_other_token_as_if_there_were_no_such_session', async () => {
    const { sessionId } = await look();
    const other = await h.token({ staffId: 'nurse-8' });
    expect(await h.access.sessionStatus(other, sessionId)).toMatchObject({
      ok: false,
      code: 'unknown_session',
    });
    expect(await h.access.sessionStatus(undefined, sessionId)).toMatchObject({ ok: false, code: 'no_token' });
  });

  it('forgives_an_expired_look_token_its_expiry_for_fifteen_minutes_and_no_longer', async () => {
    const { token, sessionId } = await look(90);
    const cut = ended(sessionId);
    await h.time.run(91_000);
    await cut;
    expect(await h.access.sessionStatus(token, sessionId)).toMatchObject({
      ok: true,
      status: { live: false, endCode: 'token_expired' },
    });
    await h.time.run(FOLLOW_UP_MS);
    expect(await h.access.sessionStatus(token, sessionId)).toMatchObject({
      ok: false,
      code: 'token_expired',
    });
  });
});

describe('a look outcome', () => {
  it('is_appended_once_to_the_audit_chain_linked_to_the_session_with_the_staff_id', async () => {
    const { token, sessionId } = await look();
    await h.access.end(sessionId, 'closed_by_viewer');
    const recorded = await h.access.recordOutcome(token, sessionId, 'not_visible', RELAY);
    expect(recorded).toMatchObject({ ok: true });
    const records = await h.records();
    const outcome = records.at(-1)!;
    expect(outcome).toMatchObject({
      type: 'look_outcome',
      actor: 'nurse-7',
      code: 'not_visible',
      sessionId,
      detail: { scope: 'view', windowId: 'night', transport: 'relay' },
    });
    expect(records.filter((r) => r.sessionId === sessionId).map((r) => r.type)).toEqual([
      'grant',
      'session_end',
      'look_outcome',
    ]);
    expect(await h.access.recordOutcome(token, sessionId, 'asleep_calm', RELAY)).toMatchObject({
      ok: false,
      code: 'outcome_recorded',
    });
  });

  it('taken_while_live_is_still_once_after_the_end', async () => {
    const { token, sessionId } = await look();
    expect((await h.access.recordOutcome(token, sessionId, 'asleep_calm', RELAY)).ok).toBe(true);
    await h.access.end(sessionId, 'closed_by_viewer');
    expect(await h.access.recordOutcome(token, sessionId, 'asleep_calm', RELAY)).toMatchObject({
      code: 'outcome_recorded',
    });
  });

  it('refuses_an_unknown_answer_another_token_and_a_late_one_without_writing', async () => {
    const { token, sessionId } = await look();
    await h.access.end(sessionId, 'closed_by_viewer');
    const before = (await h.records()).length;
    expect(await h.access.recordOutcome(token, sessionId, 'fine', RELAY)).toMatchObject({
      code: 'bad_outcome',
    });
    const other = await h.token({ staffId: 'nurse-8' });
    expect(await h.access.recordOutcome(other, sessionId, 'asleep_calm', RELAY)).toMatchObject({
      code: 'unknown_session',
    });
    await h.time.run(FOLLOW_UP_MS + 1000);
    expect(await h.access.recordOutcome(token, sessionId, 'asleep_calm', RELAY)).toMatchObject({
      ok: false,
    });
    expect((await h.records()).length).toBe(before);
  });

  it('is_refused_when_it_cannot_be_audited', async () => {
    const { token, sessionId } = await look();
    await h.access.end(sessionId, 'closed_by_viewer');
    h.store.failing.add('append');
    expect(await h.access.recordOutcome(token, sessionId, 'asleep_calm', RELAY)).toMatchObject({
      ok: false,
      code: 'audit_unavailable',
    });
  });
});
