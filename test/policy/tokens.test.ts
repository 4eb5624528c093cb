import { createHmac, sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorize, epochMillis, type TokenVerdict, verifyStaffToken } from '../../src/policy/index.ts';
import { ed25519KeyPair, type TestKeyPair } from '../fixtures/keys.ts';
import { activePolicy } from '../fixtures/policies.ts';
import {
  b64url,
  ed25519Signer,
  mintToken,
  rawClaims,
  rawJws,
  TEST_DEVICE,
  TEST_ISSUER,
  TEST_NOW,
  tokenTrust,
} from '../fixtures/tokens.ts';

let issuer: TestKeyPair;
let stranger: TestKeyPair;
beforeAll(async () => {
  [issuer, stranger] = await Promise.all([ed25519KeyPair(), ed25519KeyPair()]);
});

const verify = (token: string | undefined, now = TEST_NOW, trust = tokenTrust([issuer])) =>
  verifyStaffToken(token, trust, now);
const codeOf = (v: TokenVerdict) => (v.ok ? 'ok' : v.code);
/** A token with the right EdDSA signature over whatever header and claims the test gives. */
const signedRaw = (header: object, claims: object | string) =>
  rawJws(header, claims, ed25519Signer(issuer.privateKeyObject));
const EDDSA = { alg: 'EdDSA', typ: 'JWT' };

describe('verifyStaffToken accepts', () => {
  it('a minted view token and returns its claims in milliseconds', async () => {
    const v = await verify(await mintToken(issuer, { tokenId: 'abc', staffId: 'nurse-1', ttlSeconds: 600 }));
    expect(v).toEqual({
      ok: true,
      claims: {
        tokenId: 'abc',
        staffId: 'nurse-1',
        scope: 'view',
        reason: undefined,
        issuedAt: TEST_NOW,
        expiresAt: TEST_NOW + 600_000,
      },
    });
  });

  it('a hand-built token with the same claims (the fixture builder itself is sound)', async () => {
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims())))).toBe('ok');
    expect(codeOf(await verify(signedRaw({ alg: 'EdDSA' }, rawClaims())))).toBe('ok');
  });

  it('a token from the second pinned key during a key rotation', async () => {
    const v = await verify(await mintToken(issuer), TEST_NOW, tokenTrust([stranger, issuer]));
    expect(codeOf(v)).toBe('ok');
  });

  it('an emergency token with a reason, trimmed', async () => {
    const v = await verify(await mintToken(issuer, { scope: 'emergency', reason: '  fall alarm ' }));
    expect(v.ok && v.claims.reason).toBe('fall alarm');
  });

  it('an install token', async () => {
    expect(codeOf(await verify(await mintToken(issuer, { scope: 'install' })))).toBe('ok');
  });

  it('a token expired less than the 60 s tolerance ago, and one whose nbf is within it', async () => {
    const token = await mintToken(issuer, { ttlSeconds: 600 });
    expect(codeOf(await verify(token, epochMillis(TEST_NOW + 600_000 + 59_000)))).toBe('ok');
    const early = signedRaw(EDDSA, rawClaims(TEST_NOW, { nbf: TEST_NOW / 1000 + 59 }));
    expect(codeOf(await verify(early))).toBe('ok');
  });

  it('a lifetime of exactly the 12 h cap', async () => {
    expect(codeOf(await verify(await mintToken(issuer, { ttlSeconds: 12 * 3600 })))).toBe('ok');
  });
});

describe('verifyStaffToken refuses', () => {
  it('no token: no_token', async () => {
    expect(codeOf(await verify(undefined))).toBe('no_token');
    expect(codeOf(await verify(''))).toBe('no_token');
  });

  it.each<[string, () => string]>([
    ['random text', () => 'not-a-jwt'],
    ['two parts', () => 'eyJhbGciOiJFZERTQSJ9.e30'],
    ['a header that is not JSON', () => `${b64url('{alg')}.${b64url('{}')}.AAAA`],
    ['a payload that is not JSON', () => signedRaw(EDDSA, 'not json')],
    ['a JSON array payload', () => signedRaw(EDDSA, '[1,2]')],
  ])('a malformed token (%s): bad_token', async (_what, token) => {
    expect(codeOf(await verify(token()))).toBe('bad_token');
  });

  it('alg none: bad_token', async () => {
    expect(codeOf(await verify(rawJws({ alg: 'none', typ: 'JWT' }, rawClaims())))).toBe('bad_token');
    expect(codeOf(await verify(rawJws({ alg: 'none' }, rawClaims(), () => new Uint8Array(0))))).toBe(
      'bad_token',
    );
  });

  it('HS256 signed with the pinned public key as the HMAC secret: bad_token', async () => {
    for (const secret of [
      issuer.publicKeyObject.export({ format: 'pem', type: 'spki' }),
      issuer.publicKeyObject.export({ format: 'der', type: 'spki' }),
      JSON.stringify(issuer.publicKeyObject.export({ format: 'jwk' })),
    ]) {
      const token = rawJws({ alg: 'HS256', typ: 'JWT' }, rawClaims(), (input) =>
        createHmac('sha256', secret).update(input).digest(),
      );
      expect(codeOf(await verify(token))).toBe('bad_token');
    }
  });

  it('RS256 and ES256, even when their public key were pinned: bad_token', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rs256 = rawJws({ alg: 'RS256', typ: 'JWT' }, rawClaims(), (i) =>
      cryptoSign('sha256', Buffer.from(i), rsa.privateKey),
    );
    const es256 = rawJws({ alg: 'ES256', typ: 'JWT' }, rawClaims(), (i) =>
      cryptoSign('sha256', Buffer.from(i), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
    );
    const trust = tokenTrust([issuer], { keys: [rsa.publicKey, ec.publicKey, issuer.publicKey] });
    expect(codeOf(await verify(rs256, TEST_NOW, trust))).toBe('bad_token');
    expect(codeOf(await verify(es256, TEST_NOW, trust))).toBe('bad_token');
  });

  it('a token signed by a key that is not pinned: bad_token', async () => {
    expect(codeOf(await verify(await mintToken(stranger)))).toBe('bad_token');
  });

  it('a token whose claims were changed after signing: bad_token', async () => {
    const [h, , s] = (await mintToken(issuer)).split('.');
    const forged = `${h}.${b64url(JSON.stringify(rawClaims(TEST_NOW, { scope: 'emergency', reason: 'x' })))}.${s}`;
    expect(codeOf(await verify(forged))).toBe('bad_token');
  });

  it('a wrong issuer: wrong_issuer', async () => {
    expect(codeOf(await verify(await mintToken(issuer, { issuer: 'https://evil.example' })))).toBe(
      'wrong_issuer',
    );
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { iss: undefined }))))).toBe(
      'wrong_issuer',
    );
  });

  it('a token for another device: wrong_device', async () => {
    expect(codeOf(await verify(await mintToken(issuer, { deviceId: 'dev-0002' })))).toBe('wrong_device');
    expect(
      codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { aud: ['dev-0002', 'dev-0003'] })))),
    ).toBe('wrong_device');
  });

  it('a token naming several devices, this one among them: wrong_device (one token, one bedroom)', async () => {
    expect(
      codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { aud: [TEST_DEVICE, 'dev-0003'] })))),
    ).toBe('wrong_device');
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { aud: [TEST_DEVICE] }))))).toBe(
      'wrong_device',
    );
  });

  it('a token expired 60 s or more ago: token_expired', async () => {
    const token = await mintToken(issuer, { ttlSeconds: 600 });
    expect(codeOf(await verify(token, epochMillis(TEST_NOW + 600_000 + 60_000)))).toBe('token_expired');
    expect(codeOf(await verify(token, epochMillis(TEST_NOW + 600_000 + 61_000)))).toBe('token_expired');
  });

  it('never allows more than 60 s of clock tolerance, whatever the config says', async () => {
    const token = await mintToken(issuer, { ttlSeconds: 600 });
    const lax = tokenTrust([issuer], { clockToleranceSeconds: 3600 });
    expect(codeOf(await verify(token, epochMillis(TEST_NOW + 600_000 + 61_000), lax))).toBe('token_expired');
    const strict = tokenTrust([issuer], { clockToleranceSeconds: 0 });
    expect(codeOf(await verify(token, epochMillis(TEST_NOW + 600_000), strict))).toBe('token_expired');
  });

  it('nbf in the future beyond tolerance: token_not_yet_valid', async () => {
    const token = signedRaw(EDDSA, rawClaims(TEST_NOW, { nbf: TEST_NOW / 1000 + 61 }));
    expect(codeOf(await verify(token))).toBe('token_not_yet_valid');
  });

  it('iat in the future beyond tolerance: token_not_yet_valid', async () => {
    const iat = TEST_NOW / 1000 + 120;
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { iat, exp: iat + 600 }))))).toBe(
      'token_not_yet_valid',
    );
    const nearly = TEST_NOW / 1000 + 60;
    expect(
      codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { iat: nearly, exp: nearly + 600 })))),
    ).toBe('ok');
  });

  it.each(['exp', 'iat', 'jti', 'sub'])('a token without %s: bad_token', async (claim) => {
    const token = signedRaw(EDDSA, rawClaims(TEST_NOW, { [claim]: undefined }));
    expect(codeOf(await verify(token))).toBe('bad_token');
  });

  it('an empty jti or sub, or a non-numeric exp: bad_token', async () => {
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { jti: '' }))))).toBe('bad_token');
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { sub: '' }))))).toBe('bad_token');
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { jti: 42 }))))).toBe('bad_token');
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, { exp: 'tomorrow' }))))).toBe(
      'bad_token',
    );
  });

  it('a lifetime over the 12 h cap: token_lifetime_exceeded', async () => {
    const token = await mintToken(issuer, { ttlSeconds: 12 * 3600 + 1 });
    expect(codeOf(await verify(token))).toBe('token_lifetime_exceeded');
    const shortCap = tokenTrust([issuer], { maxLifetimeSeconds: 300 });
    expect(codeOf(await verify(await mintToken(issuer, { ttlSeconds: 301 }), TEST_NOW, shortCap))).toBe(
      'token_lifetime_exceeded',
    );
  });

  it.each([
    ['jku', { jku: 'https://evil.example/jwks.json' }],
    ['x5u', { x5u: 'https://evil.example/cert.pem' }],
    ['jwk', { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } }],
    ['x5c', { x5c: ['MIIB'] }],
    ['crit', { crit: ['exp'] }],
  ])('a %s header, even with a valid signature: bad_token', async (_name, extra) => {
    expect(codeOf(await verify(signedRaw({ ...EDDSA, ...extra }, rawClaims())))).toBe('bad_token');
  });

  it('a JWS of another type (a signed policy passed as a token): bad_token', async () => {
    const token = signedRaw({ alg: 'EdDSA', typ: 'nattsyn-policy+json' }, rawClaims());
    expect(codeOf(await verify(token))).toBe('bad_token');
  });

  it.each([
    ['unknown', { scope: 'admin' }],
    ['missing', { scope: undefined }],
    ['not a string', { scope: ['view'] }],
  ])('a scope that is %s: wrong_scope', async (_what, claims) => {
    expect(codeOf(await verify(signedRaw(EDDSA, rawClaims(TEST_NOW, claims))))).toBe('wrong_scope');
  });

  it('an emergency token without a reason: reason_required', async () => {
    expect(codeOf(await verify(await mintToken(issuer, { scope: 'emergency' })))).toBe('reason_required');
    const blank = signedRaw(EDDSA, rawClaims(TEST_NOW, { scope: 'emergency', reason: '   ' }));
    expect(codeOf(await verify(blank))).toBe('reason_required');
    const nonString = signedRaw(EDDSA, rawClaims(TEST_NOW, { scope: 'emergency', reason: 7 }));
    expect(codeOf(await verify(nonString))).toBe('reason_required');
  });

  it('an expired token when the first pinned key does not match: token_expired, not bad_token', async () => {
    const token = await mintToken(issuer, { ttlSeconds: 60 });
    const later = epochMillis(TEST_NOW + 3600_000);
    expect(codeOf(await verify(token, later, tokenTrust([stranger, issuer])))).toBe('token_expired');
    expect(codeOf(await verify(token, later, tokenTrust([issuer, stranger])))).toBe('token_expired');
  });
});

describe('a revoked token', () => {
  it('verifies as a token but is refused by the gate with a policy that revokes its jti: revoked', async () => {
    const token = await mintToken(issuer, { tokenId: 'lost-phone' });
    const v = await verify(token, epochMillis(Date.parse('2026-01-15T22:00:00Z')));
    if (!v.ok) throw new Error(v.code);
    const state = {
      clockSynced: true,
      pausedByResident: false,
      auditWritable: true,
      liveSessions: [],
    };
    const now = epochMillis(Date.parse('2026-01-15T22:00:00Z'));
    expect(
      authorize(v.claims, now, { ...state, policy: activePolicy({ revokedTokenIds: ['lost-phone'] }) }),
    ).toEqual({
      kind: 'deny',
      code: 'revoked',
    });
    expect(authorize(v.claims, now, { ...state, policy: activePolicy() }).kind).toBe('grant');
  });
});

describe('minted tokens', () => {
  it('carry the key id when one is given, and are plain EdDSA JWTs', async () => {
    const token = await mintToken(issuer, { keyId: 'k1' });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      typ: 'JWT',
      kid: 'k1',
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: TEST_ISSUER, aud: TEST_DEVICE, scope: 'view' });
    expect(claims.reason).toBeUndefined();
  });
});

describe('install tokens with their own pinned keys (tokens.installKeys)', () => {
  let installer: TestKeyPair;
  beforeAll(async () => {
    installer = await ed25519KeyPair();
  });
  const pinnedApart = () => tokenTrust([issuer], { installKeys: [installer.publicKey] });

  it('accepts an install token from an install key and a view token from the issuer key', async () => {
    const install = await verify(await mintToken(installer, { scope: 'install' }), TEST_NOW, pinnedApart());
    expect(install.ok && install.claims.scope).toBe('install');
    expect(codeOf(await verify(await mintToken(issuer), TEST_NOW, pinnedApart()))).toBe('ok');
  });

  it('refuses a view or emergency token signed by an install key: wrong_scope', async () => {
    const view = await verify(await mintToken(installer, { scope: 'view' }), TEST_NOW, pinnedApart());
    expect(view).toMatchObject({ ok: false, code: 'wrong_scope', message: /install tokens only/ });
    const emergency = await mintToken(installer, { scope: 'emergency', reason: 'fall alarm' });
    expect(codeOf(await verify(emergency, TEST_NOW, pinnedApart()))).toBe('wrong_scope');
  });

  it('refuses an install token signed by the issuer key once install keys are pinned: wrong_scope', async () => {
    const v = await verify(await mintToken(issuer, { scope: 'install' }), TEST_NOW, pinnedApart());
    expect(v).toMatchObject({ ok: false, code: 'wrong_scope', message: /key pinned for install tokens/ });
  });

  it('still refuses a token from neither key as bad_token', async () => {
    expect(
      codeOf(await verify(await mintToken(stranger, { scope: 'install' }), TEST_NOW, pinnedApart())),
    ).toBe('bad_token');
  });
});
