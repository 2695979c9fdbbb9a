// The one writer of the lake: every dataset file is written to a temp file, fsynced and renamed
// into place, and only then recorded in the manifest (itself written atomically). A crash at any
// point leaves the previous state readable.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BarColumns } from '../core/data/bars';
import type { CorporateAction } from '../core/data/bars';
import { writeFileAtomic } from '../util/atomic';

export interface ManifestEntry {
  dataset: 'bars' | 'trades' | 'quotes' | 'corporate_actions';
  /** Path of the Parquet file relative to the lake folder. */
  file: string;
  symbol: string | null;
  timeframe: string | null;
  rows: number;
  /** ISO timestamps of the first and last row (null for an empty or undated dataset). */
  from: string | null;
  to: string | null;
  source: string;
  importedAt: string;
  sha256: string;
  schema: { name: string; type: string }[];
}

export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

export function manifestPath(lakeDir: string): string {
  return path.join(lakeDir, 'manifest.json');
}

export function readManifest(lakeDir: string): Manifest {
  const file = manifestPath(lakeDir);
  if (!fs.existsSync(file)) return { version: 1, entries: [] };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function withDb<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  try {
    await c.run(`set TimeZone = 'UTC'`);
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** COPYs a query to Parquet at `rel` (inside the lake) via temp file + fsync + rename. */
async function copyToParquet(c: DuckDBConnection, lakeDir: string, rel: string, select: string): Promise<string> {
  const final = path.join(lakeDir, rel);
  fs.mkdirSync(path.dirname(final), { recursive: true });
  const tmp = `${final}.${process.pid}.tmp`;
  await c.run(`copy (${select}) to ${q(tmp)} (format parquet, compression zstd, row_group_size 122880)`);
  fsyncFile(tmp);
  fs.renameSync(tmp, final);
  return final;
}

function updateManifest(lakeDir: string, replace: (e: ManifestEntry) => boolean, add: ManifestEntry[]): void {
  const m = readManifest(lakeDir);
  m.entries = [...m.entries.filter((e) => !replace(e)), ...add];
  m.entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  writeFileAtomic(manifestPath(lakeDir), JSON.stringify(m, null, 1) + '\n');
}

/** Writes bar blocks, one Parquet file per symbol and timeframe (replacing that partition). */
export async function writeBars(lakeDir: string, blocks: BarColumns[], source: string): Promise<number> {
  let total = 0;
  const added: ManifestEntry[] = [];
  await withDb(async (c) => {
    for (const b of blocks) {
      await c.run(`create or replace table staging (ts_ns bigint, open double, high double, low double, close double, volume double, vwap double, trade_count bigint)`);
      const app = await c.createAppender('staging');
      for (let i = 0; i < b.ts.length; i++) {
        app.appendBigInt(b.ts[i]);
        app.appendDouble(b.open[i]);
        app.appendDouble(b.high[i]);
        app.appendDouble(b.low[i]);
        app.appendDouble(b.close[i]);
        app.appendDouble(b.volume[i]);
        app.appendDouble(b.vwap[i]);
        app.appendBigInt(BigInt(Math.round(b.tradeCount[i])));
        app.endRow();
      }
      app.closeSync();
      const rel = path.join('bars', `timeframe=${b.timeframe}`, `symbol=${b.symbol}`, 'part-0.parquet');
      const file = await copyToParquet(
        c,
        lakeDir,
        rel,
        `select make_timestamp(ts_ns // 1000)::timestamptz as ts, open, high, low, close, volume, vwap, trade_count from staging order by ts_ns`,
      );
      const stats = await c.runAndReadAll(`select count(*)::bigint, min(ts_ns), max(ts_ns) from staging`);
      const [n, lo, hi] = stats.getRows()[0] as [bigint, bigint | null, bigint | null];
      const iso = (ns: bigint | null) => (ns === null ? null : new Date(Number(ns / 1_000_000n)).toISOString());
      added.push({
        dataset: 'bars', file: rel, symbol: b.symbol, timeframe: b.timeframe, rows: Number(n), from: iso(lo), to: iso(hi),
        source, importedAt: new Date().toISOString(), sha256: sha256File(file),
        schema: [
          { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' }, { name: 'open', type: 'DOUBLE' }, { name: 'high', type: 'DOUBLE' },
          { name: 'low', type: 'DOUBLE' }, { name: 'close', type: 'DOUBLE' }, { name: 'volume', type: 'DOUBLE' },
          { name: 'vwap', type: 'DOUBLE' }, { name: 'trade_count', type: 'BIGINT' },
        ],
      });
      total += Number(n);
    }
  });
  const files = new Set(added.map((a) => a.file));
  updateManifest(lakeDir, (e) => files.has(e.file), added);
  return total;
}

export async function writeCorporateActions(lakeDir: string, actions: CorporateAction[], source: string): Promise<void> {
  const rel = path.join('corporate_actions', 'part-0.parquet');
  await withDb(async (c) => {
    await c.run(`create table ca (symbol varchar, ex_date varchar, kind varchar, ratio double, cash double)`);
    const app = await c.createAppender('ca');
    for (const a of actions) {
      app.appendVarchar(a.symbol);
      app.appendVarchar(a.exDate);
      app.appendVarchar(a.kind);
      app.appendDouble(a.ratio);
      app.appendDouble(a.cash);
      app.endRow();
    }
    app.closeSync();
    const file = await copyToParquet(c, lakeDir, rel, `select symbol, ex_date::date as ex_date, kind, ratio, cash from ca order by symbol, ex_date`);
    updateManifest(lakeDir, (e) => e.file === rel, [{
      dataset: 'corporate_actions', file: rel, symbol: null, timeframe: null, rows: actions.length, from: null, to: null,
      source, importedAt: new Date().toISOString(), sha256: sha256File(file),
      schema: [{ name: 'symbol', type: 'VARCHAR' }, { name: 'ex_date', type: 'DATE' }, { name: 'kind', type: 'VARCHAR' }, { name: 'ratio', type: 'DOUBLE' }, { name: 'cash', type: 'DOUBLE' }],
    }]);
  });
}
