/**
 * The archive's two databases for a test file: a SQLite file in a temp dir, or a database on a real
 * PostgreSQL server (started once per file, reached over TCP with the password from its file, as
 * production does). `fresh()` gives an empty database each time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveDatabaseConfig } from '../../src/centre/archive/index.ts';
import { type PostgresServer, startPostgres } from './postgres.ts';

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_KINDS: DatabaseKind[] = ['sqlite', 'postgres'];

export interface DatabaseFixture {
  fresh(): Promise<ArchiveDatabaseConfig>;
  dispose(): Promise<void>;
}

export async function databaseFixture(kind: DatabaseKind): Promise<DatabaseFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-archive-'));
  let server: PostgresServer | undefined;
  if (kind === 'postgres') server = await startPostgres();
  let n = 0;
  return {
    async fresh() {
      if (!server) return { kind: 'sqlite', file: join(dir, `archive-${++n}.db`) };
      const database = await server.createDatabase();
      return {
        kind: 'postgres',
        host: '127.0.0.1',
        port: server.port,
        user: server.user,
        database,
        passwordFile: server.passwordFile,
      };
    },
    async dispose() {
      await server?.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
