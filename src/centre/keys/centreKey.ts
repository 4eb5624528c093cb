/**
 * The centre key and what the centre does with it. One secret is shared by every centre instance
 * behind the load balancer, so that a cookie sealed by one instance opens at another and a look
 * handle or session URL made by one checks at another. Each use gets its own subkey (HKDF-SHA256,
 * RFC 5869) so a value made for one purpose can never pass as another (a sign-in transaction as a
 * session, a session as a look handle).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { UsageError } from '../../errors.ts';
import { nodeSecretFs, readSecretFile, type SecretFs } from '../../platform/startupFiles.ts';

export const KEY_PURPOSES = ['session', 'signin', 'look-handle', 'session-url'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** At least 256 bits of secret, written as base64 (e.g. `openssl rand -base64 48`). */
const MIN_SECRET_BYTES = 32;

export class CentreKey {
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
  }

  /** A 256-bit key for one purpose, the same at every instance holding the same secret. */
  subkey(purpose: KeyPurpose): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.#secret, 'nattsyn-centre', `nattsyn/${purpose}/v1`, 32));
  }
}

/** Parses the key file's text: base64 (standard or url-safe), at least 32 bytes once decoded. */
export function parseCentreKey(text: string, file: string): CentreKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new UsageError(`${file}: the centre key must be base64 text (e.g. openssl rand -base64 48)`);
  }
  const secret = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new UsageError(`${file}: the centre key must hold at least ${MIN_SECRET_BYTES} bytes`);
  }
  return new CentreKey(new Uint8Array(secret));
}

/** Reads the centre key file; refused unless its mode is 0600 or stricter. */
export async function loadCentreKey(file: string, fs: SecretFs = nodeSecretFs): Promise<CentreKey> {
  const bytes = await readSecretFile(file, 'owner-only', fs);
  return parseCentreKey(bytes.toString('utf8'), file);
}

const HEADER = { alg: 'dir', enc: 'A256GCM' } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Sealed values (AEAD): JSON encrypted and authenticated with AES-256-GCM as a compact JWE with a
 * direct key (RFC 7516, `dir` + `A256GCM`, through jose). The centre keeps no session table, so what
 * it must remember between requests travels in a cookie the browser cannot read or alter.
 */
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

/**
 * Short HMAC tags (128 bits, base64url) over a few strings, with a constant-time check: what binds
 * a value the centre hands out (a session URL) to what it names, so any instance can check it
 * without remembering it and nobody else can forge one.
 */
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
