/**
 * The archive's view of a SQL database: SQLite (the embedded default) and PostgreSQL behind one small
 * interface, so the chain logic and the queries are written once. Statements use `?` placeholders;
 * the PostgreSQL adapter numbers them. Every value is a string, a number or null: times are epoch
 * milliseconds (BIGINT) beside their ISO text, so both dialects compare them the same way.
 */

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;
export type Dialect = 'sqlite' | 'postgres';

export interface SqlExecutor {
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: Dialect;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in one transaction that holds the database's write lock where the dialect needs one
   * (SQLite `BEGIN IMMEDIATE`); commits when it resolves, rolls back when it throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `FOR UPDATE` where rows can be locked; SQLite's transaction already holds the whole database. */
export const forUpdate = (dialect: Dialect): string => (dialect === 'postgres' ? ' FOR UPDATE' : '');

/** Rewrites `?` placeholders as `$1, $2, …` (our statements hold no literal question mark). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export const asNumber = (v: SqlValue | undefined): number => (v === null || v === undefined ? 0 : Number(v));
export const asString = (v: SqlValue | undefined): string | undefined =>
  v === null || v === undefined ? undefined : String(v);
