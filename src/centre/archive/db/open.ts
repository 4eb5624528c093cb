/** Opens the configured database: the password (when any) is read from its file here, at start. */
import { readFile as readFileFs } from 'node:fs/promises';
import { UsageError } from '../../../errors.ts';
import type { ArchiveDatabaseConfig } from '../config.ts';
import { openPostgres } from './postgres.ts';
import type { SqlDatabase } from './sql.ts';
import { openSqlite } from './sqlite.ts';

export async function openDatabase(
  config: ArchiveDatabaseConfig,
  readFile: (file: string) => Promise<string> = (f) => readFileFs(f, 'utf8'),
): Promise<SqlDatabase> {
  if (config.kind === 'sqlite') return openSqlite(config.file);
  const read = (file: string, what: string) =>
    readFile(file).catch((cause) => {
      throw new UsageError(`archive.database.${what}: cannot read ${file}`, { cause });
    });
  const password = config.passwordFile ? (await read(config.passwordFile, 'passwordFile')).trim() : undefined;
  const ca = config.tls ? await read(config.tls.caFile, 'tls.caFile') : undefined;
  const server = config.url ? fromUrl(config.url) : config;
  return openPostgres({
    ...(server.host ? { host: server.host, port: server.port } : {}),
    ...(server.user ? { user: server.user } : {}),
    ...(server.database ? { database: server.database } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(ca ? { ssl: { ca } } : {}),
  });
}

/**
 * Splits the URL ourselves: `pg` lets a URL's (empty) password override the one from the file.
 * `?host=/run/postgresql` names a socket directory, as libpq allows.
 */
function fromUrl(url: string): { host?: string; port: number; user?: string; database?: string } {
  const u = new URL(url);
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  const user = decodeURIComponent(u.username);
  const database = decodeURIComponent(u.pathname.slice(1));
  return {
    ...(host ? { host } : {}),
    port: u.port ? Number(u.port) : 5432,
    ...(user ? { user } : {}),
    ...(database ? { database } : {}),
  };
}
