import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatIssues,
  POLICY_JWS_TYPE,
  type PolicyTrust,
  type PolicyVerdict,
  policyBodySchema,
  signPolicy,
  verifyPolicy,
} from '../../src/policy/index.ts';
import { ed25519KeyPair, type TestKeyPair } from '../fixtures/keys.ts';
import { policyInput, signedPolicy } from '../fixtures/policies.ts';
import { b64url, ed25519Signer, mintToken, rawJws, TEST_DEVICE } from '../fixtures/tokens.ts';

let policyKey: TestKeyPair;
let otherKey: TestKeyPair;
beforeAll(async () => {
  [policyKey, otherKey] = await Promise.all([ed25519KeyPair(), ed25519KeyPair()]);
});

const trust = (currentVersion?: number): PolicyTrust => ({
  publicKey: policyKey.publicKey,
  deviceId: TEST_DEVICE,
  currentVersion,
});
const refusal = (v: PolicyVerdict) => (v.ok ? 'ok' : v.code);
/** Signs any payload text with the policy key, bypassing the schema (hostile or broken documents). */
const signRaw = (payload: string, header: object = { alg: 'EdDSA', typ: POLICY_JWS_TYPE }) =>
  rawJws(header, payload, ed25519Signer(policyKey.privateKeyObject));

describe('verifyPolicy accepts', () => {
  it('a signed policy for this device and fills in the defaults', async () => {
    const { windows: _w, ...rest } = policyInput({ version: 3 });
    const { timeZone: _tz, ...minimal } = rest;
    const v = await verifyPolicy(await signPolicy(minimal, policyKey.privateKey), trust(2));
    if (!v.ok) throw new Error(v.message);
    expect(v.policy.body).toMatchObject({
      version: 3,
      timeZone: 'Europe/Stockholm',
      windows: [],
      oneOff: [],
      pauses: [],
      maxViewers: 1,
      maxSessionSeconds: 300,
      emergencyAllowed: false,
      revokedTokenIds: [],
    });
  });

  it('with its schedule built and its revocations as a set, and the JWS kept for persisting', async () => {
    const jws = await signedPolicy(policyKey, { revokedTokenIds: ['t1', 't2'] });
    const v = await verifyPolicy(jws, trust(undefined));
    if (!v.ok) throw new Error(v.message);
    expect(v.policy.jws).toBe(jws);
    expect([...v.policy.revoked]).toEqual(['t1', 't2']);
    expect(v.policy.schedule.timeZone).toBe('Europe/Stockholm');
    expect(v.policy.schedule.openWindowAt(Date.parse('2026-01-15T22:00:00Z') as never)?.windowId).toBe(
      'night',
    );
  });

  it('any version when no policy is in force', async () => {
    expect(refusal(await verifyPolicy(await signedPolicy(policyKey, { version: 1 }), trust(undefined)))).toBe(
      'ok',
    );
  });
});

describe('verifyPolicy refuses, returning only a verdict', () => {
  it('a policy for another device: policy_wrong_device', async () => {
    const v = await verifyPolicy(await signedPolicy(policyKey, { deviceId: 'dev-0002' }), trust(undefined));
    expect(v).toEqual({ ok: false, code: 'policy_wrong_device', message: expect.any(String) });
  });

  it('a policy whose payload was changed after signing: policy_bad_signature', async () => {
    const [h, , s] = (await signedPolicy(policyKey)).split('.');
    const forged = `${h}.${b64url(JSON.stringify(policyInput({ emergencyAllowed: true })))}.${s}`;
    expect(refusal(await verifyPolicy(forged, trust(undefined)))).toBe('policy_bad_signature');
  });

  it('a policy signed with a key that is not the pinned policy key: policy_bad_signature', async () => {
    expect(refusal(await verifyPolicy(await signedPolicy(otherKey), trust(undefined)))).toBe(
      'policy_bad_signature',
    );
  });

  it.each<[string, object]>([
    ['HS256', { alg: 'HS256', typ: POLICY_JWS_TYPE }],
    ['alg none', { alg: 'none', typ: POLICY_JWS_TYPE }],
    ['no typ', { alg: 'EdDSA' }],
    ['typ JWT', { alg: 'EdDSA', typ: 'JWT' }],
    ['crit', { alg: 'EdDSA', typ: POLICY_JWS_TYPE, crit: ['b64'], b64: true }],
    ['jwk', { alg: 'EdDSA', typ: POLICY_JWS_TYPE, jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } }],
    ['jku', { alg: 'EdDSA', typ: POLICY_JWS_TYPE, jku: 'https://evil.example/keys' }],
  ])('a policy with a %s header: policy_bad_signature', async (_what, header) => {
    const jws = signRaw(JSON.stringify(policyInput()), header);
    expect(refusal(await verifyPolicy(jws, trust(undefined)))).toBe('policy_bad_signature');
  });

  it('a staff token passed as a policy: policy_bad_signature', async () => {
    expect(refusal(await verifyPolicy(await mintToken(otherKey), trust(undefined)))).toBe(
      'policy_bad_signature',
    );
  });

  it('text that is not a JWS at all: policy_bad_signature', async () => {
    expect(refusal(await verifyPolicy('{"deviceId":"dev-0001"}', trust(undefined)))).toBe(
      'policy_bad_signature',
    );
    expect(refusal(await verifyPolicy('', trust(undefined)))).toBe('policy_bad_signature');
  });

  it('a correctly signed payload that is not JSON or not UTF-8: policy_malformed', async () => {
    expect(refusal(await verifyPolicy(signRaw('version: 2'), trust(undefined)))).toBe('policy_malformed');
    const notUtf8 = await new CompactSign(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
      .setProtectedHeader({ alg: 'EdDSA', typ: POLICY_JWS_TYPE })
      .sign(policyKey.privateKey);
    expect(refusal(await verifyPolicy(notUtf8, trust(undefined)))).toBe('policy_malformed');
  });

  it.each<[string, object, string]>([
    ['an unknown top-level field', { audio: true }, '(root): Unrecognized key: "audio"'],
    [
      'an unknown field in a window',
      { windows: [{ id: 'w', start: '22:00', durationMinutes: 5, days: ['mon'], record: true }] },
      'windows.0',
    ],
    [
      'a bad time',
      { windows: [{ id: 'w', start: '24:00', durationMinutes: 5, days: ['mon'] }] },
      'windows.0.start: expected a local time HH:MM',
    ],
    [
      'a one-digit hour',
      { oneOff: [{ id: 'o', date: '2026-02-01', start: '7:30', durationMinutes: 5 }] },
      'oneOff.0.start',
    ],
    [
      'a bad date',
      { oneOff: [{ id: 'o', date: '2026-02-30', start: '07:30', durationMinutes: 5 }] },
      'oneOff.0.date',
    ],
    ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone: unknown IANA time zone'],
    ['a fixed offset instead of a zone', { timeZone: '+01:00' }, 'timeZone: unknown IANA time zone'],
    [
      'a window longer than 24 h',
      { windows: [{ id: 'w', start: '22:00', durationMinutes: 1441, days: ['mon'] }] },
      'windows.0.durationMinutes',
    ],
    [
      'an unknown weekday',
      { windows: [{ id: 'w', start: '22:00', durationMinutes: 5, days: ['funday'] }] },
      'windows.0.days.0',
    ],
    [
      'a pause that ends before it starts',
      { pauses: [{ from: '2026-02-10', to: '2026-02-09' }] },
      'pauses.0.to: `to` is before `from`',
    ],
    ['too many viewers', { maxViewers: 9 }, 'maxViewers'],
    ['a version that is not a positive integer', { version: 0 }, 'version'],
    ['an issuedAt that is not a date-time', { issuedAt: 'yesterday' }, 'issuedAt'],
  ])('a policy with %s: policy_invalid, naming the path', async (_what, overrides, path) => {
    const v = await verifyPolicy(
      signRaw(JSON.stringify({ ...policyInput(), ...overrides })),
      trust(undefined),
    );
    expect(refusal(v)).toBe('policy_invalid');
    expect(v.ok ? '' : v.message).toContain(path);
  });

  it('a version equal to or lower than the one in force: policy_rollback', async () => {
    expect(refusal(await verifyPolicy(await signedPolicy(policyKey, { version: 5 }), trust(5)))).toBe(
      'policy_rollback',
    );
    expect(refusal(await verifyPolicy(await signedPolicy(policyKey, { version: 4 }), trust(5)))).toBe(
      'policy_rollback',
    );
    expect(refusal(await verifyPolicy(await signedPolicy(policyKey, { version: 6 }), trust(5)))).toBe('ok');
  });

  it('checks the device before the version, so a rollback for another device names the device', async () => {
    const jws = await signedPolicy(policyKey, { deviceId: 'dev-0002', version: 1 });
    expect(refusal(await verifyPolicy(jws, trust(5)))).toBe('policy_wrong_device');
  });

  it('never hands back a policy with a refusal (the one in force stays)', async () => {
    const v = await verifyPolicy(await signedPolicy(policyKey, { version: 1 }), trust(5));
    expect(v.ok).toBe(false);
    expect(v).not.toHaveProperty('policy');
  });
});

describe('signPolicy and formatIssues', () => {
  it('refuses to sign a body that does not validate', async () => {
    await expect(
      signPolicy({ ...policyInput(), maxSessionSeconds: 5 }, policyKey.privateKey),
    ).rejects.toThrow();
  });

  it('signs with the policy type header so a policy can never pass for a token', async () => {
    const jws = await signedPolicy(policyKey);
    expect(JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      typ: POLICY_JWS_TYPE,
    });
  });

  it('formats issues as <path>: <message>, with a prefix and (root) for the document itself', () => {
    const notObject = policyBodySchema.safeParse('x');
    const badField = policyBodySchema.safeParse({ ...policyInput(), maxViewers: 0 });
    if (notObject.success || badField.success) throw new Error('expected failures');
    expect(formatIssues(notObject.error)[0]).toMatch(/^\(root\): /);
    expect(formatIssues(badField.error, 'policy')[0]).toMatch(/^policy\.maxViewers: /);
  });
});
