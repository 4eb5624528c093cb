/**
 * The files a process reads and checks before it starts, each refused with one clear error rather
 * than a warning: the config file (missing or not JSON is a usage error), the secrets it names, and
 * the state directory.
 *
 * A secret is read only from a file whose permissions say only its owner may read it. A key that
 * other accounts on the machine can read is as good as published, so the process refuses to start
 * on one (ETSI EN 303 645, provision 5.4: sensitive security parameters stored securely).
 *
 * The state directory's hygiene is checked once, before anything reads or writes it. The audit log,
 * the policy and the identity live there, so a directory other users can write, or a symbolic link
 * that redirects an append out of it, would let anyone rewrite what the resident was promised
 * (issue 13, item 11). Temp files a full disk or a kill -9 left behind (`writeFileAtomic`) are
 * swept, except a live process's (issue 9, item 8).
 */
import * as nodeFs from 'node:fs/promises';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { NattsynError, UsageError } from '../errors.ts';

/** The file's absolute path and its parsed JSON (not yet validated). */
export async function readConfigJson(file: string): Promise<{ absolute: string; raw: unknown }> {
  const absolute = path.resolve(file);
  try {
    return { absolute, raw: JSON.parse(await readFile(absolute, 'utf8')) };
  } catch (cause) {
    throw new UsageError(`${absolute}: cannot read the configuration as JSON (${(cause as Error).message})`);
  }
}

/** What a secret reader touches of the filesystem (tests pass the real one on temp files). */
export interface SecretFs {
  stat(file: string): Promise<{ mode: number; isFile(): boolean }>;
  readFile(file: string): Promise<Buffer>;
}

export const nodeSecretFs: SecretFs = {
  stat: (file) => stat(file),
  readFile: (file) => readFile(file),
};

/** Permission bits a secret may not have: `owner-only` allows 0600 or stricter, `not-world` also group. */
const FORBIDDEN_BITS = { 'owner-only': 0o077, 'not-world': 0o007 } as const;
export type SecretAccess = keyof typeof FORBIDDEN_BITS;

/**
 * The file's bytes, or a UsageError naming the file (never its content) when it is missing, not a
 * regular file, or readable beyond what `access` allows.
 */
export async function readSecretFile(
  file: string,
  access: SecretAccess,
  fs: SecretFs = nodeSecretFs,
): Promise<Buffer> {
  let info: Awaited<ReturnType<SecretFs['stat']>>;
  try {
    info = await fs.stat(file);
  } catch {
    throw new UsageError(`${file}: cannot read the secret file`);
  }
  if (!info.isFile()) throw new UsageError(`${file}: the secret must be a regular file`);
  const extra = info.mode & FORBIDDEN_BITS[access];
  if (extra !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    const wanted = access === 'owner-only' ? '0600 or stricter' : 'not readable by other users';
    throw new UsageError(`${file}: mode ${mode} is too open for a secret (must be ${wanted})`);
  }
  return fs.readFile(file);
}

/** Reads a public file the config names (a certificate, a CA), naming the config path when it cannot. */
export async function readPublicFile(file: string, where: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    throw new UsageError(`${where}: cannot read ${file}`);
  }
}

/** `readSecretFile` with its complaint prefixed by the config path that named the file. */
export async function readConfiguredSecret(
  file: string,
  where: string,
  access: SecretAccess,
): Promise<Buffer> {
  try {
    return await readSecretFile(file, access);
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`${where}: ${error.message}`) : error;
  }
}

export type StateDirFs = Pick<typeof nodeFs, 'stat' | 'lstat' | 'readdir' | 'rm'>;

export interface StateDirDeps {
  fs?: StateDirFs;
  /** Whether a process id is running (a temp file of a live writer is never swept). */
  isAlive?: (pid: number) => boolean;
}

/** `writeFileAtomic`'s temp names: `<file>.<pid>.<n>.tmp`. */
const TEMP = /\.(\d+)\.\d+\.tmp$/;

export async function prepareStateDir(
  dir: string,
  deps: StateDirDeps = {},
): Promise<{ removedTemps: string[] }> {
  const fs = deps.fs ?? nodeFs;
  const info = await fs.stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  // A missing directory is created 0700 by the first write (FsStore).
  if (!info) return { removedTemps: [] };
  if (!info.isDirectory()) throw insecure(`${dir} is not a directory`);
  if ((info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw insecure(
      `${dir} is writable by other users (mode ${mode}); make it 0700, owned by the service user`,
    );
  }
  const names = (await fs.readdir(dir)).sort();
  const links: string[] = [];
  for (const name of names) {
    if ((await fs.lstat(path.join(dir, name))).isSymbolicLink()) links.push(name);
  }
  if (links.length > 0) {
    throw insecure(
      `${dir} holds symbolic links (${links.join(', ')}); the service writes only regular files there, remove them`,
    );
  }
  const isAlive = deps.isAlive ?? processIsAlive;
  const removedTemps: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.tmp'))) {
    const pid = Number(TEMP.exec(name)?.[1]);
    if (Number.isInteger(pid) && (pid === process.pid || isAlive(pid))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removedTemps.push(name);
  }
  return { removedTemps };
}

function insecure(message: string): NattsynError {
  return new NattsynError('state_insecure', message);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
