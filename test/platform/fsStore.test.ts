import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore, writeFileAtomic } from '../../src/platform/fsStore.ts';
import { recordingFs } from '../fixtures/recordingFs.ts';

let root: string;
let dir: string;
let store: FsStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nattsyn-fsstore-'));
  dir = join(root, 'state');
  store = new FsStore(dir);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

describe('FsStore', () => {
  it('lists nothing and reads undefined before the folder exists', async () => {
    expect(await store.list('')).toEqual([]);
    expect(await store.read('audit.head.json')).toBeUndefined();
  });

  it('creates the folder (0700) and files (0600) on first append, and appends in order', async () => {
    await store.append('a.jsonl', 'one\n');
    await store.append('a.jsonl', 'två\n');
    expect(await store.read('a.jsonl')).toBe('one\ntvå\n');
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'a.jsonl'))).toBe(0o600);
  });

  it('lists names with a prefix, sorted, leaving out temp files', async () => {
    await mkdir(dir, { recursive: true });
    for (const n of ['audit-2.jsonl', 'audit-1.jsonl', 'other.json', 'audit-3.jsonl.123.tmp']) {
      await writeFile(join(dir, n), 'x');
    }
    expect(await store.list('audit-')).toEqual(['audit-1.jsonl', 'audit-2.jsonl']);
  });

  it('truncates to a byte length', async () => {
    await store.append('a.jsonl', 'åäö\n');
    await store.truncate('a.jsonl', 2);
    expect(await store.read('a.jsonl')).toBe('å');
    await expect(store.truncate('missing.jsonl', 0)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces a file atomically, leaving no temp file, with the store mode', async () => {
    await store.writeAtomic('head.json', '{"seq":1}');
    await store.writeAtomic('head.json', '{"seq":2}');
    expect(await store.read('head.json')).toBe('{"seq":2}');
    expect(await readdir(dir)).toEqual(['head.json']);
    expect(await modeOf(join(dir, 'head.json'))).toBe(0o600);
    const open = new FsStore(dir, { mode: 0o640 });
    await open.writeAtomic('public.json', '{}');
    expect(await modeOf(join(dir, 'public.json'))).toBe(0o640);
  });

  it('survives concurrent atomic writes of one file: the result is one whole version', async () => {
    const versions = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ seq: i, pad: 'x'.repeat(200 - i * 10) }),
    );
    const results = await Promise.allSettled(versions.map((v) => store.writeAtomic('audit.cursor.json', v)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(versions).toContain(await store.read('audit.cursor.json'));
    expect(await readdir(dir)).toEqual(['audit.cursor.json']);
  });

  it('removes files, and removing a missing one is not an error', async () => {
    await store.append('a.jsonl', 'x\n');
    await store.remove('a.jsonl');
    await store.remove('a.jsonl');
    expect(await store.list('')).toEqual([]);
  });

  it.each(['../escape', 'sub/file', '.hidden', ''])('refuses the file name %j', async (name) => {
    await expect(store.read(name)).rejects.toThrow(/bad store file name/);
    await expect(store.append(name, 'x')).rejects.toThrow(/bad store file name/);
  });

  it('reports errors other than a missing file instead of hiding them', async () => {
    await mkdir(join(dir, 'adir'), { recursive: true });
    await expect(store.read('adir')).rejects.toMatchObject({ code: 'EISDIR' });
    const fileAsDir = new FsStore(join(dir, 'adir', 'x'));
    await writeFile(join(dir, 'adir', 'x'), 'not a folder');
    await expect(fileAsDir.list('')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('writeFileAtomic', () => {
  it('writes bytes, creating the parent folder', async () => {
    const file = join(root, 'deep', 'er', 'key.bin');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(file))]).toEqual([1, 2, 3]);
    expect(await modeOf(file)).toBe(0o600);
  });
});

describe('what FsStore waits for (every fsync watched on the real disk)', () => {
  it('resolves_an_append_only_after_the_file_and_for_a_new_file_its_folder_were_fsynced', async () => {
    const watched = recordingFs([dir]);
    const synced = new FsStore(dir, { fs: watched.fs });
    await synced.append('a.jsonl', 'one\n');
    expect(watched.ops).toEqual(['sync a.jsonl', 'sync state/']);
    await synced.append('a.jsonl', 'two\n');
    expect(watched.ops).toEqual(['sync a.jsonl', 'sync state/', 'sync a.jsonl']);
  });

  it('does_not_resolve_an_append_while_its_fsync_is_pending', async () => {
    const watched = recordingFs([dir]);
    const synced = new FsStore(dir, { fs: watched.fs });
    const release = watched.hold();
    let done = false;
    const appending = synced.append('a.jsonl', 'one\n').then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release();
    await appending;
    expect(done).toBe(true);
  });

  it('replaces_atomically_by_fsyncing_the_temp_file_renaming_it_then_fsyncing_the_folder', async () => {
    const watched = recordingFs([dir]);
    await new FsStore(dir, { fs: watched.fs }).writeAtomic('head.json', '{"seq":1}');
    expect(watched.ops).toHaveLength(3);
    expect(watched.ops[0]).toMatch(/^sync head\.json\.\d+\.\d+\.tmp$/);
    expect(watched.ops[1]).toMatch(/^rename head\.json\.\d+\.\d+\.tmp -> head\.json$/);
    expect(watched.ops[2]).toBe('sync state/');
  });
});
