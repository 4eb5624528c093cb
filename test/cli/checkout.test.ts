/**
 * Issue 9, item 16: the README names `nattsyn <command>`, so a checkout must run it. `./nattsyn`
 * at the root runs src/cli.ts with Node 22 (the machine's, or the one scripts/node22.sh keeps in
 * .tools/), from any folder; src/cli.ts also runs through a symlink, as npm's bin link (`npx`) does.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const WRAPPER = path.join(ROOT, 'nattsyn');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-checkout-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('running the CLI from a checkout', () => {
  it('runs ./nattsyn from another folder and passes its arguments and exit code through', async () => {
    const help = await run(WRAPPER, ['--help'], { cwd: dir });
    expect(help.stdout).toMatch(/^Usage: nattsyn <command>/);
    const keys = await run(WRAPPER, ['keys', '--out', path.join(dir, 'keys'), '--name', 'issuer'], {
      cwd: dir,
    });
    expect(keys.stderr).toBe('');
    await expect(run(WRAPPER, ['no-such-verb'], { cwd: dir })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "no-such-verb"'),
    });
  });

  it("uses the Node 22 in .tools/ when the machine's node is older", async () => {
    // A checkout whose .tools/ holds this Node 22 and whose PATH offers only a node that says it is 20.
    const checkout = path.join(dir, 'checkout');
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const tools = path.join(checkout, '.tools', `node-${process.versions.node}-${arch}`, 'bin');
    await mkdir(path.join(checkout, 'scripts'), { recursive: true });
    await mkdir(tools, { recursive: true });
    await copyFile(WRAPPER, path.join(checkout, 'nattsyn'));
    await copyFile(path.join(ROOT, 'scripts/node22.sh'), path.join(checkout, 'scripts/node22.sh'));
    for (const name of ['src', 'node_modules', 'package.json'])
      await symlink(path.join(ROOT, name), path.join(checkout, name));
    await symlink(process.execPath, path.join(tools, 'node'));
    const oldBin = path.join(dir, 'old-bin');
    await mkdir(oldBin);
    await writeFile(path.join(oldBin, 'node'), '#!/bin/sh\necho 20\n', { mode: 0o755 });
    const { stdout } = await run('bash', [path.join(checkout, 'nattsyn'), '--help'], {
      cwd: dir,
      env: { PATH: `${oldBin}:/usr/bin:/bin`, HOME: dir, NATTSYN_NODE_VERSION: process.versions.node },
    });
    expect(stdout).toMatch(/^Usage: nattsyn <command>/);
  });

  it('runs src/cli.ts through a symlink, as npm bin links and npx do', async () => {
    const link = path.join(dir, 'nattsyn-link.ts');
    await symlink(path.join(ROOT, 'src/cli.ts'), link);
    const { stdout } = await run(process.execPath, [link, '--help'], { cwd: dir });
    expect(stdout).toMatch(/^Usage: nattsyn <command>/);
  });

  it('passes shellcheck', async () => {
    await expect(run('shellcheck', ['-x', 'nattsyn'], { cwd: ROOT })).resolves.toBeDefined();
  });
});
