/**
 * Issue 13, item 14: the config can pin install tokens to keys of their own (`tokens.installKeys`),
 * so the installers' tooling, which holds such a key, cannot mint a token that looks into a bedroom.
 * Checked through the running service's token check (`GET /api/state`), as a viewer would meet it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../src/cli/keys.ts';
import { configSchema, loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { type RunningService, startService } from '../src/main.ts';
import { epochMillis, mintStaffToken, type Scope } from '../src/policy/index.ts';

const ISSUER = 'https://care.example';
const DEVICE = 'dev-install-keys';
let dir: string;
let service: RunningService;
const keys: Record<'issuer' | 'installer' | 'policy', { privatePem: string; publicPem: string }> =
  {} as never;

async function writeConfig(name: string, installKeys: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    JSON.stringify({
      deviceId: DEVICE,
      stateDir: `state-${name}`,
      policy: { publicKey: 'policy.pub' },
      tokens: { issuer: ISSUER, publicKeys: ['issuer.pub'], installKeys },
      clock: { assumeSynced: true },
      log: { level: 'silent' },
      stream: { port: 0 },
    }),
  );
  return file;
}

async function token(signer: 'issuer' | 'installer', scope: Scope): Promise<string> {
  return mintStaffToken(
    {
      issuer: ISSUER,
      deviceId: DEVICE,
      staffId: 'inst-1',
      scope,
      ttlSeconds: 600,
      tokenId: randomUUID(),
      now: epochMillis(Date.now()),
      ...(scope === 'emergency' ? { reason: 'fall alarm' } : {}),
    },
    await importPKCS8(keys[signer].privatePem, 'EdDSA'),
  );
}

async function state(bearer: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${service.url}/api/state`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-install-keys-'));
  for (const name of ['issuer', 'installer', 'policy'] as const) {
    keys[name] = await newKeyPair();
    await writeFile(path.join(dir, `${name}.pub`), keys[name].publicPem);
  }
  const loaded = await loadConfig(await writeConfig('config.json', ['installer.pub']), configSchema);
  service = await startService(loaded, silentLogger);
});

afterAll(async () => {
  await service?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('install tokens pinned to their own keys', () => {
  it('lets the install key sign install tokens only, and the issuer key every other scope', async () => {
    expect(await state(await token('installer', 'install'))).toEqual({ status: 200, code: undefined });
    expect(await state(await token('issuer', 'view'))).toEqual({ status: 200, code: undefined });
    expect(await state(await token('installer', 'view'))).toEqual({ status: 403, code: 'wrong_scope' });
    expect(await state(await token('installer', 'emergency'))).toEqual({ status: 403, code: 'wrong_scope' });
    expect(await state(await token('issuer', 'install'))).toEqual({ status: 403, code: 'wrong_scope' });
  });

  it('refuses a config that pins one key both as issuer key and as install key', async () => {
    const file = await writeConfig('same.json', ['issuer.pub']);
    await expect(loadConfig(file, configSchema)).rejects.toThrow(
      'tokens.installKeys.0: issuer.pub is also in tokens.publicKeys',
    );
  });
});
