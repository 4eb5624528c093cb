import { describe, expect, it } from 'vitest';
import { SessionTable, type SessionTicket } from '../../src/access/index.ts';
import type { AuditEntry } from '../../src/policy/index.ts';
import { epochMillis } from '../../src/policy/index.ts';
import { ManualTime } from '../fixtures/time.ts';
import { staffClaims } from '../fixtures/tokens.ts';

function setup() {
  const time = new ManualTime('2026-11-25T22:05:00Z');
  const audited: AuditEntry[] = [];
  const table = new SessionTable({ time, record: async (entry) => void audited.push(entry) });
  const counts: number[] = [];
  table.onChanged((n) => counts.push(n));
  const ticket = (id: string, inMs: number): SessionTicket => ({
    sessionId: id,
    staffId: 'nurse-7',
    tokenId: `tok-${id}`,
    scope: 'view',
    emergency: false,
    windowId: 'night',
    until: epochMillis(time.now() + inMs),
    startedAt: time.monotonic(),
  });
  const open = (id: string, inMs: number) => {
    const t = ticket(id, inMs);
    const live = table.reserve(t, staffClaims({ tokenId: t.tokenId }), 'window_end');
    table.cutAt(live, t.until, 'window_end');
    return live;
  };
  return { time, table, audited, counts, ticket, open };
}

describe('the session table', () => {
  it('cuts_a_session_at_its_grant_end_audited_with_its_monotonic_duration', async () => {
    const { time, table, audited, open } = setup();
    open('a', 60_000);
    time.stepWall(-3_600_000); // an NTP step must not change the audited duration
    await time.run(59_999);
    expect(table.has('a')).toBe(true);
    await time.run(1);
    expect(table.has('a')).toBe(false);
    expect(audited).toEqual([
      { type: 'session_end', actor: 'nurse-7', sessionId: 'a', code: 'window_end', durationMs: 60_000 },
    ]);
  });

  it('pulls_a_cut_forward_and_audits_it_with_the_new_code', async () => {
    const { time, table, audited, open } = setup();
    const live = open('a', 60_000);
    table.cutAt(live, epochMillis(time.now() + 10_000), 'policy_changed');
    await time.run(10_000);
    expect(audited.map((e) => e.code)).toEqual(['policy_changed']);
    expect(time.pending).toBe(0);
  });

  it('ends_a_session_once_announcing_the_end_and_the_new_count', async () => {
    const { table, audited, counts, open } = setup();
    const ended: string[] = [];
    table.onEnded((id, code) => ended.push(`${id}:${code}`));
    open('a', 60_000);
    open('b', 60_000);
    await table.end('a', 'closed_by_viewer');
    await table.end('a', 'closed_by_viewer');
    await table.endAll('paused');
    expect(ended).toEqual(['a:closed_by_viewer', 'b:paused']);
    expect(audited).toHaveLength(2);
    expect(counts).toEqual([1, 2, 1, 0]);
  });

  it('holds_a_reservation_for_the_gate_before_any_cut_is_armed_and_releases_it_silently', () => {
    const { table, counts, ticket } = setup();
    const t = ticket('a', 60_000);
    table.reserve(t, staffClaims({ tokenId: t.tokenId }), 'window_end');
    expect(table.gateView()).toEqual([{ sessionId: 'a', tokenId: 'tok-a' }]);
    expect(table.gateView('a')).toEqual([]);
    table.release('a');
    expect([table.size, counts]).toEqual([0, []]);
  });
});
