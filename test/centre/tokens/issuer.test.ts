/**
 * Look tokens minted at the centre, checked by the device's own verifier (src/policy), and their
 * re-minting from a look handle: byte-identical, at any instance, only for the same staff member
 * and device, only under the same issuer key and only while the token lives.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeProtectedHeader, exportPKCS8, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCentreKey } from '../../../src/centre/keys/index.ts';
import { StaffTokenIssuer, staffTokensConfigSchema } from '../../../src/centre/tokens/index.ts';
import { type EpochMillis, verifyStaffToken } from '../../../src/policy/index.ts';
import { ManualTime } from '../../support/manualTime.ts';

const ISSUER = 'https://centre.kommun.example/staff';
const STAFF = 'SE2321000016-A1B2';
const DEVICE = 'dev-norr-0001';
const HOUR = 3_600_000;

let dir: string;
let keyFile: string;
let centreKeyFile: string;
let publicKey: CryptoKey;
let time: ManualTime;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-tokens-'));
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  publicKey = pair.publicKey;
  keyFile = path.join(dir, 'issuer.key');
  await writeFile(keyFile, await exportPKCS8(pair.privateKey), { mode: 0o600 });
  centreKeyFile = path.join(dir, 'centre.key');
  await writeFile(centreKeyFile, randomBytes(48).toString('base64'), { mode: 0o600 });
  time = new ManualTime(Date.parse('2026-12-01T02:30:00Z'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function issuer(options: { keyId?: string; centreKey?: string } = {}): Promise<StaffTokenIssuer> {
  const config = staffTokensConfigSchema.parse({
    issuer: ISSUER,
    privateKeyFile: keyFile,
    keyId: options.keyId ?? 'k1',
  });
  const minted = new StaffTokenIssuer({
    config,
    centreKey: await loadCentreKey(options.centreKey ?? centreKeyFile),
    now: time.now,
    randomId: randomUUID,
  });
  await minted.start();
  return minted;
}

const deviceVerifies = (token: string, deviceId = DEVICE) =>
  verifyStaffToken(
    token,
    { issuer: ISSUER, keys: [publicKey], deviceId, maxLifetimeSeconds: 43_200, clockToleranceSeconds: 60 },
    time.now() as EpochMillis,
  );

const look = {
  staffId: STAFF,
  deviceId: DEVICE,
  scope: 'view' as const,
  until: Date.parse('2026-12-01T02:45:00Z'),
};

describe('minting a look token', () => {
  it('the_devices_own_verifier_accepts_the_token', async () => {
    const { token, claims } = await (await issuer()).mint(look);

    const verdict = await deviceVerifies(token);

    expect(verdict).toEqual({
      ok: true,
      claims: {
        tokenId: claims.jti,
        staffId: STAFF,
        scope: 'view',
        reason: undefined,
        issuedAt: time.now(),
        expiresAt: time.now() + 600_000,
      },
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' });
    expect((await deviceVerifies(token, 'dev-norr-0002')).ok).toBe(false);
  });

  it('the_lifetime_is_at_most_ten_minutes_and_ends_with_the_window', async () => {
    const tokens = await issuer();

    const long = await tokens.mint({ ...look, until: time.now() + HOUR });
    const short = await tokens.mint({ ...look, until: time.now() + 90_500 });

    expect(long.claims.exp - long.claims.iat).toBe(600);
    expect(short.claims.exp - short.claims.iat).toBe(90);
  });

  it('a_closed_window_mints_nothing', async () => {
    await expect((await issuer()).mint({ ...look, until: time.now() + 999 })).rejects.toMatchObject({
      code: 'outside_window',
      status: 403,
    });
  });

  it('an_emergency_look_needs_a_reason_and_the_device_sees_it', async () => {
    const tokens = await issuer();
    await expect(tokens.mint({ ...look, scope: 'emergency', reason: '  ' })).rejects.toMatchObject({
      code: 'reason_required',
    });

    const { token } = await tokens.mint({ ...look, scope: 'emergency', reason: ' larm från sängvakt ' });

    expect(await deviceVerifies(token)).toMatchObject({
      ok: true,
      claims: { scope: 'emergency', reason: 'larm från sängvakt' },
    });
  });

  it('every_look_gets_its_own_jti', async () => {
    const tokens = await issuer();

    const a = await tokens.mint(look);
    const b = await tokens.mint(look);

    expect(a.claims.jti).not.toBe(b.claims.jti);
    expect(a.token).not.toBe(b.token);
  });
});

describe('re-minting from the look handle', () => {
  it('the_re_minted_token_is_byte_identical_later_and_at_another_instance', async () => {
    const minted = await (await issuer()).mint(look);
    time.advance(5 * 60_000);

    const again = await (await issuer()).remint(minted.handle, { staffId: STAFF, deviceId: DEVICE });

    expect(again).toBe(minted.token);
  });

  it('the_handle_carries_no_token', async () => {
    const { token, handle } = await (await issuer()).mint(look);

    const signature = token.split('.')[2]!;
    expect(handle).not.toContain(signature);
    expect(Buffer.from(handle.split('.')[1]!, 'base64url').toString()).not.toContain(token.split('.')[0]!);
  });

  it('a_handle_is_refused_for_another_staff_member_or_device', async () => {
    const tokens = await issuer();
    const { handle } = await tokens.mint(look);

    await expect(tokens.remint(handle, { staffId: 'SE-other', deviceId: DEVICE })).rejects.toMatchObject({
      code: 'look_handle_invalid',
      status: 403,
    });
    await expect(tokens.remint(handle, { staffId: STAFF, deviceId: 'dev-norr-0002' })).rejects.toMatchObject({
      code: 'look_handle_invalid',
    });
  });

  it('a_tampered_handle_or_one_from_another_centre_key_is_refused', async () => {
    const tokens = await issuer();
    const { handle } = await tokens.mint(look);
    const [h, p, s] = handle.split('.');
    const body = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const longer = Buffer.from(JSON.stringify({ ...body, exp: body.exp + 3600 })).toString('base64url');
    const otherKey = path.join(dir, 'other.key');
    await writeFile(otherKey, randomBytes(48).toString('base64'), { mode: 0o600 });

    await expect(
      tokens.remint(`${h}.${longer}.${s}`, { staffId: STAFF, deviceId: DEVICE }),
    ).rejects.toMatchObject({
      code: 'look_handle_invalid',
    });
    await expect(
      (await issuer({ centreKey: otherKey })).remint(handle, { staffId: STAFF, deviceId: DEVICE }),
    ).rejects.toMatchObject({ code: 'look_handle_invalid' });
  });

  it('after_an_issuer_key_rotation_a_handle_is_stale', async () => {
    const { handle } = await (await issuer()).mint(look);

    await expect(
      (await issuer({ keyId: 'k2' })).remint(handle, { staffId: STAFF, deviceId: DEVICE }),
    ).rejects.toMatchObject({
      code: 'look_handle_stale',
    });
  });

  it('once_the_token_has_expired_the_handle_re_mints_nothing', async () => {
    const tokens = await issuer();
    const { handle } = await tokens.mint(look);
    time.advance(600_000 - 1);
    await expect(tokens.remint(handle, { staffId: STAFF, deviceId: DEVICE })).resolves.toBeTypeOf('string');

    time.advance(1);

    await expect(tokens.remint(handle, { staffId: STAFF, deviceId: DEVICE })).rejects.toMatchObject({
      code: 'token_expired',
    });
  });
});

describe('the issuer key file', () => {
  it.each([0o644, 0o640, 0o604])('mode_%o_is_refused_at_start', async (mode) => {
    await chmod(keyFile, mode);

    await expect(issuer()).rejects.toThrow(/too open for a secret \(must be 0600 or stricter\)/);
  });

  it('mode_0400_is_accepted', async () => {
    await chmod(keyFile, 0o400);

    await expect(issuer()).resolves.toBeInstanceOf(StaffTokenIssuer);
  });

  it('a_key_that_is_not_ed25519_is_refused', async () => {
    const p256 = await generateKeyPair('ES256', { extractable: true });
    await writeFile(keyFile, await exportPKCS8(p256.privateKey), { mode: 0o600 });

    await expect(issuer()).rejects.toThrow('not an Ed25519 private key');
  });

  it('a_lifetime_over_ten_minutes_is_a_config_error', () => {
    const parsed = staffTokensConfigSchema.safeParse({
      issuer: ISSUER,
      privateKeyFile: keyFile,
      keyId: 'k1',
      maxLifetimeSeconds: 601,
    });

    expect(parsed.success).toBe(false);
  });
});
