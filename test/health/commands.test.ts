import { readFileSync } from 'node:fs';
import { generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CommandRegistry, signCommand, verifyCommand } from '../../src/health/commands.ts';
import type { CommandBody } from '../../src/health/payloads.ts';
import { signPolicy } from '../../src/policy/index.ts';

const NOW = Date.parse('2026-11-23T01:00:00Z');
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
beforeAll(async () => {
  keys = await generateKeyPair('EdDSA');
});

const body = (over: Partial<CommandBody> = {}): CommandBody => ({
  deviceId: 'dev-1',
  name: 'selftest',
  id: 'cmd-00000001',
  issuedAt: new Date(NOW - 1000).toISOString(),
  expiry: new Date(NOW + 60_000).toISOString(),
  ...over,
});
const verify = async (jws: string, name = 'selftest') =>
  verifyCommand(jws, name, { publicKey: keys.publicKey, deviceId: 'dev-1', now: NOW });

describe('signed commands', () => {
  it('accept a fresh command for this device signed by the pinned key', async () => {
    expect(await verify(await signCommand(body(), keys.privateKey))).toEqual({ ok: true, command: body() });
  });

  it('refuse another key, another device, another topic name, an expired or too long-lived command', async () => {
    const other = await generateKeyPair('EdDSA');
    const cases: Array<[Promise<string>, string]> = [
      [signCommand(body(), other.privateKey), 'cmd_bad_signature'],
      [signCommand(body({ deviceId: 'dev-2' }), keys.privateKey), 'cmd_wrong_device'],
      [signCommand(body({ name: 'ping' }), keys.privateKey), 'cmd_wrong_name'],
      [signCommand(body({ expiry: new Date(NOW - 1).toISOString() }), keys.privateKey), 'cmd_expired'],
      [signCommand(body({ expiry: new Date(NOW + 3600_000).toISOString() }), keys.privateKey), 'cmd_expired'],
    ];
    for (const [jws, code] of cases) expect(await verify(await jws)).toMatchObject({ ok: false, code });
  });

  it('refuse a signed policy presented as a command (explicit typ)', async () => {
    const policy = await signPolicy(
      { deviceId: 'dev-1', version: 1, issuedAt: new Date(NOW).toISOString() },
      keys.privateKey,
    );
    expect(await verify(policy)).toEqual({ ok: false, code: 'cmd_bad_signature' });
    expect(await verify('not a jws')).toEqual({ ok: false, code: 'cmd_bad_signature' });
  });

  it('ship ping and take more handlers', async () => {
    const registry = new CommandRegistry();
    registry.register('selftest', async () => ({ ok: true }));
    expect(registry.names()).toEqual(['ping', 'selftest']);
    expect(await registry.get('ping')!(body({ name: 'ping' }))).toEqual({ pong: true });
  });
});

describe('frame checks stay in memory', () => {
  it('the thumbnail and frame-check modules import nothing that writes files', () => {
    for (const file of ['frames.ts', 'thumbnail.ts']) {
      const text = readFileSync(new URL(`../../src/health/${file}`, import.meta.url), 'utf8');
      expect(text, file).not.toMatch(/node:fs|writeFile|createWriteStream|FsStore|toFile\(/);
    }
  });
});
