// Small DuckDB helpers shared by the lake's reader, writer and importers.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A SQL string literal. */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
/** A quoted SQL identifier. */
export const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** A throwaway in-memory DuckDB with UTC as its session zone, closed when `fn` settles. */
export async function withDb<T>(fn: (c: DuckDBConnection) => Promise<T>, threads = 2): Promise<T> {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const c = await db.connect();
  try {
    await c.run(`set TimeZone = 'UTC'`);
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** The first row of a query as an array of plain JS values (bigint stays bigint). */
export async function firstRow(c: DuckDBConnection, sql: string): Promise<unknown[] | undefined> {
  const r = await c.runAndReadAll(sql);
  return r.getRowsJS()[0] as unknown[] | undefined;
}
