/**
 * Reading key and secret files named in a config: a secret that everyone on the machine can read is
 * refused at start (`<path>: <message>`), never discovered at the first request.
 */
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

/** Reads a secret file, refusing one that is readable by other users (mode o+r). */
export async function readSecretFile(file: string, where: string): Promise<Buffer> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    throw new UsageError(`${where}: cannot read ${file}`);
  }
  if ((mode & 0o004) !== 0) {
    throw new UsageError(`${where}: ${file} is readable by every user; chmod 600 it`);
  }
  try {
    return await readFile(file);
  } catch {
    throw new UsageError(`${where}: cannot read ${file}`);
  }
}

/** Reads a public file (a certificate, a CA): only whether it is readable matters. */
export async function readPublicFile(file: string, where: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    throw new UsageError(`${where}: cannot read ${file}`);
  }
}
