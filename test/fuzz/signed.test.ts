/**
 * Fuzzing signed policies and signed commands (issue 13, item 15): garbage, any header, and bodies
 * near the valid ones truly signed by the pinned key. Each is either accepted as what the device may
 * act on or refused with its stable code; a refused policy leaves the policy in force and its file
 * as they were; an accepted one builds a schedule the device can search within the hang limit.
 */
import { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FILE } from '../../src/access/index.ts';
import { COMMAND_JWS_TYPE, COMMAND_REJECT_CODES, verifyCommand } from '../../src/health/commands.ts';
import {
  epochMillis,
  POLICY_JWS_TYPE,
  POLICY_REJECT_CODES,
  verifyPolicy,
  WEEKDAYS,
} from '../../src/policy/index.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { anyText, expectStableCode, runs, timed } from './budget.ts';
import { type KeyPair, keyPair, mostly, notJws, type SignedCase, signedCases, signRaw } from './signing.ts';

const DEVICE = 'dev-test-1';
const NOW = epochMillis(Date.parse('2026-11-24T13:00:00Z'));
const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${pad(h)}:${pad(m)}`);
const day = fc
  .integer({ min: 0, max: 730 })
  .map((d) => new Date(NOW + (d - 365) * 86_400_000).toISOString().slice(0, 10));
const id = mostly(fc.constantFrom('night-1', 'w.2', 'after_surgery'), anyText(8));
const duration = mostly(fc.integer({ min: 1, max: 240 }), fc.constantFrom(0, -5, 1.5, 1441, 100_000));

/** Policy bodies near the valid ones: windows, one-offs, pauses and limits of every kind. */
const policyBodies = (version: fc.Arbitrary<unknown>) =>
  fc.record(
    {
      deviceId: mostly(fc.constant(DEVICE), fc.constantFrom('dev-other-2', '', 42)),
      version,
      issuedAt: mostly(fc.constant(new Date(NOW).toISOString()), anyText(30)),
      timeZone: mostly(
        fc.constantFrom('Europe/Stockholm', 'UTC', 'America/St_Johns', 'Australia/Lord_Howe'),
        anyText(20),
      ),
      windows: fc.array(
        fc.record({
          id,
          start: mostly(hhmm, anyText(6)),
          durationMinutes: duration,
          days: mostly(fc.subarray([...WEEKDAYS], { minLength: 1 }), fc.array(anyText(4))),
        }),
        { maxLength: 6 },
      ),
      oneOff: fc.array(
        fc.record({
          id,
          date: mostly(day, anyText(10)),
          start: mostly(hhmm, anyText(6)),
          durationMinutes: duration,
        }),
        { maxLength: 4 },
      ),
      pauses: fc.array(
        fc.record(
          {
            from: day,
            to: day,
            reason: mostly(fc.constantFrom('travel', 'hospital', 'visitors', 'other'), anyText(8)),
          },
          { requiredKeys: ['from', 'to'] },
        ),
        { maxLength: 12 },
      ),
      maxViewers: mostly(fc.integer({ min: 1, max: 8 }), fc.integer()),
      maxSessionSeconds: mostly(fc.integer({ min: 10, max: 3600 }), fc.integer()),
      emergencyAllowed: mostly(fc.boolean(), anyText(4)),
      revokedTokenIds: fc.array(mostly(fc.uuid(), anyText(200)), { maxLength: 5 }),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['deviceId', 'version', 'issuedAt'] },
  );

const commandBodies = fc.record(
  {
    deviceId: mostly(fc.constant(DEVICE), fc.constantFrom('dev-other-2', '')),
    name: mostly(fc.constant('ping'), fc.constantFrom('selftest', 'PING', ''), anyText(40)),
    id: mostly(fc.stringMatching(/^[A-Za-z0-9_.-]{8,64}$/), anyText(70)),
    issuedAt: mostly(
      fc.integer({ min: -600_000, max: 120_000 }).map((d) => new Date(NOW + d).toISOString()),
      anyText(30),
    ),
    expiry: mostly(
      fc.integer({ min: -60_000, max: 900_000 }).map((d) => new Date(NOW + d).toISOString()),
      anyText(30),
    ),
    args: fc.dictionary(
      fc.string({ maxLength: 10 }),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.jsonValue()),
    ),
  },
  { requiredKeys: ['deviceId', 'name', 'id', 'issuedAt', 'expiry'] },
);

let pinned: KeyPair;
let stranger: KeyPair;
beforeAll(async () => {
  pinned = await keyPair();
  stranger = await keyPair();
});

const jws = (c: SignedCase | string) =>
  typeof c === 'string' ? c : signRaw(c.header, c.payload, (c.pinned ? pinned : stranger).privateKey);
const documents = (typ: string, body: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 1, arbitrary: notJws }, { weight: 5, arbitrary: signedCases(typ, body) });

describe('signed policies under fuzzing', () => {
  it('are_accepted_as_a_searchable_policy_for_this_device_or_refused_with_a_policy_code', async () => {
    let accepted = 0;
    const bodies = policyBodies(
      mostly(fc.integer({ min: 6, max: 1000 }), fc.constantFrom(5, 0, -1, 1.5, '7')),
    );
    await fc.assert(
      fc.asyncProperty(documents(POLICY_JWS_TYPE, bodies), async (c) => {
        const trust = { publicKey: pinned.publicKey, deviceId: DEVICE, currentVersion: 5 };
        const verdict = await timed(() => verifyPolicy(jws(c), trust));
        if (!verdict.ok) return expectStableCode(verdict.code, POLICY_REJECT_CODES);
        accepted += 1;
        expect(verdict.policy.body.deviceId).toBe(DEVICE);
        expect(verdict.policy.body.version).toBeGreaterThan(5);
        await timed(() => {
          verdict.policy.schedule.openWindowAt(NOW);
          verdict.policy.schedule.nextWindows(NOW, 3);
        });
      }),
      runs('policy'),
    );
    expect(accepted, 'no case reached the checks behind the signature').toBeGreaterThan(0);
  });
});

describe('signed policies applied by access control under fuzzing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
    // The harness pins its own policy key: sign with it, valid or not.
    const applied = await h.access.applyPolicy(await h.policy({ version: 5 }), 'centre');
    expect(applied.ok).toBe(true);
  });
  afterAll(async () => {
    await h.access.stop();
    await h.cleanup();
  });

  it('leave_the_policy_in_force_and_its_file_as_they_were_when_refused', async () => {
    const key = KeyObject.from(h.policyPrivateKey);
    // Versions not above the one in force: whatever else they hold, each must be refused.
    const bodies = policyBodies(fc.constantFrom(5, 4, 0, 1.5, '9'));
    await fc.assert(
      fc.asyncProperty(documents(POLICY_JWS_TYPE, bodies), async (c) => {
        const before = { version: h.access.policy?.body.version, file: await h.store.read(POLICY_FILE) };
        const text =
          typeof c === 'string' ? c : signRaw(c.header, c.payload, c.pinned ? key : stranger.privateKey);
        const verdict = await timed(() => h.access.applyPolicy(text, 'centre'), 1000);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok) expectStableCode(verdict.code, POLICY_REJECT_CODES);
        expect({ version: h.access.policy?.body.version, file: await h.store.read(POLICY_FILE) }).toEqual(
          before,
        );
      }),
      runs('policyApplied'),
    );
  });
});

describe('signed commands under fuzzing', () => {
  it('are_accepted_for_this_device_and_topic_while_fresh_or_refused_with_a_command_code', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(documents(COMMAND_JWS_TYPE, commandBodies), async (c) => {
        const verdict = await timed(() =>
          verifyCommand(jws(c), 'ping', { publicKey: pinned.publicKey, deviceId: DEVICE, now: NOW }),
        );
        if (!verdict.ok) return expectStableCode(verdict.code, COMMAND_REJECT_CODES);
        accepted += 1;
        expect([verdict.command.deviceId, verdict.command.name]).toEqual([DEVICE, 'ping']);
        expect(Date.parse(verdict.command.expiry)).toBeGreaterThan(NOW);
        expect(Date.parse(verdict.command.issuedAt)).toBeLessThanOrEqual(NOW + 60_000);
      }),
      runs('command'),
    );
    expect(accepted, 'no case reached the checks behind the signature').toBeGreaterThan(0);
  });
});
