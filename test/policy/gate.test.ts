import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  type Decision,
  type EpochMillis,
  epochMillis,
  type GateState,
  type StaffClaims,
} from '../../src/policy/index.ts';
import { activePolicy } from '../fixtures/policies.ts';
import { staffClaims } from '../fixtures/tokens.ts';

const at = (iso: string) => epochMillis(Date.parse(iso));
/** 23:00 in Stockholm: inside the fixture's 22:00–06:00 window (21:00Z–05:00Z). */
const IN_WINDOW = at('2026-01-15T22:00:00Z');
/** 12:00 in Stockholm: outside every window. */
const OUTSIDE = at('2026-01-15T11:00:00Z');
const WINDOW_END = at('2026-01-16T05:00:00Z');

function openState(overrides: Partial<GateState> = {}): GateState {
  return {
    clockSynced: true,
    policy: activePolicy(),
    pausedByResident: false,
    auditWritable: true,
    liveSessions: [],
    ...overrides,
  };
}
const claimsAt = (now: EpochMillis, overrides: Partial<StaffClaims> = {}) =>
  staffClaims({ issuedAt: now, expiresAt: epochMillis(now + 3600_000), ...overrides });
const codeOf = (d: Decision) => (d.kind === 'grant' ? 'grant' : d.code);

describe('authorize grants', () => {
  it('a view token inside a window, naming the window', () => {
    expect(authorize(claimsAt(IN_WINDOW), IN_WINDOW, openState())).toEqual({
      kind: 'grant',
      until: IN_WINDOW + 300_000,
      scope: 'view',
      windowId: 'night',
      emergency: false,
    });
  });

  it('until the window end when that comes first', () => {
    const now = epochMillis(WINDOW_END - 120_000);
    const d = authorize(claimsAt(now), now, openState());
    expect(d).toMatchObject({ kind: 'grant', until: WINDOW_END });
  });

  it('until the token expiry when that comes first', () => {
    const claims = claimsAt(IN_WINDOW, { expiresAt: epochMillis(IN_WINDOW + 60_000) });
    expect(authorize(claims, IN_WINDOW, openState())).toMatchObject({
      kind: 'grant',
      until: IN_WINDOW + 60_000,
    });
  });

  it('until now + maxSessionSeconds when that comes first', () => {
    const state = openState({ policy: activePolicy({ maxSessionSeconds: 45 }) });
    expect(authorize(claimsAt(IN_WINDOW), IN_WINDOW, state)).toMatchObject({
      kind: 'grant',
      until: IN_WINDOW + 45_000,
    });
  });

  it('until the minimum of the three, whichever it is', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 * 3600_000 - 1 }),
        fc.integer({ min: 1, max: 12 * 3600_000 }),
        fc.integer({ min: 10, max: 3600 }),
        (intoWindow, tokenLeft, maxSessionSeconds) => {
          const now = epochMillis(at('2026-01-15T21:00:00Z') + intoWindow);
          const claims = claimsAt(now, { expiresAt: epochMillis(now + tokenLeft) });
          const d = authorize(claims, now, openState({ policy: activePolicy({ maxSessionSeconds }) }));
          const want = Math.min(WINDOW_END, now + tokenLeft, now + maxSessionSeconds * 1000);
          expect(d).toMatchObject({ kind: 'grant', until: want });
          expect(want).toBeGreaterThan(now);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a second viewer when the policy allows two', () => {
    const state = openState({
      policy: activePolicy({ maxViewers: 2 }),
      liveSessions: [{ sessionId: 's1', tokenId: 'someone-else' }],
    });
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, state))).toBe('grant');
  });
});

describe('authorize on the DST nights (Europe/Stockholm)', () => {
  const policy = activePolicy({
    windows: [{ id: 'check', start: '02:30', durationMinutes: 20, days: ['sun'] }],
    maxSessionSeconds: 3600,
  });

  it('opens a 02:30 check at 03:00 CEST on the spring night (2026-03-29 01:00Z), never earlier', () => {
    const before = at('2026-03-29T00:59:59Z');
    const start = at('2026-03-29T01:00:00Z');
    expect(codeOf(authorize(claimsAt(before), before, openState({ policy })))).toBe('outside_window');
    expect(authorize(claimsAt(start), start, openState({ policy }))).toMatchObject({
      kind: 'grant',
      until: at('2026-03-29T01:20:00Z'),
    });
  });

  it('opens a 02:30 check once on the autumn night, in the first 02:30 (00:30Z), not the second', () => {
    const first = at('2026-10-25T00:35:00Z');
    const second = at('2026-10-25T01:35:00Z');
    expect(authorize(claimsAt(first), first, openState({ policy }))).toMatchObject({
      kind: 'grant',
      until: at('2026-10-25T00:50:00Z'),
    });
    expect(codeOf(authorize(claimsAt(second), second, openState({ policy })))).toBe('outside_window');
  });
});

describe('authorize and emergency looks', () => {
  const emergency = (now: EpochMillis) => claimsAt(now, { scope: 'emergency', reason: 'fall alarm' });

  it('refuses an emergency look outside a window where the policy does not allow it: emergency_not_allowed', () => {
    expect(codeOf(authorize(emergency(OUTSIDE), OUTSIDE, openState()))).toBe('emergency_not_allowed');
  });

  it('grants and flags an emergency look outside a window where the policy allows it, capped by the session', () => {
    const state = openState({ policy: activePolicy({ emergencyAllowed: true }) });
    expect(authorize(emergency(OUTSIDE), OUTSIDE, state)).toEqual({
      kind: 'grant',
      until: OUTSIDE + 300_000,
      scope: 'emergency',
      windowId: undefined,
      emergency: true,
    });
  });

  it('grants an emergency token inside a window as a look in that window, still flagged', () => {
    const d = authorize(emergency(IN_WINDOW), IN_WINDOW, openState());
    expect(d).toMatchObject({
      kind: 'grant',
      windowId: 'night',
      emergency: true,
      until: IN_WINDOW + 300_000,
    });
  });

  it('still refuses an emergency look while paused, revoked or for a token already in use', () => {
    const allowed = activePolicy({ emergencyAllowed: true });
    const claims = emergency(OUTSIDE);
    expect(codeOf(authorize(claims, OUTSIDE, openState({ policy: allowed, pausedByResident: true })))).toBe(
      'paused',
    );
    const revoking = activePolicy({ emergencyAllowed: true, revokedTokenIds: [claims.tokenId] });
    expect(codeOf(authorize(claims, OUTSIDE, openState({ policy: revoking })))).toBe('revoked');
    const inUse = openState({ policy: allowed, liveSessions: [{ sessionId: 's', tokenId: claims.tokenId }] });
    expect(codeOf(authorize(claims, OUTSIDE, inUse))).toBe('token_in_use');
  });
});

describe('authorize and the install preview', () => {
  const install = (now: EpochMillis) => claimsAt(now, { scope: 'install' });

  it('refuses an install token when no preview is open: wrong_scope', () => {
    expect(codeOf(authorize(install(OUTSIDE), OUTSIDE, openState()))).toBe('wrong_scope');
    const ended = openState({ installPreviewUntil: OUTSIDE });
    expect(codeOf(authorize(install(OUTSIDE), OUTSIDE, ended))).toBe('wrong_scope');
  });

  it('grants an install token during the preview, outside any window, until the preview ends', () => {
    const state = openState({ installPreviewUntil: epochMillis(OUTSIDE + 120_000) });
    expect(authorize(install(OUTSIDE), OUTSIDE, state)).toEqual({
      kind: 'grant',
      until: OUTSIDE + 120_000,
      scope: 'install',
      windowId: undefined,
      emergency: false,
    });
  });

  it('lets an installer aim before any policy has arrived, one viewer at a time, but nobody else', () => {
    const state = openState({ policy: undefined, installPreviewUntil: epochMillis(OUTSIDE + 120_000) });
    expect(authorize(install(OUTSIDE), OUTSIDE, state)).toMatchObject({
      kind: 'grant',
      until: OUTSIDE + 120_000,
    });
    expect(codeOf(authorize(claimsAt(OUTSIDE), OUTSIDE, state))).toBe('no_policy');
    const busy = { ...state, liveSessions: [{ sessionId: 's', tokenId: 'other' }] };
    expect(codeOf(authorize(install(OUTSIDE), OUTSIDE, busy))).toBe('too_many_viewers');
    expect(codeOf(authorize(install(OUTSIDE), OUTSIDE, { ...state, installPreviewUntil: undefined }))).toBe(
      'wrong_scope',
    );
  });

  it('never lets a view token use the install preview', () => {
    const state = openState({ installPreviewUntil: epochMillis(OUTSIDE + 120_000) });
    expect(codeOf(authorize(claimsAt(OUTSIDE), OUTSIDE, state))).toBe('outside_window');
  });
});

describe('authorize denies', () => {
  it('each reason in a fixed order of precedence, the device state first', () => {
    const claims = claimsAt(IN_WINDOW, { expiresAt: IN_WINDOW });
    const order: [string, Partial<GateState>, Partial<StaffClaims>][] = [
      ['clock_unsynced', { clockSynced: true }, {}],
      ['no_policy', { policy: activePolicy({ revokedTokenIds: [claims.tokenId], windows: [] }) }, {}],
      ['audit_unavailable', { auditWritable: true }, {}],
      ['token_expired', {}, { expiresAt: epochMillis(IN_WINDOW + 3600_000) }],
      ['revoked', { policy: activePolicy({ windows: [] }) }, {}],
      ['paused', { pausedByResident: false }, {}],
      ['token_in_use', { liveSessions: [{ sessionId: 's1', tokenId: 'other' }] }, {}],
      ['outside_window', { policy: activePolicy() }, {}],
      ['too_many_viewers', { liveSessions: [] }, {}],
    ];
    let state: GateState = {
      clockSynced: false,
      policy: undefined,
      pausedByResident: true,
      auditWritable: false,
      liveSessions: [{ sessionId: 's0', tokenId: claims.tokenId }],
    };
    let current = claims;
    const seen: string[] = [];
    for (const [, fixState, fixClaims] of order) {
      seen.push(codeOf(authorize(current, IN_WINDOW, state)));
      state = { ...state, ...fixState };
      current = { ...current, ...fixClaims };
    }
    seen.push(codeOf(authorize(current, IN_WINDOW, state)));
    expect(seen).toEqual([...order.map(([code]) => code), 'grant']);
  });

  it('clock_unsynced even with a perfect token inside a window', () => {
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, openState({ clockSynced: false })))).toBe(
      'clock_unsynced',
    );
  });

  it('no_policy when none is in force', () => {
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, openState({ policy: undefined })))).toBe(
      'no_policy',
    );
  });

  it('audit_unavailable after an audit write failed', () => {
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, openState({ auditWritable: false })))).toBe(
      'audit_unavailable',
    );
  });

  it('token_expired from the expiry instant on (a token inside the 60 s tolerance gets no session)', () => {
    const claims = claimsAt(IN_WINDOW, { expiresAt: IN_WINDOW });
    expect(codeOf(authorize(claims, IN_WINDOW, openState()))).toBe('token_expired');
    const justBefore = epochMillis(IN_WINDOW - 1);
    expect(authorize(claims, justBefore, openState())).toMatchObject({ kind: 'grant', until: IN_WINDOW });
  });

  it('paused by the resident, and inside a dated pause of the policy', () => {
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, openState({ pausedByResident: true })))).toBe(
      'paused',
    );
    const dated = openState({ policy: activePolicy({ pauses: [{ from: '2026-01-15', to: '2026-01-16' }] }) });
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, dated))).toBe('paused');
  });

  it('token_in_use when the same token already holds a live session, even with room for more viewers', () => {
    const claims = claimsAt(IN_WINDOW);
    const state = openState({
      policy: activePolicy({ maxViewers: 4 }),
      liveSessions: [{ sessionId: 's1', tokenId: claims.tokenId }],
    });
    expect(codeOf(authorize(claims, IN_WINDOW, state))).toBe('token_in_use');
  });

  it('outside_window for a view token between windows', () => {
    expect(codeOf(authorize(claimsAt(OUTSIDE), OUTSIDE, openState()))).toBe('outside_window');
    expect(codeOf(authorize(claimsAt(WINDOW_END), WINDOW_END, openState()))).toBe('outside_window');
  });

  it('too_many_viewers when the policy limit is reached', () => {
    const state = openState({ liveSessions: [{ sessionId: 's1', tokenId: 'someone-else' }] });
    expect(codeOf(authorize(claimsAt(IN_WINDOW), IN_WINDOW, state))).toBe('too_many_viewers');
    const install = claimsAt(OUTSIDE, { scope: 'install' });
    const preview = openState({
      installPreviewUntil: epochMillis(OUTSIDE + 60_000),
      liveSessions: [{ sessionId: 's1', tokenId: 'someone-else' }],
    });
    expect(codeOf(authorize(install, OUTSIDE, preview))).toBe('too_many_viewers');
  });
});
