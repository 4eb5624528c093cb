/**
 * Short HMAC tags (128 bits, base64url) over a few strings, with a constant-time check: what binds
 * a value the centre hands out (a session URL) to what it names, so any instance can check it
 * without remembering it and nobody else can forge one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class Tagger {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
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
