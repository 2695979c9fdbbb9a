// Imports price files into the lake: CSV (layouts recognised or mapped, parsed by DuckDB's CSV
// reader), Parquet (DuckDB's reader) and Arrow IPC (apache-arrow's reader). Everything is loaded
// and validated in a scratch DuckDB first; only a file that passes every check reaches the lake
// writer, so a bad file leaves the lake and its manifest exactly as they were.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DATE, DOUBLE, DuckDBDataChunk, TIMESTAMP, TIMESTAMPTZ, VARCHAR } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC, Type, type Table } from 'apache-arrow';
import { TIMEFRAMES, type Timeframe } from '../core/data/bars';
import { firstRow, sqlIdent, sqlString, withDb } from './db';
import { detectCsvLayout, fieldFor, ImportError, LAYOUT_HELP, type CsvLayout, type Field, type Format } from './layouts';
import { entryProblem, readManifest, sha256File, type ImportStamp, type ManifestEntry } from './manifest';
import { checkSymbol, writeTransaction, type PartitionWrite } from './writer';

export interface ImportOptions {
  symbol: string;
  /** Bar length; inferred from the timestamps when omitted (daily layouts are 1Day). */
  timeframe?: Timeframe;
  format?: Format;
  /** Zone of timestamps written without an offset (default America/New_York). */
  tz?: string;
  /** Explicit column mapping: column name (or 1-based number) → field. */
  map?: Record<string, Field>;
  /** What to do with a Yahoo `Adj Close`: keep it as a column and derive dividends (default), or only keep it. */
  adjClose?: 'column+actions' | 'column';
  /** Threads for DuckDB (default 2). */
  threads?: number;
}

export interface ImportReport {
  file: string;
  symbol: string;
  layout: string;
  dataset: 'bars' | 'quotes' | 'trades';
  timeframe: Timeframe | null;
  /** Data rows read from the file. */
  rowsRead: number;
  /** Rows of the partition after the import. */
  rows: number;
  /** Rows that were not stored before. */
  added: number;
  unchanged: boolean;
  from: string | null;
  to: string | null;
  /** Dividends derived from Adj Close and recorded in corporate_actions. */
  dividends: number;
  notes: string[];
}

const STEP_SECONDS: Record<number, Timeframe> = { 60: '1Min', 300: '5Min', 900: '15Min', 3600: '1Hour', 86400: '1Day' };

const TYPE_WORDS: Record<string, string> = {
  DOUBLE: 'a number',
  DATE: 'a date',
  TIME: 'a time like 09:30:00',
  TIMESTAMP: 'a date and time',
  TIMESTAMPTZ: 'a date and time with a UTC offset',
};

interface Loaded {
  /** Relation `raw` holds the source columns, in file order. */
  fields: Partial<Record<Field, string>>;
  dataset: 'bars' | 'quotes' | 'trades';
  layout: string;
  /** SQL for the UTC timestamp of a row. */
  tsExpr: string;
  daily: boolean;
  lineWord: 'line' | 'row';
  /** Line (or row) number of the first data row: row k of the stage is at line k + lineBase. */
  lineBase: number;
  /** Checks run after the rows are staged (the CSV reader's rejected lines). */
  afterStage?: () => Promise<void>;
  notes: string[];
}

async function checkZone(c: DuckDBConnection, tz: string): Promise<void> {
  const ok = await firstRow(c, `select count(*) from pg_timezone_names() where name = ${sqlString(tz)}`);
  if (!ok || Number(ok[0]) === 0) throw new Error(`--tz "${tz}": expected an IANA time zone such as America/New_York or UTC`);
}

async function loadCsv(c: DuckDBConnection, file: string, opts: ImportOptions, tz: string): Promise<Loaded> {
  const layout: CsvLayout = detectCsvLayout(file, opts.format ?? 'auto', opts.map);
  const columns = `{${layout.columns.map((col, i) => `${sqlString(col)}: ${sqlString(layout.types[i])}`).join(', ')}}`;
  const options = [
    `header = false`, `skip = 1`, `auto_detect = false`, `delim = ${sqlString(layout.delimiter)}`, `quote = '"'`, `columns = ${columns}`,
    `store_rejects = true`, `rejects_table = 'rejects'`, `rejects_scan = 'rejects_scan'`,
    layout.dateFormat ? `dateformat = ${sqlString(layout.dateFormat)}` : '',
    layout.timestampFormat ? `timestampformat = ${sqlString(layout.timestampFormat)}` : '',
  ].filter(Boolean).join(', ');
  // A view, not a table: the rows are materialized once, already converted, when staged.
  await c.run(`create view raw as select * from read_csv(${sqlString(file)}, ${options})`);
  const afterStage = async () => {
  const rej = await c.runAndReadAll(`select line, column_name, error_type, csv_line, error_message from rejects order by line limit 1`);
  const r = rej.getRowObjectsJS()[0];
  if (r) {
    const line = Number(r.line);
    const colName = r.column_name === null ? null : String(r.column_name);
    const type = colName ? layout.types[layout.columns.indexOf(colName)] : null;
    const etype = String(r.error_type);
    let detail: string;
    if (etype === 'CAST' && colName) {
      const got = /Could not convert string "([^"]*)"/.exec(String(r.error_message))?.[1] ?? /"([^"]*)"/.exec(String(r.error_message))?.[1];
      const what = type === 'DATE' ? `a date like ${layout.dateFormat === '%m/%d/%Y' ? '12/31/2014' : layout.dateFormat === '%Y%m%d' ? '20141231' : '2014-12-31'}` : TYPE_WORDS[type ?? ''] ?? type;
      detail = `expected ${what}, got ${got !== undefined ? `"${got}"` : String(r.error_message)}`;
    } else if (etype === 'TOO MANY COLUMNS' || etype === 'MISSING COLUMNS') {
      detail = `malformed row: expected ${layout.columns.length} fields (${layout.columns.join(',')}), got "${String(r.csv_line).slice(0, 120)}"`;
    } else {
      detail = `${String(r.error_message).split('\n')[0]} in "${String(r.csv_line).slice(0, 120)}"`;
    }
    throw new ImportError(file, line, etype === 'CAST' ? colName : null, detail);
  }
  };
  const f = layout.fields;
  const local = f.datetime ? sqlIdent(f.datetime) : f.time ? `(${sqlIdent(f.date!)} + ${sqlIdent(f.time)})` : `${sqlIdent(f.date!)}::timestamp`;
  const tsExpr = layout.zoned ? sqlIdent(f.datetime!) : `timezone(${sqlString(tz)}, ${local})`;
  return { fields: f, dataset: layout.dataset, layout: layout.name, tsExpr, daily: !f.datetime && !f.time, lineWord: 'line', lineBase: 2, afterStage, notes: layout.quirks };
}

/** Maps source columns of a typed file (Parquet, Arrow) to fields by name. */
async function mapTyped(c: DuckDBConnection, file: string, opts: ImportOptions, tz: string, format: 'parquet' | 'arrow'): Promise<Loaded> {
  const desc = (await c.runAndReadAll(`describe raw`)).getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const fields: Partial<Record<Field, string>> = {};
  const explicit = opts.map && Object.keys(opts.map).length ? opts.map : null;
  for (const d of desc) {
    const f = explicit ? explicit[d.name] : fieldFor(d.name);
    if (f && !fields[f]) fields[f] = d.name;
  }
  if (!fields.datetime && fields.date && /TIMESTAMP/.test(desc.find((d) => d.name === fields.date)!.type)) {
    fields.datetime = fields.date;
    delete fields.date;
  }
  const typeOf = (f: Field) => desc.find((d) => d.name === fields[f])?.type ?? '';
  let dataset: Loaded['dataset'];
  if (fields.bid && fields.ask) dataset = 'quotes';
  else if (fields.open && fields.high && fields.low && fields.close) dataset = 'bars';
  else if (fields.price) dataset = 'trades';
  else throw new ImportError(file, null, null, `unknown layout: expected ${LAYOUT_HELP[format]}; found columns ${desc.map((d) => d.name).join(', ')} (use --map col=field,…)`);
  const tcol = fields.datetime ?? fields.date;
  if (!tcol) throw new ImportError(file, null, null, `unknown layout: expected a timestamp or date column (ts, timestamp, datetime, date); found ${desc.map((d) => d.name).join(', ')}`);
  const t = typeOf(fields.datetime ? 'datetime' : 'date');
  let tsExpr: string;
  let daily = false;
  if (t === 'TIMESTAMP WITH TIME ZONE') tsExpr = sqlIdent(tcol);
  else if (t.startsWith('TIMESTAMP')) tsExpr = `timezone(${sqlString(tz)}, ${sqlIdent(tcol)}::timestamp)`;
  else if (t === 'DATE') {
    tsExpr = `timezone(${sqlString(tz)}, ${sqlIdent(tcol)}::timestamp)`;
    daily = true;
  } else throw new ImportError(file, null, tcol, `expected a TIMESTAMP, TIMESTAMP WITH TIME ZONE or DATE column, found ${t}`);
  for (const f of Object.keys(fields) as Field[]) {
    if (f === 'date' || f === 'datetime' || f === 'time') continue;
    const ty = typeOf(f);
    if (!/DOUBLE|FLOAT|INT|DECIMAL|REAL/.test(ty)) throw new ImportError(file, null, fields[f]!, `expected a numeric column, found ${ty}`);
  }
  return { fields, dataset, layout: format, tsExpr, daily, lineWord: 'row', lineBase: 1, notes: [] };
}

async function loadParquet(c: DuckDBConnection, file: string, opts: ImportOptions, tz: string): Promise<Loaded> {
  await c.run(`create view raw as select * from read_parquet(${sqlString(file)})`);
  return mapTyped(c, file, opts, tz, 'parquet');
}

/** Rows per chunk handed to DuckDB's appender (its vector size). */
const CHUNK_ROWS = 2048;

type ArrowColumn =
  | { name: string; sqlType: 'DOUBLE'; values: Float64Array; valid: Uint8Array | null }
  | { name: string; sqlType: 'TIMESTAMP' | 'TIMESTAMPTZ'; values: BigInt64Array; valid: Uint8Array | null }
  | { name: string; sqlType: 'DATE'; values: Int32Array; valid: Uint8Array | null }
  | { name: string; sqlType: 'VARCHAR'; values: (string | null)[]; valid: null };

/** Microseconds per unit of an Arrow timestamp (seconds, ms, µs, ns), as [multiplier, divisor]. */
const MICROS_PER_UNIT: readonly (readonly [bigint, bigint])[] = [
  [1_000_000n, 1n],
  [1_000n, 1n],
  [1n, 1n],
  [1n, 1_000n],
];

/**
 * One Arrow column as a flat array of what DuckDB stores (DOUBLE, TIMESTAMP µs, DATE days, text)
 * and a validity byte per row (null when there are no nulls): batch buffers are read directly
 * where their layout allows, per value otherwise (decimals, 64-bit integers, text).
 */
function arrowColumn(table: Table, index: number): ArrowColumn {
  const field = table.schema.fields[index];
  const vector = table.getChildAt(index)!;
  const n = table.numRows;
  const id = field.type.typeId;
  const valid = vector.nullCount > 0 ? new Uint8Array(n) : null;
  if (valid !== null) for (let i = 0; i < n; i++) valid[i] = vector.isValid(i) ? 1 : 0;
  if (id === Type.Timestamp) {
    const type = field.type as { timezone?: string | null; unit: number };
    const values = new BigInt64Array(n);
    const [mul, div] = MICROS_PER_UNIT[type.unit] ?? [1n, 1n];
    let at = 0;
    for (const batch of vector.data) {
      const raw = batch.values as BigInt64Array;
      for (let i = 0; i < batch.length; i++) {
        const v = raw[batch.offset + i];
        // ns → µs rounds half away from zero, as the value's own instant would.
        values[at + i] = div === 1n ? v * mul : (v + (v < 0n ? -div / 2n : div / 2n)) / div;
      }
      at += batch.length;
    }
    return { name: field.name, sqlType: type.timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP', values, valid };
  }
  if (id === Type.Date) {
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v: unknown = vector.get(i);
      values[i] = v === null || v === undefined ? 0 : Math.floor(Number(v) / 86_400_000);
    }
    return { name: field.name, sqlType: 'DATE', values, valid };
  }
  if (id === Type.Float || id === Type.Int || id === Type.Decimal) {
    const values = new Float64Array(n);
    // 32-bit and 64-bit floats and integers up to 32 bits are typed arrays of the numbers
    // themselves; half floats (raw bits), 64-bit integers (bigint) and decimals go value by value.
    const t = field.type as { precision?: number; bitWidth?: number };
    const direct = (id === Type.Float && t.precision !== 0) || (id === Type.Int && (t.bitWidth ?? 64) <= 32);
    let at = 0;
    for (const batch of vector.data) {
      if (direct) {
        const raw = batch.values as Float64Array | Float32Array | Int32Array;
        values.set(raw.subarray(batch.offset, batch.offset + batch.length), at);
      } else {
        for (let i = 0; i < batch.length; i++) {
          const v: unknown = vector.get(at + i);
          values[at + i] = v === null || v === undefined ? 0 : Number(v);
        }
      }
      at += batch.length;
    }
    return { name: field.name, sqlType: 'DOUBLE', values, valid };
  }
  const values: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector.get(i);
    values[i] = v === null || v === undefined ? null : String(v);
  }
  return { name: field.name, sqlType: 'VARCHAR', values, valid: null };
}

/** Arrow IPC has no DuckDB reader here (the arrow extension is not bundled); apache-arrow reads it. */
async function loadArrow(c: DuckDBConnection, file: string, opts: ImportOptions, tz: string): Promise<Loaded> {
  let table: Table;
  try {
    table = tableFromIPC(fs.readFileSync(file));
  } catch (e) {
    throw new ImportError(file, null, null, `expected an Arrow IPC file or stream: ${(e as Error).message}`);
  }
  const cols = table.schema.fields.map((_, k) => arrowColumn(table, k));
  await c.run(`create table raw (${cols.map((x) => `${sqlIdent(x.name)} ${x.sqlType}`).join(', ')})`);
  const types = cols.map((x) => (x.sqlType === 'DOUBLE' ? DOUBLE : x.sqlType === 'TIMESTAMP' ? TIMESTAMP : x.sqlType === 'TIMESTAMPTZ' ? TIMESTAMPTZ : x.sqlType === 'DATE' ? DATE : VARCHAR));
  const app = await c.createAppender('raw');
  // Whole chunks of columns copied into DuckDB's vectors, not a call per value.
  const mask = new Uint8Array(CHUNK_ROWS / 8);
  for (let from = 0; from < table.numRows; from += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, table.numRows - from);
    const chunk = DuckDBDataChunk.create(types, rows);
    cols.forEach((x, k) => {
      if (x.sqlType === 'VARCHAR') {
        chunk.setColumnValues(k, x.values.slice(from, from + rows));
        return;
      }
      const vec = duckdb.data_chunk_get_vector(chunk.chunk, k);
      const width = x.values.BYTES_PER_ELEMENT;
      duckdb.copy_data_to_vector(vec, 0, x.values.buffer as ArrayBuffer, x.values.byteOffset + from * width, rows * width);
      if (x.valid !== null) {
        mask.fill(0);
        for (let i = 0; i < rows; i++) if (x.valid[from + i] === 1) mask[i >> 3] |= 1 << (i & 7);
        duckdb.vector_ensure_validity_writable(vec);
        duckdb.copy_data_to_vector_validity(vec, 0, mask.buffer, 0, Math.ceil(rows / 64) * 8);
      }
    });
    app.appendDataChunk(chunk);
  }
  app.closeSync();
  return mapTyped(c, file, opts, tz, 'arrow');
}

function sniffFormat(file: string): 'csv' | 'parquet' | 'arrow' {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(8);
    fs.readSync(fd, b, 0, 8, 0);
    if (b.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
    if (b.subarray(0, 6).toString('latin1') === 'ARROW1' || b.readUInt32LE(0) === 0xffffffff) return 'arrow';
    return 'csv';
  } finally {
    fs.closeSync(fd);
  }
}

/** Bump when an import of the same bytes and options would store different rows. */
const IMPORT_VERSION = 1;

/**
 * The partition an import of these exact bytes and options last wrote, if every partition it
 * wrote is still as it left it: re-importing would then change nothing, so nothing is read.
 */
function alreadyImported(lakeDir: string, symbol: string, fingerprint: string): { entry: ManifestEntry; stamp: ImportStamp } | null {
  const mine = readManifest(lakeDir).entries.filter((e) => e.symbol === symbol && e.writtenBy?.fingerprint === fingerprint);
  const main = mine.find((e) => e.dataset !== 'corporate_actions');
  if (!main || mine.some((e) => entryProblem(lakeDir, e) !== null)) return null;
  const stamp = main.writtenBy!;
  if (stamp.dividends > 0 && !mine.some((e) => e.dataset === 'corporate_actions')) return null;
  return { entry: main, stamp };
}

const isoOf = (s: string) => new Date(s.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString();

/**
 * Rejects missing, non-finite and negative values, and conflicting duplicates, naming the line.
 * Says whether no two rows share a timestamp (so the writer can skip deduplication), and
 * whether they also rise in the order the file gives them (so it can skip sorting).
 */
async function validate(c: DuckDBConnection, file: string, l: Loaded, names: Partial<Record<string, string>>, required: string[], prices: string[]): Promise<{ unique: boolean; sorted: boolean }> {
  const word = l.lineWord;
  const where = (conds: string[]) => conds.join(' or ');
  const first = async (cond: string, pick: string) => (await c.runAndReadAll(`select _line, ${pick} from stage where ${cond} order by _line limit 1`)).getRowsJS()[0] as [bigint, string, unknown] | undefined;
  const caseOf = (cols: string[], test: (x: string) => string) => `case ${cols.map((x) => `when ${test(x)} then '${x}'`).join(' ')} end`;
  const valueOf = (cols: string[], test: (x: string) => string) => `case ${cols.map((x) => `when ${test(x)} then ${x}::varchar`).join(' ')} end`;
  const lineErr = (line: bigint, field: string, detail: string) => new ImportError(file, Number(line), names[field] ?? field, `${detail}${word === 'row' ? ` (row ${line})` : ''}`);
  const nums = required.filter((x) => x !== 'ts');
  const anyBad = where([...required.map((x) => `${x} is null`), ...nums.map((x) => `not isfinite(${x})`), ...prices.map((x) => `${x} < 0`)]);
  // One scan finds whether any row is bad; only then do the per-check queries name the first.
  const clean = Number((await firstRow(c, `select count(*) from (select 1 from stage_t where ${anyBad} limit 1)`))![0]) === 0;
  if (!clean) {
    const missing = await first(where(required.map((x) => `${x} is null`)), `${caseOf(required, (x) => `${x} is null`)}, null`);
    if (missing) throw lineErr(missing[0], missing[1], missing[1] === 'ts' ? 'expected a date/time, found nothing' : 'expected a number, found nothing');
    if (nums.length) {
      const bad = await first(where(nums.map((x) => `not isfinite(${x})`)), `${caseOf(nums, (x) => `not isfinite(${x})`)}, ${valueOf(nums, (x) => `not isfinite(${x})`)}`);
      if (bad) throw lineErr(bad[0], bad[1], `expected a finite number, got ${String(bad[2])}`);
    }
    const neg = await first(where(prices.map((x) => `${x} < 0`)), `${caseOf(prices, (x) => `${x} < 0`)}, ${valueOf(prices, (x) => `${x} < 0`)}`);
    if (neg) throw lineErr(neg[0], neg[1], `expected a price ≥ 0, got ${String(neg[2])}`);
  }
  if (l.dataset === 'bars') {
    // Timestamps that rise strictly in the order DuckDB streams them (whatever that order is) are
    // all distinct; that streaming pass is far cheaper than grouping, and most files pass it.
    const rising = Number((await firstRow(c, `select count(*) from (select ts <= lag(ts) over () as back from stage_t) where back`))![0]) === 0;
    if (rising) return { unique: true, sorted: true };
    const repeated = (await c.runAndReadAll(`select ts from stage_t group by ts having count(*) > 1 limit 1`)).getRowsJS().length > 0;
    if (!repeated) return { unique: true, sorted: false };
    const value = required.filter((x) => x !== 'ts').join(', ');
    const dup = (await c.runAndReadAll(
      `select min(_line), max(_line), any_value(ts)::varchar from stage group by ts having count(*) > 1 and count(distinct (${value})) > 1 order by 1 limit 1`,
    )).getRowsJS()[0] as [bigint, bigint, string] | undefined;
    if (dup) {
      throw new ImportError(file, Number(dup[1]), names.ts ?? 'ts', `duplicate timestamp ${isoOf(dup[2])} with different values (first at ${word} ${dup[0]}); expected one bar per timestamp`);
    }
  }
  return { unique: false, sorted: false };
}

async function inferTimeframe(c: DuckDBConnection, file: string, l: Loaded): Promise<Timeframe> {
  if (l.daily) return '1Day';
  const r = await firstRow(c, `select mode(d) from (select epoch(ts) - epoch(lag(ts) over (order by ts)) as d from (select ts from stage_t where rowid < 20000)) where d > 0`);
  const step = r?.[0] === null || r?.[0] === undefined ? null : Number(r[0]);
  const tf = step !== null ? STEP_SECONDS[Math.round(step)] : undefined;
  if (!tf) throw new ImportError(file, null, null, `cannot tell the bar length (most common spacing ${step ?? '?'} s); expected --timeframe ${TIMEFRAMES.join('|')}, or --format trades for ticks`);
  return tf;
}

/** Dividends implied by Yahoo's Adj Close: where adj/close steps up, the step is the dividend factor. */
async function dividendsFromAdjClose(c: DuckDBConnection): Promise<number> {
  await c.run(`create table divs as
    with r as (
      select ts, close, adj_close, lag(close) over w as pc, lag(adj_close) over w as pa from stage window w as (order by ts)
    )
    select 'dividend' as kind, 1.0 as ratio, round(pc * (1 - (pa / pc) / (adj_close / close)), 6) as cash,
           timezone('America/New_York', ts)::date as ex_date
    from r
    where pc > 0 and pa > 0 and close > 0 and adj_close > 0
      -- Both prices carry 6 decimals; a step must stand well clear of that rounding.
      and (adj_close / close) / (pa / pc) - 1 > greatest(1e-4, 20 * (0.5e-6 / adj_close + 0.5e-6 / close + 0.5e-6 / pa + 0.5e-6 / pc))`);
  return Number((await firstRow(c, `select count(*) from divs`))![0]);
}

export async function importFile(lakeDir: string, file: string, opts: ImportOptions): Promise<ImportReport> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new ImportError(file, null, null, 'no such file');
  checkSymbol(opts.symbol);
  if (opts.timeframe && !TIMEFRAMES.includes(opts.timeframe)) throw new Error(`--timeframe "${opts.timeframe}": expected one of ${TIMEFRAMES.join(', ')}`);
  const tz = opts.tz ?? 'America/New_York';
  const format = opts.format ?? 'auto';
  const fingerprint = crypto
    .createHash('sha256')
    .update(sha256File(abs))
    .update(JSON.stringify([IMPORT_VERSION, opts.symbol, opts.timeframe ?? null, format, tz, opts.map ?? {}, opts.adjClose ?? 'column+actions']))
    .digest('hex');
  const again = alreadyImported(lakeDir, opts.symbol, fingerprint);
  if (again) {
    const { entry: e, stamp } = again;
    return {
      file, symbol: opts.symbol, layout: stamp.layout, dataset: e.dataset as ImportReport['dataset'], timeframe: e.timeframe as Timeframe | null, rowsRead: stamp.rowsRead,
      rows: e.rows, added: 0, unchanged: true, from: stamp.from, to: stamp.to, dividends: stamp.dividends,
      notes: [...stamp.notes, 'the lake holds this file’s rows from an earlier import of the same bytes with the same options; nothing was read'],
    };
  }
  return withDb(async (c) => {
    await checkZone(c, tz);
    const kind = format === 'parquet' || format === 'arrow' ? format : format === 'auto' ? sniffFormat(abs) : 'csv';
    const loaded = kind === 'parquet' ? await loadParquet(c, file, opts, tz) : kind === 'arrow' ? await loadArrow(c, file, opts, tz) : await loadCsv(c, file, { ...opts, format }, tz);
    const f = loaded.fields;
    const col = (x: Field) => (f[x] ? sqlIdent(f[x]!) : 'null');
    const names: Partial<Record<string, string>> = { ts: f.datetime ?? f.date };
    let select: string;
    let required: string[];
    let prices: string[];
    if (loaded.dataset === 'bars') {
      select = `${loaded.tsExpr} as ts, ${col('open')}::double as open, ${col('high')}::double as high, ${col('low')}::double as low, ${col('close')}::double as close,
        ${col('volume')}::double as volume, ${col('vwap')}::double as vwap, ${col('trade_count')}::bigint as trade_count${f.adj_close ? `, ${col('adj_close')}::double as adj_close` : ''}`;
      required = ['ts', 'open', 'high', 'low', 'close', ...(f.volume ? ['volume'] : []), ...(f.adj_close ? ['adj_close'] : [])];
      prices = ['open', 'high', 'low', 'close', ...(f.volume ? ['volume'] : []), ...(f.vwap ? ['vwap'] : []), ...(f.adj_close ? ['adj_close'] : [])];
    } else if (loaded.dataset === 'quotes') {
      select = `${loaded.tsExpr} as ts, ${col('bid')}::double as bid, ${col('bid_size')}::double as bid_size, ${col('ask')}::double as ask, ${col('ask_size')}::double as ask_size`;
      required = ['ts', 'bid', 'ask'];
      prices = ['bid', 'ask', ...(f.bid_size ? ['bid_size'] : []), ...(f.ask_size ? ['ask_size'] : [])];
    } else {
      select = `${loaded.tsExpr} as ts, ${col('price')}::double as price, ${col('size')}::double as size`;
      required = ['ts', 'price'];
      prices = ['price', ...(f.size ? ['size'] : [])];
    }
    for (const x of ['open', 'high', 'low', 'close', 'volume', 'vwap', 'trade_count', 'adj_close', 'bid', 'ask', 'bid_size', 'ask_size', 'price', 'size'] as Field[]) if (f[x]) names[x] = f[x];
    // One pass over the source: read, convert and materialize. Row k of stage_t is row k of the
    // file (DuckDB preserves insertion order), which is how errors name their line.
    await c.run(`create table stage_t as select ${select} from raw`);
    await loaded.afterStage?.();
    await c.run(kind === 'arrow' ? `drop table raw` : `drop view raw`);
    await c.run(`create view stage as select *, rowid + ${loaded.lineBase} as _line from stage_t`);
    const rowsRead = Number((await firstRow(c, `select count(*) from stage_t`))![0]);
    if (rowsRead === 0) throw new ImportError(file, 2, null, 'expected data rows after the header, found none');
    const { unique, sorted } = await validate(c, file, loaded, names, required, prices);
    const timeframe = loaded.dataset === 'bars' ? opts.timeframe ?? (await inferTimeframe(c, file, loaded)) : null;
    let dividends = 0;
    const deriveActions = loaded.dataset === 'bars' && !!f.adj_close && (opts.adjClose ?? 'column+actions') === 'column+actions';
    if (deriveActions) dividends = await dividendsFromAdjClose(c);
    await c.run(`create view stage_rows as select * from stage_t`);
    const source = `import ${path.basename(file)} (${loaded.layout})`;
    const [lo, hi] = (await firstRow(c, `select min(ts)::varchar, max(ts)::varchar from stage_t`))! as [string, string];
    const notes = [...loaded.notes];
    if (f.adj_close) notes.push(deriveActions ? `Adj Close kept as column adj_close; ${dividends} dividends derived from it into corporate_actions` : 'Adj Close kept as column adj_close');
    if (timeframe === '1Day') notes.push(`daily bars stamped at midnight ${tz} of the session date`);
    const writtenBy: ImportStamp = { fingerprint, rowsRead, dividends, layout: loaded.layout, from: isoOf(lo), to: isoOf(hi), notes };
    const w = await writeTransaction(
      lakeDir,
      async (tx) => {
        const res: PartitionWrite = await tx.merge({ dataset: loaded.dataset, symbol: opts.symbol, timeframe }, 'stage_rows', source, { unique, sorted, writtenBy });
        if (dividends > 0) {
          await c.run(`create view divs_rows as select ex_date, kind, ratio, cash from divs`);
          await tx.merge({ dataset: 'corporate_actions', symbol: opts.symbol, timeframe: null }, 'divs_rows', `${source}: dividends implied by Adj Close`, { writtenBy });
        }
        return res;
      },
      c,
    );
    return {
      file, symbol: opts.symbol, layout: loaded.layout, dataset: loaded.dataset, timeframe, rowsRead, rows: w.rows, added: w.added, unchanged: w.unchanged,
      from: isoOf(lo), to: isoOf(hi), dividends, notes,
    };
  }, opts.threads ?? 2);
}
