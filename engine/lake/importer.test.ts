// Importing the real price files: each layout, its quirks, time zones, idempotence, appends, and
// bad input that must leave the lake untouched.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tableToIPC, tableFromArrays, vectorFromArray, makeData, makeVector, TimestampMillisecond, TimestampNanosecond, Float64, Utf8, Table } from 'apache-arrow';
import { importFile } from './importer';
import { Lake } from './lake';
import { ImportError } from './layouts';
import { withDb, sqlString } from './db';
import { dataFile, snapshot } from './testing';
import { tmpDir } from '../../test/support/tmp';

const tmp = () => tmpDir('studio-lake-');

async function sql(lakeDir: string, q: string) {
  const l = await Lake.open(lakeDir);
  try {
    return (await l.query(q)).rows;
  } finally {
    l.close();
  }
}

function csvStats(file: string, col: number) {
  const rows = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const v = rows.map((r) => Number(r[col]));
  return { n: rows.length, lo: Math.min(...v), hi: Math.max(...v), rows };
}

async function expectImportError(lakeDir: string, file: string, opts: Parameters<typeof importFile>[2], match: RegExp) {
  const before = snapshot(lakeDir);
  const err = await importFile(lakeDir, file, opts).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImportError);
  expect((err as Error).message).toMatch(match);
  expect(snapshot(lakeDir)).toEqual(before);
  return err as ImportError;
}

describe('importing Yahoo daily files', () => {
  const lake = tmp();
  it('stores every ORCL row with the file’s closes, stamped at midnight New York', async () => {
    const file = dataFile('orcl-1995-2014.txt');
    const { n, lo, hi } = csvStats(file, 4);
    const r = await importFile(lake, file, { symbol: 'ORCL' });
    expect(r).toMatchObject({ layout: 'yahoo', dataset: 'bars', timeframe: '1Day', rowsRead: 5036, rows: 5036, added: 5036 });
    const [row] = await sql(lake, `select count(*) as n, min(close) as lo, max(close) as hi, min(ts) as first, max(ts) as last from bars where symbol = 'ORCL'`);
    expect(row).toEqual({ n, lo, hi, first: '1995-01-03T05:00:00.000Z', last: '2014-12-31T05:00:00.000Z' });
    // 2014-07-01 is in daylight time: midnight New York is 04:00 UTC.
    const [summer] = await sql(lake, `select ts, close, adj_close from bars where symbol = 'ORCL' and ts = '2014-07-01 04:00:00+00'`);
    expect(summer).toMatchObject({ ts: '2014-07-01T04:00:00.000Z' });
    expect(summer.adj_close).toBeLessThan(summer.close as number);
  });

  it('imports the same file again without adding a row or touching a file', async () => {
    const before = snapshot(lake);
    const r = await importFile(lake, dataFile('orcl-1995-2014.txt'), { symbol: 'ORCL' });
    expect(r).toMatchObject({ unchanged: true, added: 0, rows: 5036 });
    expect(snapshot(lake)).toEqual(before);
    expect((await sql(lake, `select count(*) as n from bars`))[0].n).toBe(5036);
  });

  it('turns steps in Adj Close into dividends in corporate_actions', async () => {
    const rows = await sql(lake, `select ex_date, kind, cash from corporate_actions where symbol = 'ORCL' order by ex_date`);
    // Oracle paid its first quarterly dividend (5 cents) in April 2009; in December 2012 it paid
    // three quarters (18 cents) at once, ahead of a tax change.
    expect(rows[0]).toEqual({ ex_date: '2009-04-06', kind: 'dividend', cash: expect.closeTo(0.05, 3) });
    expect(rows.length).toBe(22);
    expect(rows.find((r) => r.ex_date === '2012-12-12')?.cash).toBeCloseTo(0.18, 2);
    expect(rows.every((r) => (r.cash as number) > 0.04 && (r.cash as number) < 0.19)).toBe(true);
  });

  it('appends a new range and merges an overlapping one', async () => {
    const lake2 = tmp();
    const lines = fs.readFileSync(dataFile('nvda-1999-2014.txt'), 'utf8').trim().split(/\r?\n/);
    const first = path.join(lake2, 'first.csv');
    const second = path.join(lake2, 'second.csv');
    fs.writeFileSync(first, [lines[0], ...lines.slice(1, 2501)].join('\n'));
    fs.writeFileSync(second, [lines[0], ...lines.slice(2401)].join('\n'));
    await importFile(path.join(lake2, 'lake'), first, { symbol: 'NVDA' });
    const r = await importFile(path.join(lake2, 'lake'), second, { symbol: 'NVDA' });
    expect(r).toMatchObject({ rowsRead: lines.length - 2401, added: lines.length - 2501, rows: 4012 });
    expect((await sql(path.join(lake2, 'lake'), `select count(*) as n, count(distinct ts) as d from bars`))[0]).toEqual({ n: 4012, d: 4012 });
  });

  it('re-imports a file only skipped by its hash while the lake still holds what it wrote', async () => {
    const dir = tmp();
    const lakeDir = path.join(dir, 'lake');
    const lines = fs.readFileSync(dataFile('nvda-1999-2014.txt'), 'utf8').trim().split(/\r?\n/);
    const orig = path.join(dir, 'orig.csv');
    fs.writeFileSync(orig, lines.join('\n'));
    await importFile(lakeDir, orig, { symbol: 'NVDA' });
    const again = await importFile(lakeDir, orig, { symbol: 'NVDA' });
    expect(again).toMatchObject({ unchanged: true, rowsRead: 4012, rows: 4012 });
    expect(again.notes.join(' ')).toMatch(/nothing was read/);
    // The same rows in other bytes (CRLF) go through the full merge, which finds nothing new.
    const crlf = path.join(dir, 'crlf.csv');
    fs.writeFileSync(crlf, lines.join('\r\n'));
    const viaMerge = await importFile(lakeDir, crlf, { symbol: 'NVDA' });
    expect(viaMerge).toMatchObject({ unchanged: true, added: 0, rows: 4012 });
    expect(viaMerge.notes.join(' ')).not.toMatch(/nothing was read/);
    // A later file corrects one close; importing the original again must put the old one back.
    const [d, o, h, l, , a, v] = lines[100].split(',');
    const fixed = path.join(dir, 'fixed.csv');
    fs.writeFileSync(fixed, [lines[0], [d, o, h, l, '1.5', a, v].join(',')].join('\n'));
    await importFile(lakeDir, fixed, { symbol: 'NVDA' });
    const close = async () => (await sql(lakeDir, `select close from bars where symbol = 'NVDA' and ts = timezone('America/New_York', '${d}'::timestamp)`))[0].close;
    expect(await close()).toBe(1.5);
    const restore = await importFile(lakeDir, orig, { symbol: 'NVDA' });
    expect(restore).toMatchObject({ unchanged: false, rows: 4012 });
    expect(await close()).toBe(Number(lines[100].split(',')[4]));
  });
});

describe('importing intraday, tick and quote files', () => {
  const lake = tmp();
  it('reads the 1-minute file whose header omits Time, in New York time', async () => {
    const r = await importFile(lake, dataFile('2006-01-02-volume-min-001.txt'), { symbol: 'ES' });
    expect(r).toMatchObject({ layout: 'intraday', timeframe: '1Min', rowsRead: 30889, rows: 30889 });
    expect(r.notes[0]).toMatch(/header omits the Time column/);
    const [row] = await sql(lake, `select min(ts) as first, max(ts) as last, sum(volume) as v from bars where symbol = 'ES' and timeframe = '1Min'`);
    const total = csvStats(dataFile('2006-01-02-volume-min-001.txt'), 6).rows.reduce((s, r) => s + Number(r[6]), 0);
    expect(row).toEqual({ first: '2006-01-02T14:01:00.000Z', last: '2006-02-28T03:00:00.000Z', v: total });
  });

  it('infers 5Min bars from a Date,Time file and honours --tz', async () => {
    const r = await importFile(lake, dataFile('2006-min-005.txt'), { symbol: 'ESUTC', tz: 'UTC' });
    expect(r).toMatchObject({ timeframe: '5Min', rows: 2142, from: '2006-01-02T09:05:00.000Z' });
  });

  it('reads bid/ask quotes with US dates', async () => {
    const r = await importFile(lake, dataFile('bidask.csv'), { symbol: 'EURUSD' });
    expect(r).toMatchObject({ layout: 'quotes', dataset: 'quotes', rows: 10 });
    const [q] = await sql(lake, `select ts, bid, ask from quotes order by ts limit 1`);
    // 02/03/2010 16:53:50 New York (EST) is 21:53:50 UTC.
    expect(q).toEqual({ ts: '2010-02-03T21:53:50.000Z', bid: 0.5346, ask: 0.5347 });
  });

  it('reads millisecond ISO ticks as trades', async () => {
    const r = await importFile(lake, dataFile('ticksample.csv'), { symbol: 'ES', format: 'trades' });
    expect(r).toMatchObject({ dataset: 'trades', rows: 135 });
    const [t] = await sql(lake, `select ts, price, size from trades order by ts limit 1`);
    expect(t).toEqual({ ts: '2015-09-24T00:57:42.146Z', price: 3067, size: 180 });
  });

  it('refuses ticks read as bars: two ticks in one millisecond are not one bar', async () => {
    await expectImportError(lake, dataFile('ticksample.csv'), { symbol: 'ES' }, /ticksample\.csv:24: field "Datetime": duplicate timestamp 2015-09-24T00:58:22\.316Z with different values \(first at line 23\)/);
  });

  it('asks for a timeframe when bar spacing is irregular', async () => {
    const f = path.join(tmp(), 'irregular.csv');
    fs.writeFileSync(f, 'Datetime,Open,High,Low,Close\n2024-01-02T10:00:00,1,1,1,1\n2024-01-02T10:00:07,1,1,1,1\n2024-01-02T10:00:20,1,1,1,1\n');
    await expectImportError(lake, f, { symbol: 'ES' }, /cannot tell the bar length.*--timeframe/);
  });

  it('keeps ISO datetimes with an offset as given, and maps odd column names explicitly', async () => {
    const dir = tmp();
    const iso = path.join(dir, 'iso.csv');
    fs.writeFileSync(iso, 'timestamp,open,high,low,close,volume\n2024-03-08T14:30:00Z,10,11,9,10.5,100\n2024-03-08T14:31:00Z,10.5,11,10,10.8,50\n');
    const r = await importFile(path.join(dir, 'lake'), iso, { symbol: 'ISO' });
    expect(r).toMatchObject({ layout: 'iso', timeframe: '1Min', from: '2024-03-08T14:30:00.000Z' });
    const odd = path.join(dir, 'odd.csv');
    fs.writeFileSync(odd, 'when;first;top;bottom;last_px;qty\n2024-03-08 09:30:00;10;11;9;10.5;100\n2024-03-08 09:35:00;10.5;11;10;10.8;50\n');
    await expectImportError(path.join(dir, 'lake'), odd, { symbol: 'ODD' }, /odd\.csv:1: unknown layout: expected a header/);
    const m = await importFile(path.join(dir, 'lake'), odd, { symbol: 'ODD', map: { when: 'datetime', first: 'open', top: 'high', bottom: 'low', last_px: 'close', qty: 'volume' } });
    expect(m).toMatchObject({ timeframe: '5Min', rows: 2, from: '2024-03-08T14:30:00.000Z' });
  });

  it('imports Parquet and Arrow IPC files', async () => {
    const dir = tmp();
    const pq = path.join(dir, 'bars.parquet');
    await withDb(async (c) => {
      await c.run(`copy (select timestamp '2024-01-02 09:30:00' + to_minutes(i) as ts, 100.0 + i as open, 101.0 + i as high, 99.0 + i as low, 100.5 + i as close, 1000.0 as volume from range(390) t(i)) to ${sqlString(pq)} (format parquet)`);
    });
    const r = await importFile(path.join(dir, 'lake'), pq, { symbol: 'PQ' });
    expect(r).toMatchObject({ layout: 'parquet', timeframe: '1Min', rows: 390, from: '2024-01-02T14:30:00.000Z' });
    const arrowFile = path.join(dir, 'bars.arrow');
    const t0 = Date.UTC(2024, 0, 2, 14, 30);
    const ts = Array.from({ length: 3 }, (_, i) => new Date(t0 + i * 60_000));
    const base = tableFromArrays({ open: new Float64Array([1, 2, 3]), high: new Float64Array([2, 3, 4]), low: new Float64Array([0.5, 1.5, 2.5]), close: new Float64Array([1.5, 2.5, 3.5]) });
    const table = new Table({ ts: vectorFromArray(ts, new TimestampMillisecond('UTC')), open: base.getChild('open')!, high: base.getChild('high')!, low: base.getChild('low')!, close: base.getChild('close')! });
    fs.writeFileSync(arrowFile, tableToIPC(table, 'file'));
    const a = await importFile(path.join(dir, 'lake'), arrowFile, { symbol: 'ARW' });
    expect(a).toMatchObject({ layout: 'arrow', timeframe: '1Min', rows: 3, from: '2024-01-02T14:30:00.000Z', to: '2024-01-02T14:32:00.000Z' });
  });

  it('imports a large Arrow IPC file column by column: every value, null and type as written', async () => {
    const dir = tmp();
    // 5,000 minute bars (not a whole number of DuckDB's 2,048-row chunks), nanosecond UTC
    // timestamps, a float32 close, int32 volumes, a vwap with nulls and a text column.
    const n = 5000;
    const t0 = 1_704_205_800_000_000_000n;
    const ts = Array.from({ length: n }, (_, i) => t0 + BigInt(i) * 60_000_000_000n + 123n);
    const open = Float64Array.from({ length: n }, (_, i) => 100 + Math.sin(i / 50) + i * 1e-4);
    const close = Float32Array.from(open, (o, i) => o + (i % 7) * 0.01);
    const high = Float64Array.from(open, (o, i) => Math.max(o, close[i]) + 0.05);
    const low = Float64Array.from(open, (o, i) => Math.min(o, close[i]) - 0.05);
    const volume = Int32Array.from({ length: n }, (_, i) => 1000 + (i % 500));
    const vwap = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : open[i] + 0.001));
    const table = new Table({
      ts: makeVector(makeData({ type: new TimestampNanosecond('UTC'), length: n, nullCount: 0, data: BigInt64Array.from(ts) })),
      open: makeVector(open),
      high: makeVector(high),
      low: makeVector(low),
      close: makeVector(close),
      volume: makeVector(volume),
      vwap: vectorFromArray(vwap, new Float64()),
      note: vectorFromArray(Array.from({ length: n }, (_, i) => `bar ${i}`), new Utf8()),
    });
    const file = path.join(dir, 'big.arrow');
    fs.writeFileSync(file, tableToIPC(table, 'file'));
    const r = await importFile(path.join(dir, 'lake'), file, { symbol: 'BIG' });
    expect(r).toMatchObject({ layout: 'arrow', timeframe: '1Min', rows: n, from: '2024-01-02T14:30:00.000Z' });
    const lake = await Lake.open(path.join(dir, 'lake'));
    try {
      const rows = (await lake.query(`select epoch_us(ts) as us, open, high, low, close, volume, vwap from bars where symbol = 'BIG' order by ts`)).rows;
      expect(rows).toHaveLength(n);
      for (const i of [0, 1, 96, 97, 2047, 2048, 2049, 4095, 4096, 4999]) {
        // The lake keeps microseconds: 123 ns rounds away.
        expect(rows[i], `row ${i}`).toEqual({ us: Number((ts[i] - 123n) / 1000n), open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i], vwap: vwap[i] });
      }
      expect(rows.filter((x) => x.vwap === null)).toHaveLength(Math.ceil(n / 97));
    } finally {
      lake.close();
    }
  });
});

describe('bad input is reported with file, line and field, and writes nothing', () => {
  const lake = tmp();
  const dir = tmp();
  const yhoo = fs.readFileSync(dataFile('yhoo-1996-2014.txt'), 'utf8').split(/\r?\n/);
  const variant = (name: string, edit: (lines: string[]) => void) => {
    const lines = [...yhoo];
    edit(lines);
    const f = path.join(dir, name);
    fs.writeFileSync(f, lines.join('\n'));
    return f;
  };
  const setField = (lines: string[], line: number, field: number, value: string) => {
    const parts = lines[line - 1].split(',');
    parts[field] = value;
    lines[line - 1] = parts.join(',');
  };

  it('a corrupted number names its line and field; counts before and after agree', async () => {
    await importFile(lake, dataFile('orcl-1995-2014.txt'), { symbol: 'ORCL' });
    const count = async () => (await sql(lake, `select count(*) as n from bars`))[0].n;
    expect(await count()).toBe(5036);
    const f = variant('bad-number.csv', (l) => setField(l, 1234, 4, '12.3x4'));
    const e = await expectImportError(lake, f, { symbol: 'YHOO' }, /bad-number\.csv:1234: field "Close": expected a number, got "12\.3x4"/);
    expect(e.line).toBe(1234);
    expect(await count()).toBe(5036);
  });

  it('an unparsable date', async () => {
    const f = variant('bad-date.csv', (l) => setField(l, 300, 0, '2001-02-30'));
    await expectImportError(lake, f, { symbol: 'YHOO' }, /bad-date\.csv:300: field "Date": expected a date like 2014-12-31, got "2001-02-30"/);
  });

  it('a negative price', async () => {
    const f = variant('negative.csv', (l) => setField(l, 77, 3, '-1.5'));
    await expectImportError(lake, f, { symbol: 'YHOO' }, /negative\.csv:77: field "Low": expected a price ≥ 0, got -1\.5/);
  });

  it('a duplicate timestamp with different values', async () => {
    const f = variant('dup.csv', (l) => {
      const parts = l[9].split(',');
      parts[4] = String(Number(parts[4]) + 1);
      l.splice(10, 0, parts.join(','));
    });
    await expectImportError(lake, f, { symbol: 'YHOO' }, /dup\.csv:11: field "Date": duplicate timestamp 1996-04-2\dT04:00:00.000Z|dup\.csv:11: field "Date": duplicate timestamp .* \(first at line 10\)/);
  });

  it('a malformed row', async () => {
    const f = variant('short.csv', (l) => (l[4999 > l.length ? 2000 : 2000] = '2004-01-02,1,2,3'));
    await expectImportError(lake, f, { symbol: 'YHOO' }, /short\.csv:2001: malformed row: expected 7 fields \(Date,Open,High,Low,Close,Adj Close,Volume\)/);
  });

  it('an unknown layout, or a file that is not the format asked for', async () => {
    const f = path.join(dir, 'weird.csv');
    fs.writeFileSync(f, 'alpha,beta,gamma\n1,2,3\n');
    await expectImportError(lake, f, { symbol: 'W' }, /weird\.csv:1: unknown layout: expected a header naming the columns.*found "alpha,beta,gamma"/);
    await expectImportError(lake, dataFile('bidask.csv'), { symbol: 'W', format: 'yahoo' }, /bidask\.csv:1: expected the yahoo layout \(Date,Open,High,Low,Close,Adj Close,Volume\)/);
  });

  it('leaves YHOO out entirely after all those failures', async () => {
    expect((await sql(lake, `select count(*) as n from bars where symbol = 'YHOO'`))[0].n).toBe(0);
  });
});
