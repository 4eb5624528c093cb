import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type SignedJsonVerdict, signJson, verifySignedJson } from '../../src/policy/index.ts';
import { ed25519KeyPair, type TestKeyPair } from '../fixtures/keys.ts';
import { ed25519Signer, rawJws } from '../fixtures/tokens.ts';

const TYP = 'nattsyn-test+json';
const schema = z.strictObject({ n: z.number().int(), tag: z.string().default('none') });

let key: TestKeyPair;
let other: TestKeyPair;
beforeAll(async () => {
  [key, other] = await Promise.all([ed25519KeyPair(), ed25519KeyPair()]);
});

const verify = (jws: string) => verifySignedJson(jws, { typ: TYP, key: key.publicKey, schema });
const reason = (v: SignedJsonVerdict<unknown>) => (v.ok ? 'ok' : v.reason);
const signRaw = (payload: string, header: object = { alg: 'EdDSA', typ: TYP }) =>
  rawJws(header, payload, ed25519Signer(key.privateKeyObject));

describe('verifySignedJson, shared by policies and centre commands', () => {
  it('returns the schema output of a document signed by the pinned key', async () => {
    const v = await verify(await signJson({ n: 3 }, TYP, key.privateKey));
    expect(v).toEqual({ ok: true, value: { n: 3, tag: 'none' } });
  });

  it.each<[string, object]>([
    ['another typ', { alg: 'EdDSA', typ: 'nattsyn-policy+json' }],
    ['alg none', { alg: 'none', typ: TYP }],
    ['crit', { alg: 'EdDSA', typ: TYP, crit: ['b64'], b64: true }],
    ['jwk', { alg: 'EdDSA', typ: TYP, jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } }],
    ['jku', { alg: 'EdDSA', typ: TYP, jku: 'https://evil.example/keys' }],
  ])('refuses a %s header as bad_signature', async (_what, header) => {
    expect(reason(await verify(signRaw('{"n":1}', header)))).toBe('bad_signature');
  });

  it('refuses another key and text that is no JWS as bad_signature', async () => {
    expect(reason(await verify(await signJson({ n: 1 }, TYP, other.privateKey)))).toBe('bad_signature');
    expect(reason(await verify('{"n":1}'))).toBe('bad_signature');
  });

  it('refuses a signed payload that is not UTF-8 JSON as malformed', async () => {
    expect(reason(await verify(signRaw('n: 1')))).toBe('malformed');
    const notUtf8 = await new CompactSign(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
      .setProtectedHeader({ alg: 'EdDSA', typ: TYP })
      .sign(key.privateKey);
    expect(reason(await verify(notUtf8))).toBe('malformed');
  });

  it('refuses signed JSON the schema refuses as invalid, with <path>: <message> issues', async () => {
    const v = await verify(signRaw('{"n":1.5,"extra":true}'));
    if (v.ok || v.reason !== 'invalid') throw new Error(`expected invalid, got ${reason(v)}`);
    expect(v.issues).toEqual([
      'n: Invalid input: expected int, received number',
      '(root): Unrecognized key: "extra"',
    ]);
  });
});
