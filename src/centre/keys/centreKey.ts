/**
 * The centre key: one secret shared by every centre instance behind the load balancer, so that a
 * cookie sealed by one instance opens at another and a look handle signed by one verifies at
 * another. Each use gets its own subkey (HKDF-SHA256, RFC 5869) so a value made for one purpose
 * can never pass as another (a sign-in transaction as a session, a session as a look handle).
 */
import { hkdfSync } from 'node:crypto';
import { UsageError } from '../../errors.ts';
import { nodeSecretFs, readSecretFile, type SecretFs } from '../../platform/secretFile.ts';

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
