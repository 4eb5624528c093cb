/**
 * SQLite through Node's built-in `node:sqlite`: one file, WAL (readers never block the writer, and
 * several processes on one machine may share the file), `synchronous=FULL` so a commit the archive
 * acknowledges survives a power cut. The driver is synchronous, so statements are queued here: a
 * transaction never interleaves with another statement on the same connection.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Row, SqlDatabase, SqlExecutor, SqlValue } from './sql.ts';

export interface SqliteOptions {
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

export async function openSqlite(file: string, options: SqliteOptions = {}): Promise<SqlDatabase> {
  // Loaded only when SQLite is configured: Node 22 prints an experimental warning on import.
  const { DatabaseSync } = await import('node:sqlite');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  return new SqliteDatabase(db);
}

class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly #db: DatabaseSync;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#serial(async () => this.#all(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#serial(async () => this.#run(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.#serial(async () => this.#db.exec(script));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      const tx: SqlExecutor = {
        all: async (sql, params = []) => this.#all(sql, params),
        run: async (sql, params = []) => this.#run(sql, params),
      };
      try {
        const result = await fn(tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#db.close();
    });
  }

  #all(sql: string, params: readonly SqlValue[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }

  #run(sql: string, params: readonly SqlValue[]): number {
    return Number(this.#db.prepare(sql).run(...params).changes);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
