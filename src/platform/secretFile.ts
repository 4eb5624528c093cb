/**
 * Reads a secret from a file whose permissions say only its owner may read it. A key that other
 * accounts on the machine can read is as good as published, so the process refuses to start on one
 * rather than warn (ETSI EN 303 645, provision 5.4: sensitive security parameters stored securely).
 */
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

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
