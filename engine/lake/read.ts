// Reads for the engine: bars as typed-array columns (BigInt64Array ns timestamps, Float64Array
// prices), streamed in bounded chunks straight out of DuckDB's result vectors, adjusted at read
// time from `corporate_actions` with Alpaca's meaning of raw/split/dividend/all, and optionally
// resampled from a finer stored timeframe along NYSE sessions.
import type { DuckDBConnection, DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { tableFromArrays, type Table } from 'apache-arrow';
import { newYorkToUtcNs, parseIsoDate } from '../core/calendar';
import { emptyBars, TIMEFRAMES, type BarColumns, type Timeframe } from '../core/data/bars';
import { BarResampler, canResample, concatBars, trim } from './resample';

export type Adjustment = 'raw' | 'split' | 'dividend' | 'all';
export const ADJUSTMENTS: readonly Adjustment[] = ['raw', 'split', 'dividend', 'all'];

export interface BarsQuery {
  symbols: string[];
  timeframe: Timeframe;
  /** Inclusive start: epoch ns, an ISO instant, or a date (midnight New York of that date). */
  from?: bigint | string;
  /** Inclusive end: epoch ns, an ISO instant, or a date (the whole of that New York day). */
  to?: bigint | string;
  /** Alpaca's meaning: raw prices, split-adjusted, dividend-adjusted, or both. Default raw. */
  adjustment?: Adjustment;
  /** Rows per chunk for {@link streamBars} (default 1,048,576). */
  chunkRows?: number;
  /** Build `timeframe` by resampling this finer stored timeframe along NYSE sessions. */
  resampleFrom?: Timeframe;
  /** Rows from which a whole read ({@link bars}) runs as two streams at once (default 1,048,576). */
  splitFrom?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a bound to epoch ns; `end` turns it into an exclusive upper bound. */
export function boundNs(v: bigint | string, end: boolean): bigint {
  if (typeof v === 'bigint') return end ? v + 1n : v;
  if (DATE_ONLY.test(v)) {
    parseIsoDate(v);
    if (!end) return newYorkToUtcNs(v);
    const next = new Date(Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10)) + 1)).toISOString().slice(0, 10);
    return newYorkToUtcNs(next);
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new RangeError(`expected a date (YYYY-MM-DD), an ISO instant or epoch ns, got "${v}"`);
  const ns = BigInt(ms) * 1_000_000n;
  return end ? ns + 1n : ns;
}

function checkQuery(q: BarsQuery): void {
  if (!TIMEFRAMES.includes(q.timeframe)) throw new RangeError(`timeframe "${q.timeframe}": expected one of ${TIMEFRAMES.join(', ')}`);
  if (q.adjustment && !ADJUSTMENTS.includes(q.adjustment)) throw new RangeError(`adjustment "${q.adjustment}": expected one of ${ADJUSTMENTS.join(', ')}`);
  if (q.resampleFrom && !canResample(q.resampleFrom, q.timeframe)) throw new RangeError(`cannot resample ${q.resampleFrom} bars into ${q.timeframe}`);
}

/** Price and volume multipliers for bars before each ex-date of one symbol. */
interface Factors {
  exNs: bigint[];
  /** price factor for a bar before exNs[k] and on/after exNs[k-1]; last element is 1. */
  price: Float64Array;
  volume: Float64Array;
}

async function loadFactors(c: DuckDBConnection, symbol: string, timeframe: Timeframe, adj: Adjustment): Promise<Factors | null> {
  if (adj === 'raw') return null;
  const r = await c.runAndReadAll(
    `with ca as (
       select kind, ratio, cash, timezone('America/New_York', ex_date::timestamp) as ex_ts from corporate_actions where symbol = $1
     ), prev as (select ts, close from bars where symbol = $1 and timeframe = $2)
     select epoch_ns(ca.ex_ts) as ex_ns, ca.kind, ca.ratio, ca.cash, prev.close as prev_close
     from ca asof left join prev on ca.ex_ts > prev.ts
     order by ca.ex_ts`,
    [symbol, timeframe],
  );
  const rows = r.getRowsJS() as [bigint, string, number, number, number | null][];
  const wantSplit = adj === 'split' || adj === 'all';
  const wantDiv = adj === 'dividend' || adj === 'all';
  const acts = rows
    .map(([exNs, kind, ratio, cash, prevClose]) => {
      if (kind === 'split' && wantSplit && ratio > 0) return { exNs, p: 1 / ratio, v: ratio };
      if (kind === 'dividend' && wantDiv && prevClose && prevClose > 0) return { exNs, p: 1 - cash / prevClose, v: 1 };
      return null;
    })
    .filter((x): x is { exNs: bigint; p: number; v: number } => x !== null);
  if (!acts.length) return null;
  const price = new Float64Array(acts.length + 1).fill(1);
  const volume = new Float64Array(acts.length + 1).fill(1);
  for (let k = acts.length - 1; k >= 0; k--) {
    price[k] = price[k + 1] * acts[k].p;
    volume[k] = volume[k + 1] * acts[k].v;
  }
  return { exNs: acts.map((a) => a.exNs), price, volume };
}

function applyFactors(b: BarColumns, f: Factors | null): void {
  if (!f) return;
  let k = 0;
  const n = b.ts.length;
  for (let i = 0; i < n; i++) {
    const t = b.ts[i];
    while (k < f.exNs.length && t >= f.exNs[k]) k++;
    if (k === f.exNs.length) break;
    const p = f.price[k];
    b.open[i] *= p;
    b.high[i] *= p;
    b.low[i] *= p;
    b.close[i] *= p;
    b.vwap[i] *= p;
    b.volume[i] *= f.volume[k];
  }
}

function barsSql(rangeSql: string): string {
  // NaN stands for a missing value in the Float64Array columns.
  return `select epoch_ns(ts) as ts, coalesce(open, 'nan'::double), coalesce(high, 'nan'::double), coalesce(low, 'nan'::double), coalesce(close, 'nan'::double),
    coalesce(volume, 'nan'::double), coalesce(vwap, 'nan'::double), coalesce(trade_count::double, 'nan'::double)
    from bars where symbol = $1 and timeframe = $2${rangeSql}`;
}

function rangeSql(q: BarsQuery): string {
  let s = '';
  if (q.from !== undefined) s += ` and ts >= make_timestamp(${boundNs(q.from, false) / 1000n})::timestamptz`;
  if (q.to !== undefined) s += ` and ts < make_timestamp(${(boundNs(q.to, true) + 999n) / 1000n})::timestamptz`;
  return s;
}

/** Copies one DuckDB result chunk's 8 columns into `b` at row `at`, straight from the vectors. */
/** Column `col` of a chunk of 8-byte values (BIGINT/TIMESTAMP or DOUBLE), as a view of DuckDB's memory (valid while the chunk is). */
function columnView(chunk: DuckDBDataChunk, col: number, int64: boolean): BigInt64Array | Float64Array {
  const n = chunk.rowCount;
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, col), n * 8);
  return int64 ? new BigInt64Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.buffer, bytes.byteOffset, n);
}

function copyChunk(chunk: DuckDBDataChunk, b: BarColumns, at: number, from: number, count: number): void {
  const cols = [b.ts, b.open, b.high, b.low, b.close, b.volume, b.vwap, b.tradeCount] as const;
  for (let col = 0; col < 8; col++) (cols[col] as BigInt64Array | Float64Array).set(columnView(chunk, col, col === 0).subarray(from, from + count) as never, at);
}

/**
 * The result of `sql` (NOT NULL BIGINT or DOUBLE columns, as `int64` says column by column) as
 * typed arrays, copied chunk by chunk rather than row by row: for long series such as a run's
 * equity curve.
 */
export async function readNumberColumns(c: DuckDBConnection, sql: string, int64: readonly boolean[]): Promise<(BigInt64Array | Float64Array)[]> {
  const result = await c.stream(sql);
  const parts: (BigInt64Array | Float64Array)[][] = int64.map(() => []);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    int64.forEach((big, col) => parts[col].push(columnView(chunk, col, big).slice()));
    rows += chunk.rowCount;
  }
  return int64.map((big, col) => {
    const out = big ? new BigInt64Array(rows) : new Float64Array(rows);
    let at = 0;
    for (const p of parts[col]) {
      out.set(p as never, at);
      at += p.length;
    }
    return out;
  });
}

function isSorted(ts: BigInt64Array, from: number, to: number, prev: bigint | null): boolean {
  let p = prev ?? ts[from];
  for (let i = prev === null ? from + 1 : from; i < to; i++) {
    if (ts[i] < p) return false;
    p = ts[i];
  }
  return true;
}

/** Raw chunks of one symbol and stored timeframe, in time order. */
async function* rawChunks(c: DuckDBConnection, symbol: string, timeframe: Timeframe, q: BarsQuery, chunkRows: number, ordered = false): AsyncGenerator<BarColumns> {
  const result = await c.stream(barsSql(rangeSql(q)) + (ordered ? ' order by ts' : ''), [symbol, timeframe] as DuckDBValue[]);
  let buf = emptyBars(symbol, timeframe, chunkRows);
  let fill = 0;
  let last: bigint | null = null;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    let from = 0;
    while (from < chunk.rowCount) {
      const count = Math.min(chunk.rowCount - from, chunkRows - fill);
      copyChunk(chunk, buf, fill, from, count);
      // Files are written sorted and scanned in order; if a hand-made lake breaks that, sort.
      if (!ordered && !isSorted(buf.ts, fill, fill + count, last)) {
        yield* rawChunks(c, symbol, timeframe, q, chunkRows, true);
        return;
      }
      fill += count;
      from += count;
      last = buf.ts[fill - 1];
      if (fill === chunkRows) {
        yield buf;
        buf = emptyBars(symbol, timeframe, chunkRows);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield trim(buf, fill);
}

/** Bars in chunks of at most `chunkRows` rows; a chunk never mixes symbols. */
export async function* streamBars(c: DuckDBConnection, q: BarsQuery): AsyncGenerator<BarColumns> {
  checkQuery(q);
  const chunkRows = q.chunkRows ?? 1 << 20;
  const stored = q.resampleFrom ?? q.timeframe;
  for (const symbol of q.symbols) {
    const factors = await loadFactors(c, symbol, stored, q.adjustment ?? 'raw');
    const resampler = q.resampleFrom ? new BarResampler(symbol, q.timeframe) : null;
    for await (const raw of rawChunks(c, symbol, stored, q, chunkRows)) {
      applyFactors(raw, factors);
      if (!resampler) yield raw;
      else {
        const out = resampler.push(raw);
        if (out.ts.length) yield out;
      }
    }
    if (resampler) {
      const last = resampler.flush();
      if (last.ts.length) yield last;
    }
  }
}

/** Streams one time range of one symbol into `out` from row `at`; false if rows came out of order or overflowed. */
async function fillRange(c: DuckDBConnection, symbol: string, q: BarsQuery, out: BarColumns, at: number, end: number): Promise<boolean> {
  const result = await c.stream(barsSql(rangeSql(q)), [symbol, q.timeframe] as DuckDBValue[]);
  let last: bigint | null = null;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    if (at + chunk.rowCount > end) return false;
    copyChunk(chunk, out, at, 0, chunk.rowCount);
    if (!isSorted(out.ts, at, at + chunk.rowCount, last)) return false;
    at += chunk.rowCount;
    last = out.ts[at - 1];
  }
  return at === end;
}

/** Below this many rows one stream is as fast as two. */
const SPLIT_FROM = 1 << 20;

/**
 * One symbol's bars into exactly-sized arrays. DuckDB hands results over 2,048 rows at a time and
 * the hand-off, not the scan, is what costs; two streams over the two halves of the time range
 * run those hand-offs on two threads at once.
 */
async function wholeRange(c: DuckDBConnection, symbol: string, q: BarsQuery, second?: () => Promise<DuckDBConnection>): Promise<BarColumns | null> {
  const [n, lo, hi] = (await c.runAndReadAll(`select count(*), epoch_ns(min(ts)), epoch_ns(max(ts)) from bars where symbol = $1 and timeframe = $2${rangeSql(q)}`, [symbol, q.timeframe])).getRowsJS()[0] as [bigint, bigint | null, bigint | null];
  const out = emptyBars(symbol, q.timeframe, Number(n));
  if (n === 0n) return out;
  if (!second || Number(n) < (q.splitFrom ?? SPLIT_FROM) || lo === null || hi === null || hi - lo < 2000n) {
    return (await fillRange(c, symbol, q, out, 0, Number(n))) ? out : null;
  }
  // Stored timestamps are whole microseconds: a cut on a microsecond puts every row on one side.
  const mid = ((lo + (hi - lo) / 2n) / 1000n) * 1000n;
  const early: BarsQuery = { ...q, to: mid - 1n };
  const late: BarsQuery = { ...q, from: mid };
  const n1 = Number(((await c.runAndReadAll(`select count(*) from bars where symbol = $1 and timeframe = $2${rangeSql(early)}`, [symbol, q.timeframe])).getRowsJS()[0] as [bigint])[0]);
  const c2 = await second();
  const ok = await Promise.all([fillRange(c, symbol, early, out, 0, n1), fillRange(c2, symbol, late, out, n1, Number(n))]);
  // Each half is checked in order; the halves themselves are in order by construction.
  return ok[0] && ok[1] ? out : null;
}

/**
 * Bars of each requested symbol as one block (symbols with no bars give empty blocks).
 * `second` offers another connection to the same database, for reading two halves at once.
 */
export async function bars(c: DuckDBConnection, q: BarsQuery, second?: () => Promise<DuckDBConnection>): Promise<BarColumns[]> {
  checkQuery(q);
  const out: BarColumns[] = [];
  for (const symbol of q.symbols) {
    if (!q.resampleFrom) {
      let whole = await wholeRange(c, symbol, q, second);
      if (!whole) {
        // A file out of time order (made by hand): the streaming path sorts.
        const parts: BarColumns[] = [];
        for await (const chunk of streamBars(c, { ...q, symbols: [symbol] })) parts.push(chunk);
        whole = concatBars(symbol, q.timeframe, parts);
      } else applyFactors(whole, await loadFactors(c, symbol, q.timeframe, q.adjustment ?? 'raw'));
      out.push(whole);
    } else {
      const parts: BarColumns[] = [];
      for await (const chunk of streamBars(c, { ...q, symbols: [symbol] })) parts.push(chunk);
      out.push(concatBars(symbol, q.timeframe, parts));
    }
  }
  return out;
}

/** Bars as one Arrow table: symbol, ts (Int64 epoch ns), open, high, low, close, volume, vwap, trade_count. */
export async function barsArrow(c: DuckDBConnection, q: BarsQuery): Promise<Table> {
  const blocks = await bars(c, q);
  const all = concatBars('', q.timeframe, blocks);
  const symbol: string[] = [];
  for (const b of blocks) for (let i = 0; i < b.ts.length; i++) symbol.push(b.symbol);
  return tableFromArrays({
    symbol, ts: all.ts, open: all.open, high: all.high, low: all.low, close: all.close, volume: all.volume, vwap: all.vwap, trade_count: all.tradeCount,
  });
}
