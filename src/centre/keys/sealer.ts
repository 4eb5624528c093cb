/**
 * Sealed values (AEAD): JSON encrypted and authenticated with AES-256-GCM as a compact JWE with a
 * direct key (RFC 7516, `dir` + `A256GCM`, through jose). The centre keeps no session table, so what
 * it must remember between requests travels in a cookie the browser cannot read or alter.
 */
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { CentreKey, KeyPurpose } from './centreKey.ts';

const HEADER = { alg: 'dir', enc: 'A256GCM' } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Sealer {
  readonly #key: Uint8Array;

  constructor(key: CentreKey, purpose: KeyPurpose) {
    this.#key = key.subkey(purpose);
  }

  seal(value: unknown): Promise<string> {
    return new CompactEncrypt(encoder.encode(JSON.stringify(value)))
      .setProtectedHeader(HEADER)
      .encrypt(this.#key);
  }

  /** The sealed value, or undefined when the text was not sealed by this key and purpose. */
  async open(text: string): Promise<unknown> {
    try {
      const { plaintext } = await compactDecrypt(text, this.#key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return JSON.parse(decoder.decode(plaintext));
    } catch {
      return undefined;
    }
  }
}
