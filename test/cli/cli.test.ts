import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { coreConfigSchema, loadConfig } from '../../src/config.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog, epochMillis, verifyPolicy, verifyStaffToken } from '../../src/policy/index.ts';

const run = promisify(execFile);
const CLI = path.resolve('src/cli.ts');

let dir: string;
let out: string[];
let err: string[];
const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
const cli = (...argv: string[]) => main(argv, io);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-cli-'));
  out = [];
  err = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeConfig(extra: object = {}) {
  const file = path.join(dir, 'config.json');
  const config = {
    deviceId: 'dev-cli-1',
    stateDir: 'state',
    policy: { publicKey: 'keys/policy.pub' },
    tokens: { issuer: 'https://care.example', publicKeys: ['keys/issuer.pub'] },
    ...extra,
  };
  await writeFile(file, JSON.stringify(config));
  return file;
}

describe('nattsyn keys, token and policy sign', () => {
  it('mints_a_token_that_the_device_configuration_accepts', async () => {
    expect(await cli('keys', '--out', path.join(dir, 'keys'), '--name', 'issuer')).toBe(0);
    expect(await cli('keys', '--out', path.join(dir, 'keys'), '--name', 'policy')).toBe(0);
    expect((await stat(path.join(dir, 'keys/issuer.key'))).mode & 0o777).toBe(0o600);
    const loaded = await loadConfig(await writeConfig(), coreConfigSchema);
    const args = ['--key', path.join(dir, 'keys/issuer.key'), '--issuer', 'https://care.example'];
    expect(await cli('token', ...args, '--device', 'dev-cli-1', '--sub', 'nurse-1', '--ttl', '2h')).toBe(0);
    const verdict = await verifyStaffToken(
      out.at(-1),
      {
        issuer: 'https://care.example',
        keys: loaded.issuerKeys,
        deviceId: 'dev-cli-1',
        maxLifetimeSeconds: 43200,
        clockToleranceSeconds: 60,
      },
      epochMillis(Date.now()),
    );
    expect(verdict).toMatchObject({ ok: true, claims: { staffId: 'nurse-1', scope: 'view' } });
  });

  it('signs_a_policy_that_verifies_with_the_pinned_key', async () => {
    await cli('keys', '--out', path.join(dir, 'keys'), '--name', 'issuer');
    await cli('keys', '--out', path.join(dir, 'keys'), '--name', 'policy');
    const input = path.join(dir, 'policy.json');
    await writeFile(
      input,
      JSON.stringify({ deviceId: 'dev-cli-1', version: 3, issuedAt: '2026-11-23T10:00:00Z' }),
    );
    const signed = path.join(dir, 'policy.jws');
    expect(
      await cli('policy', 'sign', '--key', path.join(dir, 'keys/policy.key'), '--in', input, '--out', signed),
    ).toBe(0);
    const loaded = await loadConfig(await writeConfig(), coreConfigSchema);
    const verdict = await verifyPolicy((await readFile(signed, 'utf8')).trim(), {
      publicKey: loaded.policyKey,
      deviceId: 'dev-cli-1',
      currentVersion: 2,
    });
    expect(verdict).toMatchObject({ ok: true, policy: { body: { version: 3, maxViewers: 1 } } });
  });

  it('lists_every_policy_problem_as_path_and_message_and_exits_2', async () => {
    await cli('keys', '--out', path.join(dir, 'keys'), '--name', 'policy');
    const input = path.join(dir, 'policy.json');
    const bad = {
      deviceId: 'd',
      version: 0,
      issuedAt: 'x',
      windows: [{ id: 'w', start: '25:00', durationMinutes: 5, days: ['mon'] }],
      color: 1,
    };
    await writeFile(input, JSON.stringify(bad));
    expect(await cli('policy', 'sign', '--key', path.join(dir, 'keys/policy.key'), '--in', input)).toBe(2);
    const text = err.join('\n');
    expect(text).toContain('version:');
    expect(text).toContain('issuedAt:');
    expect(text).toContain('windows.0.start: expected a local time HH:MM');
    expect(text).toMatch(/color|Unrecognized key/);
  });

  it('refuses_usage_mistakes_with_exit_2', async () => {
    expect(await cli('token', '--scope', 'admin')).toBe(2);
    expect(await cli('token', '--bogus')).toBe(2);
    expect(await cli('nonsense')).toBe(2);
    expect(await cli('keys', '--out', dir)).toBe(2);
    expect(err.join('\n')).toContain('--name is required');
  });

  it('reports_every_config_problem_as_path_and_message', async () => {
    const file = await writeConfig({
      deviceId: '!',
      tokens: { issuer: '', publicKeys: [], clockToleranceSeconds: 600 },
    });
    await expect(loadConfig(file, coreConfigSchema)).rejects.toThrow(
      /deviceId: expected[\s\S]*tokens\.issuer:[\s\S]*tokens\.publicKeys:[\s\S]*tokens\.clockToleranceSeconds:/,
    );
  });
});

describe('nattsyn audit verify', () => {
  it('exits_0_on_an_intact_log_and_1_with_the_first_bad_seq_after_an_edit', async () => {
    const state = path.join(dir, 'state');
    const log = new AuditLog({
      store: new FsStore(state),
      sha256: sha256Hex,
      time: systemTime,
    });
    await log.open();
    for (const actor of ['a', 'b', 'c']) await log.append({ type: 'deny', actor, code: 'outside_window' });
    const ok = await run(process.execPath, [CLI, 'audit', 'verify', '--state', state]);
    expect(ok.stdout).toContain('intact: 3 records');
    const file = path.join(state, 'audit-000000000001.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"actor":"b"', '"actor":"x"'));
    const broken = await run(process.execPath, [CLI, 'audit', 'verify', '--state', state]).catch((e) => e);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('broken at seq 2');
  });
});
