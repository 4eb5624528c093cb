/**
 * The centre's one database handle: opened and migrated at start, closed at stop, and shared by
 * everything that keeps state in it (the archive's ingest, revocations, the centre audit, the look
 * history, the "who looked" page, the roster labels). One pool per instance, not one per feature.
 */
import type { Logger } from '../../platform/ports.ts';
import type { ArchiveDatabaseConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import type { SqlDatabase } from './db/sql.ts';
import { loadMigrations, migrate } from './migrations.ts';

export interface CentreDatabaseDeps {
  config: ArchiveDatabaseConfig;
  log: Logger;
  now: () => number;
  open?: (config: ArchiveDatabaseConfig) => Promise<SqlDatabase>;
}

export class CentreDatabase {
  readonly #d: CentreDatabaseDeps;
  #db: SqlDatabase | undefined;

  constructor(deps: CentreDatabaseDeps) {
    this.#d = deps;
  }

  get db(): SqlDatabase {
    if (!this.#db) throw new Error('the centre database is not open');
    return this.#db;
  }

  async start(): Promise<void> {
    if (this.#db) return;
    const { config, log, now, open } = this.#d;
    this.#db = await openMigrated(config, log, now, open);
  }

  async stop(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    await db?.close();
  }
}

/** Opens the database and applies what migrations it lacks (closing it again if they fail). */
export async function openMigrated(
  config: ArchiveDatabaseConfig,
  log: Logger,
  now: () => number,
  open: (config: ArchiveDatabaseConfig) => Promise<SqlDatabase> = openDatabase,
): Promise<SqlDatabase> {
  const db = await open(config);
  try {
    const applied = await migrate(db, await loadMigrations(), now);
    if (applied.length > 0) log.info({ applied, dialect: db.dialect }, 'database migrated');
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The highest migration applied, for readers (the export) that must not migrate. */
export async function schemaVersion(db: SqlDatabase): Promise<number> {
  try {
    const rows = await db.all('SELECT MAX(version) AS v FROM schema_migrations');
    return Number(rows[0]?.v ?? 0);
  } catch {
    return 0;
  }
}
