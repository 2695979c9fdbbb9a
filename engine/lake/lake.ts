// Opens a workspace's lake with an in-process DuckDB and exposes the SQL views over its Parquet
// files. Every process (host, kernel, runner) opens its own, so no process holds a lock on
// another's data: the lake is plain files, and the manifest says which of them count.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import type { BarColumns } from '../core/data/bars';
import { sqlString } from './db';
import { DATASETS, entryProblem, readManifest, type Dataset, type ManifestEntry } from './manifest';
import { bars, barsArrow, streamBars, type BarsQuery } from './read';
import { toPlain, type Plain } from './values';

export { DATASETS, type Dataset } from './manifest';

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, Plain>[];
}

export interface LakeProblem {
  file: string;
  dataset: Dataset;
  symbol: string | null;
  timeframe: string | null;
  problem: string;
}

const EMPTY_VIEWS: Record<Dataset, string> = {
  bars: `select null::varchar as symbol, null::varchar as timeframe, null::timestamptz as ts, null::double as open, null::double as high, null::double as low, null::double as close, null::double as volume, null::double as vwap, null::bigint as trade_count where false`,
  trades: `select null::varchar as symbol, null::timestamptz as ts, null::double as price, null::double as size where false`,
  quotes: `select null::varchar as symbol, null::timestamptz as ts, null::double as bid, null::double as bid_size, null::double as ask, null::double as ask_size where false`,
  corporate_actions: `select null::varchar as symbol, null::date as ex_date, null::varchar as kind, null::double as ratio, null::double as cash where false`,
};

const VIEW_COLUMNS: Record<Dataset, string> = {
  bars: 'symbol, timeframe, ts, open, high, low, close, volume, vwap, trade_count',
  trades: 'symbol, ts, price, size',
  quotes: 'symbol, ts, bid, bid_size, ask, ask_size',
  corporate_actions: 'symbol, ex_date, kind, ratio, cash',
};

export class Lake {
  private problemList: LakeProblem[] = [];
  /** A second connection for reads split in two (created on first use). */
  private second: Promise<DuckDBConnection> | undefined;
  private secondOpen: DuckDBConnection | undefined;

  private constructor(
    readonly dir: string,
    private instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(lakeDir: string, opts: { threads?: number } = {}): Promise<Lake> {
    fs.mkdirSync(lakeDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 2) });
    const connection = await instance.connect();
    await connection.run(`set TimeZone = 'UTC'`);
    const lake = new Lake(lakeDir, instance, connection);
    await lake.refreshViews();
    return lake;
  }

  /** Files listed in the manifest that are missing or damaged (left out of the views). */
  problems(): LakeProblem[] {
    return this.problemList;
  }

  /**
   * Re-points the views at the files the manifest lists (after a write by this or another
   * process). A listed file that is missing or has the wrong size is left out and reported in
   * {@link problems}, never read as if it were whole.
   */
  async refreshViews(): Promise<void> {
    const entries = readManifest(this.dir).entries;
    const problems: LakeProblem[] = [];
    const good = new Map<Dataset, ManifestEntry[]>();
    for (const e of entries) {
      const problem = entryProblem(this.dir, e);
      if (problem) problems.push({ file: e.file, dataset: e.dataset, symbol: e.symbol, timeframe: e.timeframe, problem });
      else good.set(e.dataset, [...(good.get(e.dataset) ?? []), e]);
    }
    this.problemList = problems;
    for (const ds of DATASETS) {
      const files = good.get(ds) ?? [];
      const hive = ds === 'bars' ? `{'timeframe': VARCHAR, 'symbol': VARCHAR}` : `{'symbol': VARCHAR}`;
      // Yahoo imports keep their Adj Close as an extra column; every other column is the contract.
      const extra = ds === 'bars' && files.some((e) => e.schema.some((s) => s.name === 'adj_close')) ? ', adj_close' : '';
      const body = files.length
        ? `select ${VIEW_COLUMNS[ds]}${extra} from read_parquet([${files.map((e) => sqlString(path.join(this.dir, e.file))).join(', ')}], hive_partitioning = true, union_by_name = true, hive_types = ${hive})`
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

  /** Bars of one timeframe as typed-array columns, one block per symbol (see {@link BarsQuery}). */
  bars(q: BarsQuery): Promise<BarColumns[]> {
    return bars(this.connection, q, () => (this.second ??= this.instance.connect().then((c) => (this.secondOpen = c))));
  }

  /** The same bars as chunks of at most `q.chunkRows` rows, so memory stays bounded. */
  streamBars(q: BarsQuery): AsyncGenerator<BarColumns> {
    return streamBars(this.connection, q);
  }

  /** The same bars as one Arrow table with a `symbol` column and `ts` in ns. */
  barsArrow(q: BarsQuery): Promise<Table> {
    return barsArrow(this.connection, q);
  }

  close(): void {
    this.secondOpen?.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
