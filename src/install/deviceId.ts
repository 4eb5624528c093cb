/**
 * The device id: the first 60 bits of SHA-256 over the identity public key (SPKI DER), in Crockford
 * base32 as three groups of four, e.g. `7K3M-Q9TD-WX2H`. Crockford's alphabet has no I, L, O or U,
 * so it reads aloud over a phone and survives being typed back (wipe) with the usual mix-ups.
 */
import { createHash, type KeyObject } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;

export function deviceIdOf(publicKey: KeyObject): string {
  const digest = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 8)) bits = (bits << 8n) | BigInt(byte);
  const symbols = GROUPS * GROUP_LENGTH;
  bits >>= BigInt(64 - symbols * 5);
  let out = '';
  for (let i = symbols - 1; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return out.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

/** What a person typed, in canonical form: case, spaces and hyphens ignored, O→0, I/L→1 (Crockford). */
export function normalizeDeviceId(typed: string): string {
  const symbols = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return symbols.match(new RegExp(`.{1,${GROUP_LENGTH}}`, 'g'))?.join('-') ?? '';
}

export const isDeviceId = (text: string): boolean =>
  /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/.test(text);
