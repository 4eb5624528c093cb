/**
 * PostgreSQL through `pg`: a small pool, BIGINT read back as a number (every value we store is far
 * below 2^53), and one pooled client per transaction so row locks hold until commit.
 */
import pg from 'pg';
import { numberPlaceholders, type Row, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.ts';

const INT8_OID = 20;

/** Parses BIGINT as a number for this pool only (pg's global type table is left alone). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresConnection {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: string;
  ssl?: { ca: string };
}

export async function openPostgres(connection: PostgresConnection): Promise<SqlDatabase> {
  const pool = new pg.Pool({
    ...(connection.connectionString ? { connectionString: connection.connectionString } : {}),
    ...(connection.host ? { host: connection.host } : {}),
    ...(connection.port ? { port: connection.port } : {}),
    ...(connection.user ? { user: connection.user } : {}),
    ...(connection.database ? { database: connection.database } : {}),
    ...(connection.password !== undefined ? { password: connection.password } : {}),
    ...(connection.ssl ? { ssl: { ca: connection.ssl.ca, rejectUnauthorized: true } } : {}),
    max: 4,
    connectionTimeoutMillis: 10_000,
    types,
  });
  // An idle client losing its server must not crash the process: the next query reports it.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  client.release();
  return new PostgresDatabase(pool);
}

class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.#pool.query(numberPlaceholders(sql), [...params])).rows as Row[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.#pool.query(numberPlaceholders(sql), [...params])).rowCount ?? 0;
  }

  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const tx: SqlExecutor = {
      all: async (sql, params = []) =>
        (await client.query(numberPlaceholders(sql), [...params])).rows as Row[],
      run: async (sql, params = []) =>
        (await client.query(numberPlaceholders(sql), [...params])).rowCount ?? 0,
    };
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client whose connection failed mid-transaction is destroyed rather than reused.
      client.release(broken instanceof Error && !('code' in broken) ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
