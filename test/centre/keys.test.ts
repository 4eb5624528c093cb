/**
 * The centre key and the secrets beside it: refused when other users could read them, and each
 * derived subkey sealing or signing for one purpose only.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClientSecret, oidcConfigSchema } from '../../src/centre/auth/index.ts';
import { loadCentreKey, parseCentreKey, Sealer } from '../../src/centre/keys/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string, mode: number): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, text);
  await chmod(target, mode);
  return target;
}

const key = () => parseCentreKey(randomBytes(32).toString('base64'), 'centre.key');

describe('the centre key', () => {
  it('a_key_file_with_mode_0644_is_refused_at_start', async () => {
    const target = await file('centre.key', randomBytes(48).toString('base64'), 0o644);

    await expect(loadCentreKey(target)).rejects.toThrow(`${target}: mode 0644 is too open for a secret`);
  });

  it('a_key_file_with_mode_0600_is_read', async () => {
    const target = await file('centre.key', `${randomBytes(48).toString('base64')}\n`, 0o600);

    await expect(loadCentreKey(target)).resolves.toBeDefined();
  });

  it('a_short_or_non_base64_key_is_refused', () => {
    expect(() => parseCentreKey(randomBytes(16).toString('base64'), 'k')).toThrow('at least 32 bytes');
    expect(() => parseCentreKey('not a key!', 'k')).toThrow('base64');
  });

  it('a_missing_key_file_names_the_file_only', async () => {
    await expect(loadCentreKey(path.join(dir, 'none.key'))).rejects.toThrow(
      'none.key: cannot read the secret file',
    );
  });

  it('a_value_sealed_for_one_purpose_does_not_open_for_another_or_under_another_key', async () => {
    const k = key();
    const sealed = await new Sealer(k, 'signin').seal({ state: 'x' });

    expect(await new Sealer(k, 'signin').open(sealed)).toEqual({ state: 'x' });
    expect(await new Sealer(k, 'session').open(sealed)).toBeUndefined();
    expect(await new Sealer(key(), 'signin').open(sealed)).toBeUndefined();
  });

  it('a_tampered_sealed_value_does_not_open', async () => {
    const sealer = new Sealer(key(), 'session');
    const parts = (await sealer.seal({ sub: 'a' })).split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0]! ^= 1;
    parts[3] = ciphertext.toString('base64url');

    expect(await sealer.open(parts.join('.'))).toBeUndefined();
  });
});

describe('the OIDC client secret', () => {
  const config = (clientSecretFile: string) =>
    oidcConfigSchema.parse({
      issuer: 'http://127.0.0.1:9/',
      clientId: 'c',
      clientSecretFile,
      redirectUrl: 'http://127.0.0.1:8/auth/callback',
    });

  it('a_world_readable_secret_is_refused', async () => {
    const target = await file('client.secret', 's3cret', 0o644);

    await expect(loadClientSecret(config(target))).rejects.toThrow('must be not readable by other users');
  });

  it('a_group_readable_secret_is_read_and_trimmed', async () => {
    const target = await file('client.secret', 's3cret\n', 0o640);

    expect(await loadClientSecret(config(target))).toBe('s3cret');
  });
});

describe('the oidc config section', () => {
  it('plain_http_is_refused_off_loopback_and_the_redirect_must_be_the_callback', () => {
    const parsed = oidcConfigSchema.safeParse({
      issuer: 'http://idp.kommun.example/',
      clientId: 'c',
      redirectUrl: 'https://centre.kommun.example/callback',
      scopes: ['profile'],
    });

    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(
      [
        'issuer: must be https:// (http:// only on loopback)',
        'redirectUrl: must end in /auth/callback',
        'scopes: must include openid',
      ],
    );
  });
});
