/**
 * The state directory at start. Issue 13, item 11: a directory other users can write, or a symbolic
 * link that would carry an audit append out of it, stops the start with a clear error, and a link
 * planted later is never written through. Issue 9, item 8: a full disk (a real tmpfs) leaves no temp
 * file, and the temp a kill -9 left behind is swept at the next start, a live writer's kept.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../../src/cli/keys.ts';
import { configSchema, loadConfig } from '../../src/config.ts';
import { NattsynError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { startService } from '../../src/main.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { prepareStateDir } from '../../src/platform/startupFiles.ts';
import { startChild } from '../support/child.ts';

let dir: string;
let stateDir: string;
let configFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-statedir-'));
  for (const name of ['issuer', 'policy']) {
    await writeFile(path.join(dir, `${name}.pub`), (await newKeyPair()).publicPem);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function freshState(): Promise<void> {
  stateDir = await mkdtemp(path.join(dir, 'state-'));
  configFile = path.join(dir, `${path.basename(stateDir)}.json`);
  await writeFile(
    configFile,
    JSON.stringify({
      deviceId: 'dev-statedir',
      stateDir,
      policy: { publicKey: 'policy.pub' },
      tokens: { issuer: 'https://care.example', publicKeys: ['issuer.pub'] },
      clock: { assumeSynced: true },
      log: { level: 'silent' },
      stream: { port: 0 },
      camera: { driver: 'synthetic' },
    }),
  );
}

async function startRefused(): Promise<NattsynError> {
  const loaded = await loadConfig(configFile, configSchema);
  const error = await startService(loaded, silentLogger).then(
    async (service) => {
      await service.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!(error instanceof NattsynError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('state directory hygiene at start', () => {
  it('refuses_to_start_on_a_state_directory_every_user_can_write', async () => {
    await freshState();
    await chmod(stateDir, 0o777);
    const error = await startRefused();
    expect(error.code).toBe('state_insecure');
    expect(error.message).toBe(
      `${stateDir} is writable by other users (mode 0777); make it 0700, owned by the service user`,
    );
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('refuses_to_start_when_an_audit_segment_links_out_of_the_directory_and_writes_nothing_there', async () => {
    await freshState();
    const outside = path.join(dir, 'elsewhere.txt');
    await writeFile(outside, 'not the audit log\n');
    await symlink(outside, path.join(stateDir, 'audit-000000000001.jsonl'));
    const error = await startRefused();
    expect(error.code).toBe('state_insecure');
    expect(error.message).toContain('symbolic links (audit-000000000001.jsonl)');
    expect(await readFile(outside, 'utf8')).toBe('not the audit log\n');
  });

  it('never_appends_through_a_link_planted_after_start', async () => {
    await freshState();
    const outside = path.join(dir, 'planted.txt');
    await writeFile(outside, '');
    await symlink(outside, path.join(stateDir, 'audit-000000000002.jsonl'));
    const store = new FsStore(stateDir);
    await expect(store.append('audit-000000000002.jsonl', '{"seq":2}\n')).rejects.toMatchObject({
      code: 'ELOOP',
    });
    await expect(store.truncate('audit-000000000002.jsonl', 0)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(await readFile(outside, 'utf8')).toBe('');
  });
});

describe('temp files of atomic writes', () => {
  let mounted: string | undefined;
  afterEach(async () => {
    if (mounted) execFileSync('umount', [mounted]);
    mounted = undefined;
  });

  it('leaves_no_temp_file_when_the_disk_is_full', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and needs root');
    const full = await mkdtemp(path.join(dir, 'full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'nattsyn-full', full]);
    mounted = full;
    await writeFile(path.join(full, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
    const store = new FsStore(full);
    for (let i = 0; i < 5; i++) {
      await expect(store.writeAtomic('policy.jws', 'x'.repeat(8192))).rejects.toMatchObject({
        code: 'ENOSPC',
      });
    }
    expect((await readdir(full)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('sweeps_the_temp_a_killed_writer_left_and_keeps_a_live_writers', async () => {
    await freshState();
    const writer = startChild(path.join(import.meta.dirname, 'fixtures/tempWriter.ts'), {
      file: path.join(stateDir, 'policy.jws'),
    });
    await writer.line(/^writing \d+$/);
    await writer.kill9();
    const sleeper = spawn('sleep', ['30']);
    const live = `pause.json.${sleeper.pid}.1.tmp`;
    await writeFile(path.join(stateDir, live), '{}');
    const left = (await readdir(stateDir)).filter((n) => n.endsWith('.tmp'));
    expect(left).toHaveLength(2);
    try {
      const { removedTemps } = await prepareStateDir(stateDir);
      expect(removedTemps).toEqual(left.filter((n) => n !== live));
      expect((await readdir(stateDir)).filter((n) => n.endsWith('.tmp'))).toEqual([live]);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
