/**
 * The real DurableStore: a folder on disk whose writes reach stable storage before they resolve.
 * Everything the service persists goes through here (state directory: identity, policy, audit).
 * The filesystem itself is a port too, so a test can watch every fsync happen in its place.
 */
import { constants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import * as path from 'node:path';
import type { DurableStore } from './appendLog.ts';

/** The calls of node:fs/promises this module makes. */
export type FileSystem = Pick<
  typeof nodeFs,
  'open' | 'mkdir' | 'readdir' | 'readFile' | 'rm' | 'rename' | 'access'
>;

export class FsStore implements DurableStore {
  readonly dir: string;
  readonly #mode: number;
  readonly #fs: FileSystem;

  constructor(dir: string, options: { mode?: number; fs?: FileSystem } = {}) {
    this.dir = dir;
    this.#mode = options.mode ?? 0o600;
    this.#fs = options.fs ?? nodeFs;
  }

  async list(prefix: string): Promise<string[]> {
    const names = await this.#fs.readdir(this.dir).catch(ifMissing([] as string[]));
    return names.filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp')).sort();
  }

  async read(name: string): Promise<string | undefined> {
    return this.#fs.readFile(this.#path(name), 'utf8').catch(ifMissing(undefined));
  }

  async append(name: string, text: string): Promise<void> {
    const fs = this.#fs;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.#path(name);
    const created = !(await exists(fs, file));
    // O_NOFOLLOW: a link planted after start (prepareStateDir refuses one before) is never written through.
    const handle = await fs.open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      this.#mode,
    );
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDir(fs, this.dir);
  }

  async truncate(name: string, bytes: number): Promise<void> {
    const handle = await this.#fs.open(this.#path(name), constants.O_RDWR | constants.O_NOFOLLOW);
    try {
      await handle.truncate(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async writeAtomic(name: string, text: string): Promise<void> {
    await writeFileAtomic(this.#path(name), text, this.#mode, this.#fs);
  }

  async remove(name: string): Promise<void> {
    await this.#fs.rm(this.#path(name), { force: true });
    await syncDir(this.#fs, this.dir);
  }

  #path(name: string): string {
    if (!name || name !== path.basename(name) || name.startsWith('.'))
      throw new Error(`bad store file name: ${name}`);
    return path.join(this.dir, name);
  }
}

let tempCounter = 0;

/** Writes a file so that a crash leaves either the old or the new content: temp, fsync, rename, fsync dir. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
  fs: FileSystem = nodeFs,
): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // One temp file per call: concurrent writes of the same file must not share (and mix) one.
  // The pid lets prepareStateDir sweep the temps of a writer that died (kill -9) and keep a live one's.
  const temp = `${file}.${process.pid}.${++tempCounter}.tmp`;
  // `wx`: never write through a file (or link) that is already there.
  const handle = await fs.open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    // A full disk or a failed rename must not leave the temp behind (issue 9, item 8).
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDir(fs, dir);
}

async function syncDir(fs: FileSystem, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(fs: FileSystem, file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function ifMissing<T>(fallback: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  };
}
