/**
 * Signed documents for the fuzzing run: any protected header and any payload text, signed with a
 * real Ed25519 key (jose refuses to sign some headers an attacker would send, such as `crit`), so
 * the checks behind the signature get their turn too. Test data only: verification is the product's.
 */
import { KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { generateKeyPair } from 'jose';
import { anyText } from './budget.ts';

export interface KeyPair {
  publicKey: CryptoKey;
  privateKey: KeyObject;
}

export async function keyPair(): Promise<KeyPair> {
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  return { publicKey: pair.publicKey, privateKey: KeyObject.from(pair.privateKey) };
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** A compact JWS of `payload` (text, signed as is) under `header`. */
export function signRaw(header: unknown, payload: string, key: KeyObject): string {
  const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** Mostly `valid`, sometimes one of `wrong`: most documents fail one check, some pass them all. */
export const mostly = <T>(valid: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<unknown>[]) =>
  fc.oneof(
    { weight: 12, arbitrary: valid as fc.Arbitrary<unknown> },
    ...wrong.map((arbitrary) => ({ weight: 1, arbitrary })),
  );

/** Protected headers: mostly the right `typ`, sometimes another, or a header that must be refused. */
export const headers = (typ: string) =>
  mostly(
    fc.constant({ alg: 'EdDSA', typ }),
    fc.constantFrom(
      { alg: 'EdDSA', typ: 'JWT' },
      { alg: 'EdDSA', typ: 'nattsyn-policy+json' },
      { alg: 'EdDSA', typ: 'nattsyn-cmd+json' },
      { alg: 'EdDSA', typ, crit: ['exp'] },
      { alg: 'EdDSA', typ, jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } },
      { alg: 'EdDSA', typ, jku: 'https://evil.example/jwks' },
      { alg: 'none', typ },
      { alg: 'HS256', typ },
    ),
    fc.jsonValue(),
  );

export interface SignedCase {
  header: unknown;
  payload: string;
  /** Signed by the pinned key, or by a stranger's. */
  pinned: boolean;
}

/** A signed case: `body` as JSON (or raw text) under a header from `headers(typ)`. */
export const signedCases = (typ: string, body: fc.Arbitrary<unknown>): fc.Arbitrary<SignedCase> =>
  fc.record({
    header: headers(typ),
    payload: mostly(
      body.map((b) => JSON.stringify(b)),
      anyText(200),
    ) as fc.Arbitrary<string>,
    pinned: mostly(fc.constant(true), fc.constant(false)) as fc.Arbitrary<boolean>,
  });

/** Text that is not a JWS at all, or a JWS-shaped one. */
export const notJws = fc.oneof(
  anyText(400),
  fc.tuple(anyText(40), anyText(40), anyText(40)).map((parts) => parts.join('.')),
);
