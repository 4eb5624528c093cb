/**
 * The secret every centre instance shares (a file of ≥ 32 random bytes) and the keys derived from it
 * with HKDF, one per purpose, so no key ever serves two. Several instances behind a load balancer
 * read the same file and so accept each other's session URLs and sign-in cookies.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type KeyPurpose = 'session-url' | 'sign-in-cookie' | 'look-handle';

export class CentreKeys {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  derive(purpose: KeyPurpose): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#secret, Buffer.alloc(0), `nattsyn centre ${purpose}`, 32));
  }
}

/** A short HMAC tag over `parts` (128 bits, base64url) and its constant-time check. */
export class Tagger {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  tag(...parts: string[]): string {
    return createHmac('sha256', this.#key)
      .update(parts.join('\n'))
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  verify(tag: string, ...parts: string[]): boolean {
    const expected = Buffer.from(this.tag(...parts));
    const given = Buffer.from(tag);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
