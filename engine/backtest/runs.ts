// Backtest runs stored in the workspace: runs/<id>/ holds run.json (status, inputs), and once the
// run is done summary.json plus equity/trades/orders as Parquet. run.json is written atomically and
// flips to "done" only after every other file is in place, so a run that fails or is killed midway
// is never listed as a result.
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BacktestResult } from '../core/backtest/runner';
import { writeFileAtomic } from '../util/atomic';
import { readNumberColumns } from '../lake/read';
import { type BacktestDetail, type BacktestSummary, MAX_DETAIL_TRADES, equityDetail, finite, isoOfNs, monthlyReturns } from './summary';

export type RunStatus = 'running' | 'done' | 'failed';

export interface RunRecord {
  id: string;
  status: RunStatus;
  strategy: string;
  /** The inputs, as given: enough to run it again. */
  request: Record<string, unknown>;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  pid: number;
}

export function runsDir(workspaceDir: string): string {
  return path.join(workspaceDir, 'runs');
}

/** What a stored run's or sweep's id may contain (ids arrive from clients: no path separators). */
export const ID_RE = /^[A-Za-z0-9._-]+$/;

/** `<UTC stamp>-<strategy slug>-<6 hex>`: sorts by time, names the strategy, never collides in practice. */
export function newRunId(strategy: string, now: Date, fallback = 'run'): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = strategy.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || fallback;
  return `${stamp}-${slug}-${crypto.randomBytes(3).toString('hex')}`;
}

function writeRecord(dir: string, rec: RunRecord): void {
  writeFileAtomic(path.join(dir, 'run.json'), JSON.stringify(rec, null, 2) + '\n');
}

export interface RunHandle {
  id: string;
  dir: string;
  record: RunRecord;
}

/** Creates runs/<id>/ with a "running" record. */
export function createRun(workspaceDir: string, strategy: string, request: Record<string, unknown>): RunHandle {
  const now = new Date();
  const id = newRunId(strategy, now);
  const dir = path.join(runsDir(workspaceDir), id);
  fs.mkdirSync(dir, { recursive: true });
  const record: RunRecord = { id, status: 'running', strategy, request, createdAt: now.toISOString(), finishedAt: null, error: null, pid: process.pid };
  writeRecord(dir, record);
  return { id, dir, record };
}

export function failRun(run: RunHandle, message: string): void {
  run.record = { ...run.record, status: 'failed', error: message, finishedAt: new Date().toISOString() };
  writeRecord(run.dir, run.record);
}

/** Writes the result files, then marks the run done; on any error the run is marked failed. */
export async function completeRun(run: RunHandle, result: BacktestResult, summary: BacktestSummary): Promise<void> {
  try {
    await writeResultParquet(run.dir, result);
    writeFileAtomic(path.join(run.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    run.record = { ...run.record, status: 'done', finishedAt: new Date().toISOString() };
    writeRecord(run.dir, run.record);
  } catch (e) {
    failRun(run, `saving the results failed: ${(e as Error).message}`);
    throw e;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(dir: string): RunRecord | null {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    // A "running" run whose process is gone was killed midway.
    if (rec.status === 'running' && rec.pid !== process.pid && !pidAlive(rec.pid)) return { ...rec, status: 'failed', error: 'interrupted: the process running it exited' };
    return rec;
  } catch {
    return null;
  }
}

/** Stored runs, newest first. Failed and unreadable runs are left out unless asked for. */
export function listRuns(workspaceDir: string, opts: { includeFailed?: boolean } = {}): RunRecord[] {
  const dir = runsDir(workspaceDir);
  if (!fs.existsSync(dir)) return [];
  const out: RunRecord[] = [];
  // Runs are folders; runs/ also holds the trial log (trials.jsonl, see trials.ts).
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name;
    if (!entry.isDirectory() || !ID_RE.test(name)) continue;
    const rec = readRecord(path.join(dir, name));
    if (rec === null) continue;
    if (rec.status === 'done' || opts.includeFailed) out.push(rec);
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
}

/** A finished run's record and summary; null for unknown, failed or unfinished runs. */
export function readRun(workspaceDir: string, id: string): { record: RunRecord; summary: BacktestSummary } | null {
  if (!ID_RE.test(id)) return null;
  const record = readRecord(path.join(runsDir(workspaceDir), id));
  if (record === null || record.status !== 'done') return null;
  return { record, summary: readSummary(workspaceDir, record) };
}

/** The summary of a run whose record says it finished (listRuns' records): no second read of the record. */
export function readSummary(workspaceDir: string, record: RunRecord): BacktestSummary {
  return JSON.parse(fs.readFileSync(path.join(runsDir(workspaceDir), record.id, 'summary.json'), 'utf8')) as BacktestSummary;
}

/**
 * A finished run's chart data read back from its Parquet files: the same as runDetail gave when
 * it ran (equity cut to `maxPoints` keeping each bucket's deepest step, the last closed trades).
 * Null for unknown, failed or unfinished runs.
 */
export async function readRunDetail(workspaceDir: string, id: string, maxPoints: number, stored = readRun(workspaceDir, id)): Promise<BacktestDetail | null> {
  if (stored === null) return null;
  const dir = path.join(runsDir(workspaceDir), id);
  const file = (name: string) => `'${path.join(dir, name).replaceAll("'", "''")}'`;
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  try {
    const [ts, equity] = await readNumberColumns(c, `select ts_ns, equity from read_parquet(${file('equity.parquet')}) order by ts_ns`, [true, false]);
    // Closed trades are written first, in the order they closed; the open ones follow.
    const closed = (await c.runAndReadAll(`select count(*) from read_parquet(${file('trades.parquet')}) where closed`)).getRowsJS()[0][0];
    const rows = (
      await c.runAndReadAll(
        `select symbol, side, qty, entry_ts_ns, exit_ts_ns, entry_price, exit_price, pnl, return_pct, bars, mae, mfe
         from (select *, row_number() over () as k from read_parquet(${file('trades.parquet')})) where closed order by k offset greatest(0, ${Number(closed)} - ${MAX_DETAIL_TRADES})`,
      )
    ).getRowObjectsJS();
    const trades = rows.map((r) => ({
      symbol: String(r.symbol),
      side: r.side as 'long' | 'short',
      qty: Number(r.qty),
      entryTs: isoOfNs(r.entry_ts_ns as bigint),
      exitTs: isoOfNs(r.exit_ts_ns as bigint),
      entryPrice: Number(r.entry_price),
      exitPrice: Number(r.exit_price),
      pnl: Number(r.pnl),
      returnPct: finite(r.return_pct === null ? NaN : Number(r.return_pct)),
      bars: Number(r.bars),
      mae: Number(r.mae),
      mfe: Number(r.mfe),
    }));
    return { equity: equityDetail(ts as BigInt64Array, equity as Float64Array, maxPoints), monthly: monthlyReturns(ts as BigInt64Array, equity as Float64Array, stored.summary.initialCash), trades, tradesTotal: Number(closed) };
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

type Column = readonly [name: string, type: 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN'];

async function writeTable(c: DuckDBConnection, file: string, name: string, cols: readonly Column[], rows: number, fill: (app: DuckDBAppender, i: number) => void, tsCols: readonly string[]): Promise<void> {
  await c.run(`create or replace table ${name} (${cols.map(([n, t]) => `${n} ${t}`).join(', ')})`);
  const app = await c.createAppender(name);
  for (let i = 0; i < rows; i++) {
    fill(app, i);
    app.endRow();
  }
  app.closeSync();
  // Nanosecond integers stay (exact); a timestamptz column next to each makes SQL on them easy.
  const select = cols.map(([n]) => (tsCols.includes(n) ? `${n}, make_timestamp(${n} // 1000)::timestamptz as ${n.replace(/_ns$/, '')}` : n)).join(', ');
  const tmp = `${file}.tmp`;
  await c.run(`copy (select ${select} from ${name}) to '${tmp.replaceAll("'", "''")}' (format parquet)`);
  fs.renameSync(tmp, file);
  await c.run(`drop table ${name}`);
}

const num = (app: DuckDBAppender, x: number | null): void => (x === null || Number.isNaN(x) ? app.appendNull() : app.appendDouble(x));
const str = (app: DuckDBAppender, x: string | null): void => (x === null ? app.appendNull() : app.appendVarchar(x));

async function writeResultParquet(dir: string, r: BacktestResult): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  try {
    await c.run(`set TimeZone = 'UTC'`);
    const eq = r.equity;
    await writeTable(c, path.join(dir, 'equity.parquet'), 'equity', [['ts_ns', 'BIGINT'], ['equity', 'DOUBLE'], ['cash', 'DOUBLE'], ['exposure', 'DOUBLE']], eq.ts.length, (a, i) => {
      a.appendBigInt(eq.ts[i]);
      a.appendDouble(eq.equity[i]);
      a.appendDouble(eq.cash[i]);
      a.appendDouble(eq.exposure[i]);
    }, ['ts_ns']);
    const trades = [...r.trades, ...r.openTrades];
    await writeTable(
      c,
      path.join(dir, 'trades.parquet'),
      'trades',
      [['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['qty', 'DOUBLE'], ['entry_ts_ns', 'BIGINT'], ['exit_ts_ns', 'BIGINT'], ['entry_price', 'DOUBLE'], ['exit_price', 'DOUBLE'], ['pnl', 'DOUBLE'], ['fees', 'DOUBLE'], ['return_pct', 'DOUBLE'], ['bars', 'BIGINT'], ['mae', 'DOUBLE'], ['mfe', 'DOUBLE'], ['closed', 'BOOLEAN']],
      trades.length,
      (a, i) => {
        const t = trades[i];
        a.appendVarchar(t.symbol);
        a.appendVarchar(t.side);
        a.appendDouble(t.qty);
        a.appendBigInt(t.entryTs);
        a.appendBigInt(t.exitTs);
        num(a, t.entryPrice);
        num(a, t.exitPrice);
        num(a, t.pnl);
        a.appendDouble(t.fees);
        num(a, t.returnPct);
        a.appendBigInt(BigInt(t.bars));
        a.appendDouble(t.mae);
        a.appendDouble(t.mfe);
        a.appendBoolean(t.closed);
      },
      ['entry_ts_ns', 'exit_ts_ns'],
    );
    const orders = r.orders;
    await writeTable(
      c,
      path.join(dir, 'orders.parquet'),
      'orders',
      [['id', 'VARCHAR'], ['client_order_id', 'VARCHAR'], ['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['type', 'VARCHAR'], ['time_in_force', 'VARCHAR'], ['order_class', 'VARCHAR'], ['role', 'VARCHAR'], ['parent_id', 'VARCHAR'], ['qty', 'DOUBLE'], ['filled_qty', 'DOUBLE'], ['avg_fill_price', 'DOUBLE'], ['limit_price', 'DOUBLE'], ['stop_price', 'DOUBLE'], ['status', 'VARCHAR'], ['tag', 'VARCHAR'], ['created_ts_ns', 'BIGINT'], ['updated_ts_ns', 'BIGINT']],
      orders.length,
      (a, i) => {
        const o = orders[i];
        a.appendVarchar(o.id);
        a.appendVarchar(o.clientOrderId);
        a.appendVarchar(o.symbol);
        str(a, o.side ?? null);
        str(a, o.type ?? null);
        a.appendVarchar(o.timeInForce);
        a.appendVarchar(o.orderClass);
        a.appendVarchar(o.role);
        str(a, o.parentId);
        num(a, o.qty);
        a.appendDouble(o.filledQty);
        num(a, o.avgFillPrice);
        num(a, o.limitPrice);
        num(a, o.stopPrice);
        a.appendVarchar(o.status);
        str(a, o.tag);
        a.appendBigInt(o.tsInit);
        a.appendBigInt(o.tsLast);
      },
      ['created_ts_ns', 'updated_ts_ns'],
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
