// Reading bars for the engine from a real lake (the sample dataset written through the writer):
// typed arrays, bounded chunks, Arrow, adjustments with Alpaca's meaning, and resampling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from './lake';
import { writeSampleLake } from './sample';
import { tmpDir } from '../../test/support/tmp';

let dir: string;
let lake: Lake;

beforeAll(async () => {
  dir = tmpDir('studio-lake-');
  await writeSampleLake(dir, { symbols: 4, days: 30, seed: 7 });
  lake = await Lake.open(dir);
});
afterAll(() => lake?.close());

const actions = async () => (await lake.query(`select symbol, ex_date, kind, ratio, cash from corporate_actions order by ex_date`)).rows as { symbol: string; ex_date: string; kind: string; ratio: number; cash: number }[];
const exNs = (date: string) => BigInt(Date.parse(`${date}T05:00:00Z`)) * 1_000_000n;

describe('bars for the engine', () => {
  it('returns typed-array columns that match SQL', async () => {
    const symbols = (await lake.query(`select distinct symbol from bars order by 1`)).rows.map((r) => r.symbol as string);
    expect(symbols.length).toBe(4);
    const [b] = await lake.bars({ symbols: [symbols[0]], timeframe: '1Min', from: '2024-01-03', to: '2024-01-04' });
    expect(b.ts).toBeInstanceOf(BigInt64Array);
    expect(b.close).toBeInstanceOf(Float64Array);
    const [s] = (await lake.query(
      `select count(*) as n, epoch_ns(min(ts))::varchar as lo, epoch_ns(max(ts))::varchar as hi, sum(close) as sc, sum(volume) as sv from bars where symbol = $1 and timeframe = '1Min' and ts >= '2024-01-03 05:00:00+00' and ts < '2024-01-05 05:00:00+00'`,
      [symbols[0]],
    )).rows;
    expect(b.ts.length).toBe(s.n);
    expect(b.ts.length).toBe(780);
    expect(String(b.ts[0])).toBe(s.lo);
    expect(String(b.ts.at(-1))).toBe(s.hi);
    expect(b.close.reduce((a, x) => a + x, 0)).toBeCloseTo(s.sc as number, 6);
    expect(b.volume.reduce((a, x) => a + x, 0)).toBeCloseTo(s.sv as number, 6);
    for (let i = 1; i < b.ts.length; i++) expect(b.ts[i] > b.ts[i - 1]).toBe(true);
  });

  it('streams in chunks no larger than asked, adding up to the whole read', async () => {
    const q = { symbols: ['ZALF', 'ZBRV'], timeframe: '1Min' as const };
    const whole = await lake.bars(q);
    let rows = 0;
    let chunks = 0;
    for await (const c of lake.streamBars({ ...q, chunkRows: 5000 })) {
      expect(c.ts.length).toBeLessThanOrEqual(5000);
      rows += c.ts.length;
      chunks++;
    }
    expect(rows).toBe(whole[0].ts.length + whole[1].ts.length);
    expect(chunks).toBeGreaterThanOrEqual(Math.ceil(rows / 5000));
  });

  it('reads the same bars as two halves at once as in one stream, adjusted the same', async () => {
    for (const adjustment of ['raw', 'all'] as const) {
      const q = { symbols: ['ZALF', 'ZBRV', 'ZCHL', 'ZDLT'], timeframe: '1Min' as const, from: '2024-01-05', adjustment };
      const one = await lake.bars({ ...q, splitFrom: Number.POSITIVE_INFINITY });
      const two = await lake.bars({ ...q, splitFrom: 1 });
      for (let k = 0; k < one.length; k++) {
        expect(two[k].ts.length).toBe(one[k].ts.length);
        expect(two[k].ts).toEqual(one[k].ts);
        expect(two[k].close).toEqual(one[k].close);
        expect(two[k].volume).toEqual(one[k].volume);
      }
    }
  });

  it('returns the same bars as an Arrow table', async () => {
    const t = await lake.barsArrow({ symbols: ['ZALF'], timeframe: '1Day' });
    expect(t.numRows).toBe(30);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['symbol', 'ts', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trade_count']);
    expect(t.getChild('symbol')!.get(0)).toBe('ZALF');
  });

  it('adjusts for the split at read time: prices divided and volume multiplied before the ex-date', async () => {
    const split = (await actions()).find((a) => a.kind === 'split')!;
    expect(split.ratio).toBe(4);
    const q = { symbols: [split.symbol], timeframe: '1Day' as const };
    const [raw] = await lake.bars({ ...q, adjustment: 'raw' });
    const [adj] = await lake.bars({ ...q, adjustment: 'split' });
    const ex = exNs(split.ex_date);
    for (let i = 0; i < raw.ts.length; i++) {
      const before = raw.ts[i] < ex;
      expect(adj.close[i]).toBeCloseTo(before ? raw.close[i] / 4 : raw.close[i], 10);
      expect(adj.volume[i]).toBeCloseTo(before ? raw.volume[i] * 4 : raw.volume[i], 6);
    }
    // Across the split the raw series jumps by ~4x; the adjusted one does not.
    const k = raw.ts.findIndex((t) => t >= ex);
    expect(raw.close[k - 1] / raw.close[k]).toBeGreaterThan(3);
    expect(adj.close[k - 1] / adj.close[k]).toBeLessThan(1.3);
  });

  it('adjusts for the dividend by 1 - cash/previous close, only with dividend or all', async () => {
    const div = (await actions()).find((a) => a.kind === 'dividend')!;
    const q = { symbols: [div.symbol], timeframe: '1Day' as const };
    const [raw] = await lake.bars({ ...q, adjustment: 'raw' });
    const [split] = await lake.bars({ ...q, adjustment: 'split' });
    const [all] = await lake.bars({ ...q, adjustment: 'all' });
    const ex = exNs(div.ex_date);
    const k = raw.ts.findIndex((t) => t >= ex);
    const factor = 1 - div.cash / raw.close[k - 1];
    expect(factor).toBeLessThan(1);
    expect(split.close[0]).toBe(raw.close[0]);
    expect(all.close[0]).toBeCloseTo(raw.close[0] * factor, 10);
    expect(all.close[k]).toBe(raw.close[k]);
    expect(all.volume[0]).toBe(raw.volume[0]);
  });

  it('resamples stored 1-minute bars into the stored daily bars along sessions', async () => {
    const [fromMinutes] = await lake.bars({ symbols: ['ZBRV'], timeframe: '1Day', resampleFrom: '1Min' });
    const [daily] = await lake.bars({ symbols: ['ZBRV'], timeframe: '1Day' });
    expect([...fromMinutes.ts]).toEqual([...daily.ts]);
    for (let i = 0; i < daily.ts.length; i++) {
      expect(fromMinutes.open[i]).toBeCloseTo(daily.open[i], 8);
      expect(fromMinutes.high[i]).toBeCloseTo(daily.high[i], 8);
      expect(fromMinutes.low[i]).toBeCloseTo(daily.low[i], 8);
      expect(fromMinutes.close[i]).toBeCloseTo(daily.close[i], 8);
    }
    const [five] = await lake.bars({ symbols: ['ZBRV'], timeframe: '5Min', resampleFrom: '1Min', from: '2024-01-02', to: '2024-01-02' });
    expect(five.ts.length).toBe(78);
  });

  it('refuses a bad request with a clear message', async () => {
    await expect(lake.bars({ symbols: ['ZALF'], timeframe: '1Day', resampleFrom: '1Day' })).rejects.toThrow(/cannot resample 1Day bars into 1Day/);
    await expect(lake.bars({ symbols: ['ZALF'], timeframe: '1Day', from: 'yesterday' })).rejects.toThrow(/expected a date/);
  });
});
