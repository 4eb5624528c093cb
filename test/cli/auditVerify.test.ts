/**
 * `nattsyn audit verify` (issue 13 item 12): a path argument is a usage error, a missing or empty
 * state directory is a failure and never "intact", and a registered device's log cut short after
 * its head and cursor files were deleted fails against the checkpoint signed with the identity key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog } from '../../src/policy/index.ts';

let dir: string;
let out: string[];
let err: string[];
const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
const verify = (...argv: string[]) => main(['audit', 'verify', ...argv], io);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-verify-'));
  out = [];
  err = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A registered device's state directory: its identity key, and a log whose checkpoints it signed. */
async function registeredState(records: number): Promise<string> {
  const state = path.join(dir, 'state');
  await mkdir(state, { mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path.join(state, 'identity.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const log = new AuditLog({
    store: new FsStore(state),
    sha256: sha256Hex,
    time: systemTime,
    checkpointKey: privateKey,
  });
  await log.open();
  for (let i = 0; i < records; i++)
    await log.append({ type: 'deny', actor: `staff-${i}`, code: 'outside_window' });
  await log.checkpoint();
  return state;
}

describe('nattsyn audit verify', () => {
  it('refuses_a_path_given_without_state_as_a_usage_error', async () => {
    expect(await verify('/some/path')).toBe(2);
    expect(err.join('')).toMatch(/Unexpected argument|positional/i);
    expect(out).toEqual([]);
  });

  it('fails_a_missing_state_directory_and_one_without_records_never_calling_them_intact', async () => {
    expect(await verify('--state', path.join(dir, 'nowhere'))).toBe(1);
    expect(err.join('')).toContain('no state directory');
    await mkdir(path.join(dir, 'empty'));
    expect(await verify('--state', path.join(dir, 'empty'))).toBe(1);
    expect(err.join('')).toContain('no audit records');
    expect(out.join('')).not.toContain('intact');
  });

  it('passes_a_registered_devices_log_against_its_signed_checkpoint', async () => {
    const state = await registeredState(5);
    expect(await verify('--state', state)).toBe(0);
    expect(out.join('')).toContain('audit log intact: 5 records, seq 1..5, signed checkpoint at seq 5');
  });

  it('fails_a_log_cut_short_with_its_head_and_cursor_files_deleted', async () => {
    const state = await registeredState(8);
    const segment = path.join(state, 'audit-000000000001.jsonl');
    const lines = (await readFile(segment, 'utf8')).split('\n').filter(Boolean);
    await writeFile(segment, `${lines.slice(0, 5).join('\n')}\n`);
    await unlink(path.join(state, 'audit.head.json'));
    await unlink(path.join(state, 'audit.cursor.json')).catch(() => undefined);
    expect(await verify('--state', state)).toBe(1);
    expect(out.join('')).toContain('audit log broken at seq 6: log truncated: the checkpoint names seq 8');
  });

  it('checks_a_copied_log_with_the_devices_public_key_and_refuses_it_without_the_checkpoint', async () => {
    const state = await registeredState(3);
    const pem = await readFile(path.join(state, 'identity.key'), 'utf8');
    const { createPublicKey } = await import('node:crypto');
    const pub = path.join(dir, 'device.pub');
    await writeFile(pub, createPublicKey(pem).export({ type: 'spki', format: 'pem' }));
    await unlink(path.join(state, 'identity.key'));
    expect(await verify('--state', state, '--key', pub)).toBe(0);
    await unlink(path.join(state, 'audit.checkpoint.jws'));
    expect(await verify('--state', state, '--key', pub)).toBe(1);
    expect(out.at(-1)).toContain('no signed checkpoint');
  });
});
