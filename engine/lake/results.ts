// Query results held in the host's DuckDB (as temp tables) and handed out a page of rows at a
// time, so a ten-million-row result scrolls in the UI without ever crossing the pipe whole.
import fs from 'node:fs';
import path from 'node:path';
import type { Lake } from './lake';
import { sqlString } from './db';
import { toPlain, type Plain } from './values';

export interface OpenedResult {
  id: string;
  columns: { name: string; type: string }[];
  rowCount: number;
  elapsedMs: number;
}

export class ResultStore {
  private seq = 0;
  private open_ = new Map<string, { table: string; columns: OpenedResult['columns']; rowCount: number }>();

  /** At most this many results stay materialized; opening another drops the oldest. */
  constructor(private lake: Lake, private maxOpen = 4) {}

  async open(sql: string): Promise<OpenedResult> {
    const t0 = performance.now();
    const id = `r${++this.seq}`;
    const table = `result_${this.seq}`;
    const body = sql.trim().replace(/;\s*$/, '');
    const c = this.lake.connection;
    // A materialized copy keeps pages stable and cheap to fetch by rowid, whatever the query costs.
    await c.run(`create temp table ${table} as select * from (${body})`);
    const reader = await c.runAndReadAll(`select * from ${table} limit 0`);
    const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnTypes()[i].toString() }));
    const rowCount = Number((await c.runAndReadAll(`select count(*) from ${table}`)).getRowsJS()[0][0]);
    this.open_.set(id, { table, columns, rowCount });
    while (this.open_.size > this.maxOpen) await this.close(this.open_.keys().next().value!);
    return { id, columns, rowCount, elapsedMs: performance.now() - t0 };
  }

  private get(id: string) {
    const r = this.open_.get(id);
    if (!r) throw new Error(`result ${id} is closed (run the query again)`);
    return r;
  }

  async fetch(id: string, offset: number, limit: number): Promise<{ offset: number; rows: Plain[][] }> {
    const r = this.get(id);
    const reader = await this.lake.connection.runAndReadAll(`select * from ${r.table} where rowid >= ${offset} and rowid < ${offset + limit} order by rowid`);
    return { offset, rows: reader.getRows().map((row) => row.map(toPlain)) };
  }

  async close(id: string): Promise<void> {
    const r = this.open_.get(id);
    if (!r) return;
    this.open_.delete(id);
    await this.lake.connection.run(`drop table if exists ${r.table}`);
  }

  /** Writes a result to `dir` as CSV or Parquet (temp file + rename); returns the file's path. */
  async export(id: string, dir: string, format: 'csv' | 'parquet'): Promise<{ path: string; rows: number; bytes: number }> {
    const r = this.get(id);
    fs.mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const file = path.join(dir, `result-${stamp}-${id}.${format}`);
    const tmp = `${file}.tmp`;
    const opts = format === 'csv' ? `(format csv, header true)` : `(format parquet, compression zstd)`;
    await this.lake.connection.run(`copy ${r.table} to ${sqlString(tmp)} ${opts}`);
    fs.renameSync(tmp, file);
    return { path: file, rows: r.rowCount, bytes: fs.statSync(file).size };
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.open_.keys()]) await this.close(id);
  }
}
