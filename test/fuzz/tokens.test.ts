/**
 * Fuzzing staff tokens and the Authorization header (issue 13, item 15): garbage, JWS-shaped text
 * with any header (algorithms, key URLs, `crit`) and any payload, and tokens truly signed by the
 * pinned issuer with claims from anywhere. A token either verifies into claims the device would
 * accept or is refused with a deny code; a refused token opens no session; and the HTTP face
 * answers any Authorization header with our error shape and a stable code.
 */
import { KeyObject, randomUUID, sign } from 'node:crypto';
import fc from 'fast-check';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DENY_CODES,
  epochMillis,
  SCOPES,
  type TokenTrust,
  verifyStaffToken,
} from '../../src/policy/index.ts';
import { REASON_CODES } from '../../src/reasons.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { anyText, expectStableCode, runs, timed } from './budget.ts';

const NOW = epochMillis(Date.parse('2026-11-24T02:00:00Z'));
const ISSUER = 'https://care.example/issuer';
const DEVICE = 'dev-fuzz-1';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = (offset: number) => Math.floor(NOW / 1000) + offset;

const CLAIM_KEYS = ['iss', 'aud', 'sub', 'jti', 'iat', 'exp', 'nbf', 'scope', 'reason'] as const;
/** Mostly `valid`, sometimes one of `wrong`: most tokens fail one check, some pass them all. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<unknown>[]) =>
  fc.oneof(
    { weight: 12, arbitrary: valid as fc.Arbitrary<unknown> },
    ...wrong.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
/** Claims near the valid ones (`all`: every claim present, often a token the device accepts). */
const claimRecord = (all: boolean) =>
  fc.record(
    {
      iss: mostly(fc.constant(ISSUER), fc.constantFrom('https://other.example', '', 7)),
      aud: mostly(
        fc.constantFrom(DEVICE, [DEVICE]),
        fc.constantFrom('dev-other-2', [DEVICE, 'dev-other-2'], null),
      ),
      sub: mostly(fc.constant('nurse-7'), fc.constant(''), anyText(20)),
      jti: mostly(fc.uuid(), fc.constant(''), fc.integer()),
      iat: mostly(
        fc.integer({ min: -3600, max: 0 }).map(seconds),
        fc.integer({ min: -50_000, max: 500 }).map(seconds),
        fc.string(),
      ),
      exp: mostly(
        fc.integer({ min: 60, max: 3600 }).map(seconds),
        fc.integer({ min: -500, max: 90_000 }).map(seconds),
        fc.constant(null),
      ),
      nbf: mostly(
        fc.integer({ min: -500, max: 0 }).map(seconds),
        fc.integer({ min: 0, max: 500 }).map(seconds),
      ),
      scope: mostly(fc.constant('view'), fc.constantFrom(...SCOPES), anyText(10)),
      reason: anyText(40),
    },
    { requiredKeys: all ? [...CLAIM_KEYS] : [] },
  );
/** Claims near the valid ones, and anything else a JSON payload can hold. */
const claims = fc.oneof(claimRecord(false), claimRecord(true), fc.jsonValue());
const header = fc.record(
  {
    alg: fc.constantFrom('EdDSA', 'none', 'HS256', 'RS256', 'ES256', 'eddsa'),
    typ: fc.constantFrom('JWT', 'jwt', 'nattsyn-cmd+json', 'at+jwt'),
    kid: anyText(10),
    jku: fc.constant('https://evil.example/jwks'),
    x5u: fc.constant('https://evil.example/x5u'),
    jwk: fc.constant({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }),
    crit: fc.constant(['exp']),
    b64: fc.boolean(),
  },
  { requiredKeys: ['alg'] },
);

let trust: TokenTrust;
let signer: KeyObject;
beforeAll(async () => {
  const issuer = await generateKeyPair('EdDSA', { extractable: true });
  signer = KeyObject.from(issuer.privateKey);
  trust = {
    issuer: ISSUER,
    keys: [issuer.publicKey],
    deviceId: DEVICE,
    maxLifetimeSeconds: 43_200,
    clockToleranceSeconds: 60,
  };
});

type TokenCase = { text: string } | { header: Record<string, unknown>; claims: unknown };

/** Text an Authorization header or a relay envelope could carry as a token, or one to sign. */
const tokenCases: fc.Arbitrary<TokenCase> = fc.oneof(
  anyText(300).map((text) => ({ text })),
  fc
    .tuple(fc.jsonValue(), claims, fc.uint8Array({ maxLength: 80 }))
    .map(([h, c, sig]) => ({ text: `${b64(h)}.${b64(c)}.${Buffer.from(sig).toString('base64url')}` })),
  fc.tuple(header, claims).map(([h, c]) => ({ text: `${b64(h)}.${b64(c)}.` })),
  // Truly signed by the pinned issuer: the claim checks behind the signature get their turn.
  fc.tuple(header, claims).map(([h, c]) => ({ header: { ...h, alg: 'EdDSA' }, claims: c })),
  claimRecord(true).map((c) => ({ header: { alg: 'EdDSA', typ: 'JWT' }, claims: c })),
);

/** Signs any header and payload with the pinned issuer's key (jose refuses to sign some headers). */
async function materialise(c: TokenCase): Promise<string> {
  if ('text' in c) return c.text;
  const input = `${b64(c.header)}.${b64(c.claims)}`;
  return `${input}.${sign(null, Buffer.from(input), signer).toString('base64url')}`;
}

describe('staff tokens under fuzzing', () => {
  it('verify_into_claims_the_device_accepts_or_are_refused_with_a_deny_code', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(tokenCases, async (c) => {
        const token = await materialise(c);
        const verdict = await timed(() => verifyStaffToken(token, trust, NOW));
        if (!verdict.ok) return expectStableCode(verdict.code, DENY_CODES);
        accepted += 1;
        expect(verdict.claims.staffId.length).toBeGreaterThan(0);
        expect(SCOPES).toContain(verdict.claims.scope);
        expect(verdict.claims.expiresAt).toBeGreaterThan(NOW - 60_000);
      }),
      runs('token'),
    );
    // The claim checks behind the signature were reached, not only the parser in front of it.
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('refused tokens at access control', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
  });
  afterAll(async () => {
    await h.access.stop();
    await h.cleanup();
  });

  it('open_no_session_and_leave_the_policy_in_force', async () => {
    await fc.assert(
      fc.asyncProperty(tokenCases, async (c) => {
        const token = await materialise(c);
        const admission = await timed(() =>
          h.access.admit(token, { remote: '192.0.2.1', transport: 'relay' }),
        );
        expect(admission.ok).toBe(false);
        if (!admission.ok) expectStableCode(admission.code, DENY_CODES);
        expect(h.access.sessions()).toEqual([]);
        expect(h.access.policy).toBeUndefined();
      }),
      { ...runs('token'), numRuns: 200 },
    );
  });
});

describe('the Authorization header under fuzzing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ camera: false });
  });
  afterAll(() => stack.stop());

  it('is_answered_with_our_error_shape_and_a_stable_code', async () => {
    const app = await stack.server.build();
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 300,
    });
    const value = fc.oneof(
      printable,
      printable.map((t) => `Bearer ${t}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer x.y.z', 'Basic dXNlcjpwYXNz', `Bearer ${randomUUID()}`),
    );
    await fc.assert(
      fc.asyncProperty(
        value,
        fc.constantFrom('GET /api/state', 'POST /whep', 'DELETE /whep/AAAAAAAAAAAAAAAAAAAAAAAA'),
        async (authorization, route) => {
          const [method, url] = route.split(' ') as ['GET' | 'POST' | 'DELETE', string];
          const res = await timed(() =>
            app.inject({
              method,
              url,
              headers: { authorization, 'content-type': 'application/sdp' },
              payload: method === 'POST' ? 'v=0\r\n' : undefined,
            }),
          );
          expect(res.statusCode).toBeLessThan(500);
          const body = res.json() as { code: string; message: string };
          expect(Object.keys(body).sort()).toEqual(['code', 'message']);
          expectStableCode(body.code, REASON_CODES);
        },
      ),
      runs('bearerHeader'),
    );
  });
});
