// The one writer of the lake. A write is a transaction: each touched partition is merged with
// what is stored (deduplicated on its key), written to a temp file, fsynced and renamed to a new
// content-named file; then the manifest (the commit point) is replaced atomically; only then are
// the superseded files removed. A crash at any point leaves the previous state readable, and a
// write that changes nothing writes nothing.
import type { DuckDBConnection } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import type { BarColumns, CorporateAction } from '../core/data/bars';
import { firstRow, sqlIdent, sqlString, withDb } from './db';
import { entryProblem, readManifest, sha256File, writeManifest, type Dataset, type ImportStamp, type ManifestEntry } from './manifest';

export { manifestPath, readManifest, type Manifest, type ManifestEntry } from './manifest';

/** Columns each dataset's files hold (the partition keys symbol/timeframe live in the path). */
export const DATASET_COLUMNS: Record<Dataset, readonly (readonly [string, string])[]> = {
  bars: [['ts', 'TIMESTAMPTZ'], ['open', 'DOUBLE'], ['high', 'DOUBLE'], ['low', 'DOUBLE'], ['close', 'DOUBLE'], ['volume', 'DOUBLE'], ['vwap', 'DOUBLE'], ['trade_count', 'BIGINT']],
  trades: [['ts', 'TIMESTAMPTZ'], ['price', 'DOUBLE'], ['size', 'DOUBLE']],
  quotes: [['ts', 'TIMESTAMPTZ'], ['bid', 'DOUBLE'], ['bid_size', 'DOUBLE'], ['ask', 'DOUBLE'], ['ask_size', 'DOUBLE']],
  corporate_actions: [['ex_date', 'DATE'], ['kind', 'VARCHAR'], ['ratio', 'DOUBLE'], ['cash', 'DOUBLE']],
};

/** Rows with the same key are the same observation; the newer write wins. */
const DEDUPE_KEY: Record<Dataset, readonly string[] | null> = {
  bars: ['ts'],
  corporate_actions: ['ex_date', 'kind'],
  // Several quotes or trades may share a timestamp; only identical rows are duplicates.
  quotes: null,
  trades: null,
};

const ORDER: Record<Dataset, string> = { bars: 'ts', trades: 'ts', quotes: 'ts', corporate_actions: 'ex_date, kind' };

export interface PartitionKey {
  dataset: Dataset;
  symbol: string;
  timeframe: string | null;
}

export interface PartitionWrite {
  key: PartitionKey;
  /** Rows offered by this write (after in-batch deduplication). */
  offered: number;
  /** Rows in the partition after the write. */
  rows: number;
  /** Rows of the partition that were not there before. */
  added: number;
  unchanged: boolean;
}

const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9._^-]{0,31}$/;

export function checkSymbol(symbol: string): void {
  if (!SYMBOL_RE.test(symbol)) {
    throw new Error(`symbol "${symbol}": expected 1–32 letters, digits, '.', '-', '^' or '_' (it names a folder in the lake)`);
  }
}

function partitionDir(key: PartitionKey): string {
  return key.dataset === 'bars' ? `bars/timeframe=${key.timeframe}/symbol=${key.symbol}` : `${key.dataset}/symbol=${key.symbol}`;
}

const sameKey = (e: ManifestEntry, k: PartitionKey) =>
  e.dataset === k.dataset && e.symbol === k.symbol && (k.dataset !== 'bars' || e.timeframe === k.timeframe);

function fsyncPath(p: string, flags = 'r'): void {
  const fd = fs.openSync(p, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const inProcess = new Map<string, Promise<void>>();

/**
 * One writer at a time: writes within this process queue up, and across processes a lock file
 * holds the lake (a lock left by a dead process is taken over).
 */
async function acquireLock(lakeDir: string): Promise<() => void> {
  const key = path.resolve(lakeDir);
  const prev = inProcess.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const chained = prev.then(() => mine);
  inProcess.set(key, chained);
  await prev;
  try {
    const releaseFile = await acquireFileLock(lakeDir);
    return () => {
      releaseFile();
      if (inProcess.get(key) === chained) inProcess.delete(key);
      done();
    };
  } catch (e) {
    if (inProcess.get(key) === chained) inProcess.delete(key);
    done();
    throw e;
  }
}

async function acquireFileLock(lakeDir: string): Promise<() => void> {
  const lock = path.join(lakeDir, '.write.lock');
  fs.mkdirSync(lakeDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        if (pid > 0 && pid !== process.pid) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (attempt > 300) throw new Error(`the lake is being written by process ${pid}; try again when it finishes`);
      // Waiting for another process to release the lake: there is no event to wait on.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A write transaction over a DuckDB connection; see the module comment. */
export class LakeWrite {
  private added: ManifestEntry[] = [];
  private superseded = new Set<string>();
  private written: string[] = [];
  private removedKeys: PartitionKey[] = [];
  private seq = 0;

  constructor(readonly lakeDir: string, readonly c: DuckDBConnection) {}

  private storedEntries(key: PartitionKey): ManifestEntry[] {
    return readManifest(this.lakeDir).entries.filter((e) => sameKey(e, key));
  }

  /**
   * Merges the rows of `relation` (a table or view in this connection, with the dataset's columns
   * and optionally extra ones such as `adj_close`) into the partition `key`.
   */
  async merge(key: PartitionKey, relation: string, source: string, opts: { unique?: boolean; sorted?: boolean; writtenBy?: ImportStamp } = {}): Promise<PartitionWrite> {
    checkSymbol(key.symbol);
    const c = this.c;
    const n = ++this.seq;
    const cols = DATASET_COLUMNS[key.dataset];
    // A stored file that is missing or damaged cannot be merged with; the new rows replace it,
    // which is how a user repairs a partition `studio lake list` reported.
    const listed = this.storedEntries(key);
    const stored = listed.filter((e) => entryProblem(this.lakeDir, e) === null);
    for (const e of listed) if (!stored.includes(e)) this.superseded.add(e.file);
    const files = stored.map((e) => sqlString(path.join(this.lakeDir, e.file))).join(', ');
    const old = `old_${n}`;
    const neu = `new_${n}`;
    const merged = `merged_${n}`;
    if (stored.length) await c.run(`create temp table ${old} as select * from read_parquet([${files}], union_by_name = true)`);
    const key_ = DEDUPE_KEY[key.dataset];
    const casted = (await c.runAndReadAll(`select * from ${relation} limit 0`)).columnNames();
    const extra = casted.filter((x) => !cols.some(([name]) => name === x) && !x.startsWith('_'));
    const select = [...cols.map(([name, type]) => `${sqlIdent(name)}::${type} as ${sqlIdent(name)}`), ...extra.map(sqlIdent)].join(', ');
    // In-batch duplicates on the key keep the last row offered; a caller that has checked there
    // are none saves a window over every row.
    await c.run(
      opts.unique
        ? `create temp view ${neu} as select ${select} from ${relation}`
        : key_
        ? `create temp table ${neu} as select ${select} from (select *, row_number() over () as __i from ${relation}) qualify row_number() over (partition by ${key_.map(sqlIdent).join(', ')} order by __i desc) = 1`
        : `create temp table ${neu} as select distinct ${select} from ${relation}`,
    );
    const offered = Number((await firstRow(c, `select count(*) from ${neu}`))![0]);
    let unchanged = false;
    let added = offered;
    if (stored.length) {
      const newCols = (await c.runAndReadAll(`select * from ${neu} limit 0`)).columnNames();
      const oldCols = new Set((await c.runAndReadAll(`select * from ${old} limit 0`)).columnNames());
      const list = newCols.map(sqlIdent).join(', ');
      if (newCols.every((x) => oldCols.has(x))) {
        const diff = Number((await firstRow(c, `select count(*) from (select ${list} from ${neu} except all select ${list} from ${old})`))![0]);
        unchanged = diff === 0;
      }
      const on = (key_ ?? newCols).map((k) => `o.${sqlIdent(k)} is not distinct from n.${sqlIdent(k)}`).join(' and ');
      added = Number((await firstRow(c, `select count(*) from ${neu} n anti join ${old} o on ${on}`))![0]);
      if (!unchanged) {
        await c.run(`create temp view ${merged} as select * from ${neu} union all by name select o.* from ${old} o anti join ${neu} n on ${on}`);
      }
    } else {
      await c.run(`create temp view ${merged} as select * from ${neu}`);
    }
    if (unchanged) {
      await this.drop(old, neu, merged);
      const rows = stored.reduce((s, e) => s + e.rows, 0);
      return { key, offered, rows, added: 0, unchanged: true };
    }
    const dir = partitionDir(key);
    fs.mkdirSync(path.join(this.lakeDir, dir), { recursive: true });
    const tmp = path.join(this.lakeDir, dir, `.part-${process.pid}-${n}.parquet.tmp`);
    // Rows the caller saw rising in scan order go out in that order; a sort would cost more than
    // the rest of the write (and the reader still checks the order it gets).
    const order = opts.sorted && !stored.length ? '' : ` order by ${ORDER[key.dataset]}`;
    await c.run(`copy (select * from ${merged}${order}) to ${sqlString(tmp)} (format parquet, compression zstd, row_group_size 122880)`);
    fsyncPath(tmp);
    const sha256 = sha256File(tmp);
    const rel = `${dir}/part-${sha256.slice(0, 16)}.parquet`;
    const final = path.join(this.lakeDir, rel);
    fs.renameSync(tmp, final);
    this.written.push(final);
    const timed = key.dataset !== 'corporate_actions';
    // The written file answers these from its row-group statistics, without rescanning the rows.
    const written = `read_parquet(${sqlString(final)}, hive_partitioning = false)`;
    const [rows, lo, hi] = (await firstRow(
      c,
      timed ? `select count(*), min(ts)::varchar, max(ts)::varchar from ${written}` : `select count(*), min(ex_date)::varchar, max(ex_date)::varchar from ${written}`,
    ))! as [bigint, string | null, string | null];
    const iso = (s: string | null) => (s === null ? null : timed ? new Date(s.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString() : s);
    const schema = (await c.runAndReadAll(`describe select * from ${written}`)).getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    for (const e of listed) if (e.file !== rel) this.superseded.add(e.file);
    this.removedKeys.push(key);
    this.added = this.added.filter((e) => !sameKey(e, key));
    this.added.push({
      dataset: key.dataset, file: rel, symbol: key.symbol, timeframe: key.timeframe, rows: Number(rows), from: iso(lo), to: iso(hi),
      source, importedAt: new Date().toISOString(), sha256, bytes: fs.statSync(final).size, schema,
      ...(opts.writtenBy ? { writtenBy: opts.writtenBy } : {}),
    });
    await this.drop(old, neu, merged);
    return { key, offered, rows: Number(rows), added, unchanged: false };
  }

  private async drop(...names: string[]): Promise<void> {
    for (const t of names) {
      await this.c.run(`drop view if exists ${t}`).catch(() => {});
      await this.c.run(`drop table if exists ${t}`).catch(() => {});
    }
  }

  /** Replaces the manifest (the commit point), then removes files no longer referenced. */
  commit(): void {
    if (!this.added.length) return;
    fsyncPath(this.lakeDir);
    const m = readManifest(this.lakeDir);
    m.entries = [...m.entries.filter((e) => !this.removedKeys.some((k) => sameKey(e, k))), ...this.added];
    writeManifest(this.lakeDir, m);
    // Files are content-named: a repaired partition can be rewritten under the very name of the
    // file it supersedes, and that file is now the live one.
    const live = new Set(m.entries.map((e) => e.file));
    for (const f of this.superseded) if (!live.has(f)) fs.rmSync(path.join(this.lakeDir, f), { force: true });
    this.added = [];
    this.written = [];
  }

  /** Removes the files this transaction wrote; the manifest was never touched. */
  abort(): void {
    for (const f of this.written) fs.rmSync(f, { force: true });
    this.written = [];
    this.added = [];
  }
}

/** Runs `fn` as one lake write transaction (with the lake's write lock held). */
export async function writeTransaction<T>(lakeDir: string, fn: (w: LakeWrite, c: DuckDBConnection) => Promise<T>, c?: DuckDBConnection): Promise<T> {
  const release = await acquireLock(lakeDir);
  try {
    const run = async (conn: DuckDBConnection) => {
      const w = new LakeWrite(lakeDir, conn);
      try {
        const out = await fn(w, conn);
        w.commit();
        return out;
      } catch (e) {
        w.abort();
        throw e;
      }
    };
    return c ? await run(c) : await withDb(run);
  } finally {
    release();
  }
}

/** Loads bar blocks into a temp table `name` (columns of the bars dataset). */
async function stageBars(c: DuckDBConnection, name: string, b: BarColumns): Promise<void> {
  await c.run(`create or replace table ${name}_raw (ts_ns bigint, open double, high double, low double, close double, volume double, vwap double, trade_count bigint)`);
  const app = await c.createAppender(`${name}_raw`);
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
  // NaN marks a missing vwap in BarColumns; the lake stores it as NULL.
  await c.run(
    `create or replace view ${name} as select make_timestamp(ts_ns // 1000)::timestamptz as ts, open, high, low, close, volume, case when isnan(vwap) then null else vwap end as vwap, trade_count from ${name}_raw`,
  );
}

/**
 * Writes bar blocks, merging each with the stored partition of its symbol and timeframe:
 * rows are deduplicated on ts (a re-sent bar replaces the stored one), so writing the same bars
 * twice is a no-op and a new range appends. Returns the number of rows offered.
 */
export async function writeBars(lakeDir: string, blocks: BarColumns[], source: string): Promise<number> {
  let total = 0;
  await writeTransaction(lakeDir, async (w, c) => {
    let i = 0;
    for (const b of blocks) {
      const name = `blk_${i++}`;
      await stageBars(c, name, b);
      total += (await w.merge({ dataset: 'bars', symbol: b.symbol, timeframe: b.timeframe }, name, source)).offered;
      await c.run(`drop view ${name}; drop table ${name}_raw`);
    }
  });
  return total;
}

/** Stages corporate actions as a temp table `name` with a `symbol` column. */
async function stageActions(c: DuckDBConnection, name: string, actions: CorporateAction[]): Promise<void> {
  await c.run(`create or replace table ${name} (symbol varchar, ex_date date, kind varchar, ratio double, cash double)`);
  const app = await c.createAppender(name);
  for (const a of actions) {
    app.appendVarchar(a.symbol);
    app.appendVarchar(a.exDate);
    app.appendVarchar(a.kind);
    app.appendDouble(a.ratio);
    app.appendDouble(a.cash);
    app.endRow();
  }
  app.closeSync();
}

/** Merges corporate actions into each symbol's partition (deduplicated on ex_date + kind). */
export async function writeCorporateActions(lakeDir: string, actions: CorporateAction[], source: string, c?: DuckDBConnection, w?: LakeWrite): Promise<void> {
  const body = async (tx: LakeWrite, conn: DuckDBConnection) => {
    await stageActions(conn, 'ca_in', actions);
    for (const symbol of [...new Set(actions.map((a) => a.symbol))].sort()) {
      await conn.run(`create or replace view ca_sym as select ex_date, kind, ratio, cash from ca_in where symbol = ${sqlString(symbol)}`);
      await tx.merge({ dataset: 'corporate_actions', symbol, timeframe: null }, 'ca_sym', source);
    }
    await conn.run(`drop view if exists ca_sym; drop table ca_in`);
  };
  if (w && c) await body(w, c);
  else await writeTransaction(lakeDir, body);
}
