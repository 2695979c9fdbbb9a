// Opens a workspace's lake with an in-process DuckDB and exposes the SQL views over its Parquet
// files. Every process (host, kernel, runner) opens its own, so no process holds a lock on
// another's data: the lake is plain files.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { toPlain, type Plain } from './values';

export const DATASETS = ['bars', 'trades', 'quotes', 'corporate_actions'] as const;
export type Dataset = (typeof DATASETS)[number];

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, Plain>[];
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A glob over a dataset's Parquet files, or null when the dataset has none yet. */
function datasetGlob(lakeDir: string, dataset: Dataset): string | null {
  const dir = path.join(lakeDir, dataset);
  if (!fs.existsSync(dir)) return null;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(path.join(d, e.name));
      else if (e.name.endsWith('.parquet')) return path.join(dir, '**', '*.parquet');
    }
  }
  return null;
}

const EMPTY_VIEWS: Record<Dataset, string> = {
  bars: `select null::varchar as symbol, null::varchar as timeframe, null::timestamptz as ts, null::double as open, null::double as high, null::double as low, null::double as close, null::double as volume, null::double as vwap, null::bigint as trade_count where false`,
  trades: `select null::varchar as symbol, null::timestamptz as ts, null::double as price, null::double as size where false`,
  quotes: `select null::varchar as symbol, null::timestamptz as ts, null::double as bid, null::double as bid_size, null::double as ask, null::double as ask_size where false`,
  corporate_actions: `select null::varchar as symbol, null::date as ex_date, null::varchar as kind, null::double as ratio, null::double as cash where false`,
};

export class Lake {
  private constructor(
    readonly dir: string,
    private instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(lakeDir: string): Promise<Lake> {
    fs.mkdirSync(lakeDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    await connection.run(`set TimeZone = 'UTC'`);
    const lake = new Lake(lakeDir, instance, connection);
    await lake.refreshViews();
    return lake;
  }

  /** Re-points the views at the files now on disk (after a write by this or another process). */
  async refreshViews(): Promise<void> {
    for (const ds of DATASETS) {
      const glob = datasetGlob(this.dir, ds);
      const body = glob
        ? `select * from read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true)`
        : EMPTY_VIEWS[ds];
      await this.connection.run(`create or replace view ${ds} as ${body}`);
    }
  }

  async query(sql: string, params: unknown[] = []): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql, params.length ? (params as DuckDBValue[]) : undefined);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const columns = names.map((name, i) => ({ name, type: types[i].toString() }));
    const rows = reader.getRowObjects().map((r) => {
      const o: Record<string, Plain> = {};
      for (const k of names) o[k] = toPlain(r[k]);
      return o;
    });
    return { columns, rows };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
