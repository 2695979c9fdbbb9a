// Recognises the column layouts of price files (Yahoo daily, Date+Time intraday, ISO datetimes,
// bid/ask quotes) from their header and first rows, or takes an explicit column mapping. Only the
// layout is decided here; the rows themselves are parsed by DuckDB's CSV reader.
import fs from 'node:fs';

export const FIELDS = [
  'date', 'time', 'datetime', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'vwap', 'trade_count',
  'open_interest', 'bid', 'ask', 'bid_size', 'ask_size', 'price', 'size',
] as const;
export type Field = (typeof FIELDS)[number];

export const FORMATS = ['auto', 'yahoo', 'daily', 'intraday', 'iso', 'quotes', 'trades', 'parquet', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];
export type LayoutName = Exclude<Format, 'auto'>;

const ALIASES: Record<Field, string[]> = {
  date: ['date', 'day', 'tradedate'],
  time: ['time'],
  datetime: ['datetime', 'timestamp', 'ts', 'timeutc', 'datetimeutc'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c', 'last'],
  adj_close: ['adjclose', 'adjustedclose'],
  volume: ['volume', 'vol', 'v'],
  vwap: ['vwap'],
  trade_count: ['tradecount', 'trades', 'numtrades', 'n'],
  open_interest: ['openinterest', 'oi'],
  bid: ['bid', 'bidprice'],
  ask: ['ask', 'askprice', 'offer'],
  bid_size: ['bidsize'],
  ask_size: ['asksize'],
  price: ['price'],
  size: ['size', 'qty', 'quantity'],
};

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function fieldFor(column: string): Field | undefined {
  const n = norm(column);
  return FIELDS.find((f) => ALIASES[f].includes(n));
}

/** What each layout looks like, for error messages. */
export const LAYOUT_HELP: Record<LayoutName, string> = {
  yahoo: 'Date,Open,High,Low,Close,Adj Close,Volume',
  daily: 'Date,Open,High,Low,Close[,Volume]',
  intraday: 'Date,Time,Open,High,Low,Close[,Volume]',
  iso: 'Datetime (ISO 8601),Open,High,Low,Close[,Volume]',
  quotes: 'Timestamp,Bid,Ask[,Bid Size,Ask Size]',
  trades: 'Timestamp,Price[,Size]',
  parquet: 'a Parquet file with ts/date and OHLC (or bid/ask, or price) columns',
  arrow: 'an Arrow IPC file with ts/date and OHLC (or bid/ask, or price) columns',
};

export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${field ? `field "${field}": ` : ''}${detail}`);
    this.name = 'ImportError';
  }
}

export interface CsvLayout {
  name: LayoutName;
  dataset: 'bars' | 'quotes' | 'trades';
  delimiter: string;
  /** Column names in file order (a name is added when the header omits one, see `quirks`). */
  columns: string[];
  /** DuckDB type of each column. */
  types: string[];
  fields: Partial<Record<Field, string>>;
  dateFormat: string | null;
  timestampFormat: string | null;
  /** The datetime column carries its own UTC offset (the source time zone does not apply). */
  zoned: boolean;
  quirks: string[];
}

const TIME_RE = /^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATE_FORMATS: [RegExp, string, string][] = [
  [/^\d{4}-\d{2}-\d{2}$/, '%Y-%m-%d', '2014-12-31'],
  [/^\d{1,2}\/\d{1,2}\/\d{4}$/, '%m/%d/%Y', '12/31/2014'],
  [/^\d{8}$/, '%Y%m%d', '20141231'],
];
const ISO_DT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const ISO_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/;
const US_DT = /^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}(:\d{2})?$/;

const NUMERIC: Field[] = ['open', 'high', 'low', 'close', 'adj_close', 'volume', 'vwap', 'trade_count', 'open_interest', 'bid', 'ask', 'bid_size', 'ask_size', 'price', 'size'];

function split(line: string, d: string): string[] {
  return line.split(d).map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
}

/** Reads the head of a file: enough lines to decide its layout without parsing it all. */
export function readHead(file: string, bytes = 65536): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    const lines = buf.subarray(0, n).toString('utf8').split(/\r?\n/);
    if (n === bytes) lines.pop();
    return lines;
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses `--map` text: `col=field,…` where col is a header name or a 1-based column number. */
export function parseMap(text: string): Record<string, Field> {
  const out: Record<string, Field> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [col, field] = part.split('=').map((s) => s.trim());
    if (!col || !field || !FIELDS.includes(field as Field)) throw new Error(`--map "${part}": expected column=field with field one of ${FIELDS.join(', ')}`);
    out[col] = field as Field;
  }
  return out;
}

/**
 * Decides the layout of a CSV file. `map` (column → field) overrides the recognised names;
 * `format` asserts a layout (an error names what was expected when the file does not fit).
 */
export function detectCsvLayout(file: string, format: Format = 'auto', map: Record<string, Field> = {}): CsvLayout {
  const lines = readHead(file);
  const header = lines[0] ?? '';
  const delimiter = [',', ';', '\t', '|'].reduce((best, d) => (header.split(d).length > header.split(best).length ? d : best), ',');
  const columns = split(header, delimiter);
  const data = lines.slice(1).filter((l) => l.trim() !== '').slice(0, 50).map((l) => split(l, delimiter));
  const expected = format === 'auto' ? 'a header naming the columns, such as Date,Open,High,Low,Close,Volume or Date,Time,Open,… or Timestamp,Bid,Ask' : `the ${format} layout: ${LAYOUT_HELP[format as LayoutName]}`;
  if (!columns.some((c) => /[A-Za-z]/.test(c)) && Object.keys(map).length === 0) {
    throw new ImportError(file, 1, null, `unknown layout: expected ${expected}; found "${header.slice(0, 80)}" (use --map col=field,… to name the columns)`);
  }
  if (!data.length) throw new ImportError(file, 2, null, 'expected data rows after the header, found none');
  const quirks: string[] = [];
  // Some exporters write "Date,Open,…" over rows that carry the date and the time separately.
  const dateIdx = columns.findIndex((c) => fieldFor(c) === 'date');
  if (data[0].length === columns.length + 1 && dateIdx >= 0 && !columns.some((c) => fieldFor(c) === 'time') && TIME_RE.test(data[0][dateIdx + 1] ?? '')) {
    columns.splice(dateIdx + 1, 0, 'Time');
    quirks.push(`the header omits the Time column; rows carry ${columns.length} fields, read as ${columns.join(',')}`);
  }
  const fields: Partial<Record<Field, string>> = {};
  const explicit = new Map<string, Field>();
  for (const [col, field] of Object.entries(map)) {
    const idx = /^\d+$/.test(col) ? Number(col) - 1 : columns.findIndex((c) => c.toLowerCase() === col.toLowerCase());
    if (idx < 0 || idx >= columns.length) throw new ImportError(file, 1, col, `--map names a column the header does not have (columns: ${columns.join(', ')})`);
    explicit.set(columns[idx], field);
  }
  for (const c of columns) {
    const f = explicit.size ? explicit.get(c) : fieldFor(c);
    if (f && !fields[f]) fields[f] = c;
  }
  // A lone "Time" column holding full datetimes is a datetime column.
  if (!fields.date && !fields.datetime && fields.time) {
    const idx = columns.indexOf(fields.time);
    if (ISO_DT.test(data[0][idx] ?? '') || US_DT.test(data[0][idx] ?? '')) {
      fields.datetime = fields.time;
      delete fields.time;
    }
  }
  const col = (f: Field) => (fields[f] ? columns.indexOf(fields[f]!) : -1);
  const sample = (f: Field) => data.map((r) => r[col(f)] ?? '');
  let dateFormat: string | null = null;
  let timestampFormat: string | null = null;
  let zoned = false;
  if (fields.date) {
    const vals = sample('date');
    const fmt = DATE_FORMATS.find(([re]) => vals.every((v) => re.test(v)));
    if (fmt) dateFormat = fmt[1];
    else if (vals.every((v) => ISO_DT.test(v))) {
      fields.datetime = fields.date;
      delete fields.date;
    } else {
      const bad = vals.findIndex((v) => !DATE_FORMATS.some(([re]) => re.test(v)));
      throw new ImportError(file, bad + 2, fields.date, `expected a date like 2014-12-31, 12/31/2014 or 20141231, got "${vals[bad]}"`);
    }
  }
  if (fields.datetime) {
    const vals = sample('datetime');
    if (vals.every((v) => ISO_DT.test(v))) zoned = vals.every((v) => ISO_ZONE.test(v.slice(10)));
    else if (vals.every((v) => US_DT.test(v))) timestampFormat = vals[0].split(':').length === 3 ? '%m/%d/%Y %H:%M:%S' : '%m/%d/%Y %H:%M';
    else {
      const bad = vals.findIndex((v) => !ISO_DT.test(v) && !US_DT.test(v));
      throw new ImportError(file, bad + 2, fields.datetime, `expected a date and time like 2015-09-23T20:57:42.146 or 02/03/2010 16:53:50, got "${vals[bad]}"`);
    }
  }
  let name: LayoutName;
  let dataset: CsvLayout['dataset'];
  const hasTime = !!fields.datetime || (!!fields.date && !!fields.time);
  if (fields.bid && fields.ask && hasTime) {
    name = 'quotes';
    dataset = 'quotes';
  } else if (fields.open && fields.high && fields.low && fields.close && (fields.date || fields.datetime)) {
    dataset = 'bars';
    name = fields.datetime ? 'iso' : fields.time ? 'intraday' : fields.adj_close ? 'yahoo' : 'daily';
  } else if ((fields.price || fields.close) && hasTime && format === 'trades') {
    name = 'trades';
    dataset = 'trades';
    if (!fields.price) fields.price = fields.close;
    if (!fields.size && fields.volume) fields.size = fields.volume;
  } else if (fields.price && hasTime) {
    name = 'trades';
    dataset = 'trades';
  } else {
    throw new ImportError(file, 1, null, `unknown layout: expected ${expected}; found "${columns.join(',')}" (use --map col=field,… with fields ${FIELDS.join(', ')})`);
  }
  if (format === 'trades' && name !== 'trades' && (fields.close || fields.price) && hasTime) {
    name = 'trades';
    dataset = 'trades';
    fields.price ??= fields.close;
    fields.size ??= fields.volume;
  }
  if (format !== 'auto' && format !== name && !(format === 'daily' && name === 'yahoo')) {
    throw new ImportError(file, 1, null, `expected the ${format} layout (${LAYOUT_HELP[format as LayoutName]}), found "${columns.join(',')}" (looks like ${name})`);
  }
  const types = columns.map((c) => {
    if (c === fields.date) return 'DATE';
    if (c === fields.time) return 'TIME';
    if (c === fields.datetime) return zoned ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    const f = (Object.keys(fields) as Field[]).find((k) => fields[k] === c);
    return f && NUMERIC.includes(f) ? 'DOUBLE' : 'VARCHAR';
  });
  for (let i = 0; i < Math.min(data.length, 20); i++) {
    if (data[i].length !== columns.length) {
      throw new ImportError(file, i + 2, null, `expected ${columns.length} fields (${columns.join(',')}), found ${data[i].length}`);
    }
  }
  return { name, dataset, delimiter, columns, types, fields, dateFormat, timestampFormat, zoned, quirks };
}
