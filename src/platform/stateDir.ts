/**
 * The state directory's hygiene, checked once at start before anything reads or writes it. The
 * audit log, the policy and the identity live there, so a directory other users can write, or a
 * symbolic link that redirects an append out of it, would let anyone rewrite what the resident was
 * promised (issue 13, item 11): both stop the start with one clear error. Temp files a full disk or
 * a kill -9 left behind (`writeFileAtomic`) are swept, except a live process's (issue 9, item 8).
 */
import * as nodeFs from 'node:fs/promises';
import * as path from 'node:path';
import { NattsynError } from '../errors.ts';

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
