import { describe, expect, it } from 'vitest';
import { isSessionDate, sessionFor, sessionsBetween, utcNsToNewYork } from '../calendar';
import type { BarColumns } from '../data/bars';
import { generateSample } from './generate';
import { REGIME_TURBULENT, type SampleMarket } from './types';

// One year of minute bars for the default ten symbols (~977k rows), shared by the slower checks.
// Generation time is printed by the benchmark, never asserted here: these machines are noisy.
const year: SampleMarket = generateSample({ from: '2024-01-01', to: '2024-12-31', seed: 42, timeframe: '1Min' });

const COLUMNS = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'tradeCount'] as const;

/** Index of the first difference between two columns, or -1; far faster than toEqual on 10^5 elements. */
function firstDifference(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** First problem found in a block of bars, or undefined: checks every row without one expect() per row. */
function firstInvalidBar(b: BarColumns): string | undefined {
  for (let i = 0; i < b.ts.length; i++) {
    const o = b.open[i];
    const h = b.high[i];
    const l = b.low[i];
    const c = b.close[i];
    const where = `${b.symbol} row ${i}`;
    if (!(l > 0)) return `${where}: low ${l} is not positive`;
    if (!(l <= o && l <= c && o <= h && c <= h)) return `${where}: OHLC ${o} ${h} ${l} ${c} out of order`;
    if (!(b.vwap[i] >= l && b.vwap[i] <= h)) return `${where}: vwap ${b.vwap[i]} outside [${l}, ${h}]`;
    if (!(Number.isInteger(b.volume[i]) && b.volume[i] > 0)) return `${where}: volume ${b.volume[i]}`;
    if (!(Number.isInteger(b.tradeCount[i]) && b.tradeCount[i] >= 1 && b.tradeCount[i] <= b.volume[i])) return `${where}: trade count ${b.tradeCount[i]}`;
    if (i > 0 && !(b.ts[i] > b.ts[i - 1])) return `${where}: timestamp not increasing`;
  }
  return undefined;
}

/** Close of each session, from minute bars. */
function sessionCloses(b: BarColumns, market: SampleMarket): Float64Array {
  const closes = new Float64Array(market.sessions.length);
  let d = -1;
  let closeNs = -1n;
  for (let i = 0; i < b.ts.length; i++) {
    if (b.ts[i] >= closeNs) closeNs = market.sessions[++d].closeNs;
    closes[d] = b.close[i];
  }
  return closes;
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('generateSample: a deterministic synthetic market', () => {
  it('gives identical arrays for the same seed and different ones for another seed', () => {
    const opts = { from: '2024-03-01', to: '2024-03-31', seed: 'replay', timeframe: '1Min', symbols: 3 } as const;
    const a = generateSample(opts);
    const b = generateSample(opts);
    const c = generateSample({ ...opts, seed: 'other' });
    for (let s = 0; s < 3; s++) {
      expect(firstDifference(b.bars[s].ts, a.bars[s].ts)).toBe(-1);
      for (const col of COLUMNS) expect(firstDifference(b.bars[s][col], a.bars[s][col]), col).toBe(-1);
      expect(firstDifference(c.bars[s].close, a.bars[s].close)).toBeGreaterThanOrEqual(0);
    }
    expect(b.regimes).toEqual(a.regimes);
  });

  it('produces ten obviously synthetic symbols of valid bars for a year of minutes', () => {
    expect(year.symbols).toEqual(['ZALF', 'ZBRV', 'ZCHL', 'ZDLT', 'ZECH', 'ZFXT', 'ZGLF', 'ZHTL', 'ZIND', 'ZJLT']);
    expect(year.bars.map((b) => b.symbol)).toEqual(year.symbols);
    for (const b of year.bars) {
      expect(b.timeframe).toBe('1Min');
      expect(firstInvalidBar(b)).toBeUndefined();
    }
  });

  it('puts 390 minute bars in a full session, 210 on a 13:00 close, and none on holidays', () => {
    const b = year.bars[0];
    const perDate = new Map<string, number>();
    let outside = 0;
    for (let i = 0; i < b.ts.length; i++) {
      const date = utcNsToNewYork(b.ts[i]).date;
      perDate.set(date, (perDate.get(date) ?? 0) + 1);
      const s = sessionFor(date);
      if (!s || b.ts[i] < s.openNs || b.ts[i] >= s.closeNs) outside++;
    }
    expect(outside).toBe(0);
    expect(perDate.size).toBe(252);
    for (const holiday of ['2024-01-01', '2024-03-29', '2024-06-19', '2024-07-04', '2024-11-28', '2024-12-25']) expect(perDate.has(holiday)).toBe(false);
    expect(perDate.get('2024-07-03')).toBe(210);
    expect(perDate.get('2024-11-29')).toBe(210);
    expect(perDate.get('2024-12-24')).toBe(210);
    expect(perDate.get('2024-03-11')).toBe(390);
    expect(b.ts.length).toBe(249 * 390 + 3 * 210);
    // Bars are stamped at their start: the first one at the open, 14:30 UTC in winter.
    expect(new Date(Number(b.ts[0] / 1_000_000n)).toISOString()).toBe('2024-01-02T14:30:00.000Z');
  });

  it("moves stocks together: daily returns of every pair are positively correlated", () => {
    const excluded = new Set(year.corporateActions.map((a) => `${a.symbol} ${a.exDate}`));
    const returns = year.bars.map((b) => {
      const closes = sessionCloses(b, year);
      const r: number[] = [];
      for (let d = 1; d < closes.length; d++) r.push(excluded.has(`${b.symbol} ${year.sessions[d].date}`) ? 0 : Math.log(closes[d] / closes[d - 1]));
      return r;
    });
    let sum = 0;
    let pairs = 0;
    let lowest = 1;
    for (let i = 0; i < returns.length; i++) {
      for (let j = i + 1; j < returns.length; j++) {
        const rho = correlation(returns[i], returns[j]);
        lowest = Math.min(lowest, rho);
        sum += rho;
        pairs++;
      }
    }
    // Low-beta, high-idiosyncratic names pair at ~0.1, high-beta ones at ~0.7, as in real equities.
    expect(lowest).toBeGreaterThan(0.05);
    expect(sum / pairs).toBeGreaterThan(0.3);
    expect(sum / pairs).toBeLessThan(0.9);
  });

  it('switches between calm and turbulent regimes, and turbulent sessions move more', () => {
    const turbulent = year.regimes.reduce((n, r) => n + (r === REGIME_TURBULENT ? 1 : 0), 0);
    expect(turbulent).toBeGreaterThan(10);
    expect(turbulent).toBeLessThan(200);
    // Realised variance of minute returns, averaged per regime.
    const b = year.bars[3];
    const variance = [0, 0];
    const count = [0, 0];
    let d = -1;
    let closeNs = -1n;
    for (let i = 1; i < b.ts.length; i++) {
      if (b.ts[i] >= closeNs) {
        closeNs = year.sessions[++d].closeNs;
        continue; // skip the overnight gap
      }
      const r = Math.log(b.close[i] / b.close[i - 1]);
      variance[year.regimes[d]] += r * r;
      count[year.regimes[d]]++;
    }
    expect(variance[1] / count[1] / (variance[0] / count[0])).toBeGreaterThan(2);
  });

  it('opens each session away from the previous close (overnight gaps)', () => {
    for (const b of year.bars) {
      let gaps = 0;
      let previousClose = Number.NaN;
      let closeNs = -1n;
      let d = -1;
      for (let i = 0; i < b.ts.length; i++) {
        if (b.ts[i] >= closeNs) {
          closeNs = year.sessions[++d].closeNs;
          if (d > 0 && b.open[i] !== previousClose) gaps++;
        }
        previousClose = b.close[i];
      }
      expect(gaps / (year.sessions.length - 1)).toBeGreaterThan(0.9);
    }
  });

  it('trades more in the first and last half hour than around lunch (U-shaped volume)', () => {
    let first = 0;
    let last = 0;
    let midday = 0;
    for (const b of year.bars) {
      for (let start = 0; start < b.ts.length; ) {
        const s = sessionFor(utcNsToNewYork(b.ts[start]).date)!;
        const n = Number((s.closeNs - s.openNs) / 60_000_000_000n);
        if (n === 390) {
          for (let k = 0; k < 30; k++) first += b.volume[start + k];
          for (let k = 360; k < 390; k++) last += b.volume[start + k];
          for (let k = 150; k < 270; k++) midday += b.volume[start + k] / 4; // 12:00–14:00, per 30 minutes
        }
        start += n;
      }
    }
    expect(first / midday).toBeGreaterThan(1.5);
    expect(last / midday).toBeGreaterThan(1.5);
  });

  it('shows the 4:1 split in raw prices and volume from its ex-date', () => {
    const split = year.corporateActions.find((a) => a.kind === 'split');
    expect(split).toMatchObject({ kind: 'split', ratio: 4, cash: 0 });
    const b = year.bars[year.symbols.indexOf(split!.symbol)];
    const exOpenNs = sessionFor(split!.exDate)!.openNs;
    const i = b.ts.indexOf(exOpenNs);
    expect(i).toBeGreaterThan(0);
    const drop = b.open[i] / b.close[i - 1];
    expect(drop).toBeGreaterThan(0.22);
    expect(drop).toBeLessThan(0.28);
    const meanVolume = (from: number, to: number) => b.volume.subarray(from, to).reduce((x, y) => x + y, 0) / (to - from);
    expect(meanVolume(i, i + 390 * 20) / meanVolume(i - 390 * 20, i)).toBeGreaterThan(2);
  });

  it('scales every raw price after a split or dividend by exactly its factor, and nothing else changes', () => {
    const opts = { from: '2024-01-01', to: '2024-03-31', seed: 11, timeframe: '1Min' } as const;
    const withActions = generateSample(opts);
    const without = generateSample({ ...opts, corporateActions: 'none' });
    expect(without.corporateActions).toEqual([]);
    expect(withActions.corporateActions.map((a) => a.kind)).toEqual(['split', 'dividend']);
    const touched = new Set(withActions.corporateActions.map((a) => a.symbol));
    for (let s = 0; s < withActions.symbols.length; s++) {
      const a = withActions.bars[s];
      const b = without.bars[s];
      const action = withActions.corporateActions.find((x) => x.symbol === a.symbol);
      if (!action) {
        expect(touched.has(a.symbol)).toBe(false);
        for (const col of COLUMNS) expect(firstDifference(a[col], b[col]), `${a.symbol} ${col}`).toBe(-1);
        continue;
      }
      const ex = a.ts.indexOf(sessionFor(action.exDate)!.openNs);
      for (const col of COLUMNS) expect(firstDifference(a[col].subarray(0, ex), b[col].subarray(0, ex)), col).toBe(-1);
      const factor = action.kind === 'split' ? 1 / action.ratio : (b.close[ex - 1] - action.cash) / b.close[ex - 1];
      let worst = 0;
      for (let i = ex; i < a.ts.length; i++) {
        for (const col of ['open', 'high', 'low', 'close'] as const) worst = Math.max(worst, Math.abs(a[col][i] - b[col][i] * factor));
      }
      expect(worst).toBeLessThanOrEqual(0.0100001); // cent rounding on both sides
      if (action.kind === 'dividend') {
        expect(action.cash).toBeGreaterThan(0);
        expect(action.cash).toBeCloseTo(Math.round(b.close[ex - 1] * 0.009 * 100) / 100, 10);
      } else {
        expect(Math.abs(a.volume[ex + 100] - 4 * b.volume[ex + 100])).toBeLessThanOrEqual(2);
      }
    }
  });

  it('aggregates daily bars from the same minute path: 1Day and 1Min agree exactly', () => {
    const opts = { from: '2024-06-01', to: '2024-08-31', seed: 'agree', symbols: 2 } as const;
    const minutes = generateSample({ ...opts, timeframe: '1Min' });
    const days = generateSample({ ...opts, timeframe: '1Day' });
    expect(days.corporateActions).toEqual(minutes.corporateActions);
    for (let s = 0; s < 2; s++) {
      const m = minutes.bars[s];
      const d = days.bars[s];
      expect(d.timeframe).toBe('1Day');
      expect(d.ts.length).toBe(days.sessions.length);
      let row = 0;
      for (let k = 0; k < days.sessions.length; k++) {
        const n = Number((days.sessions[k].closeNs - days.sessions[k].openNs) / 60_000_000_000n);
        let high = -Infinity;
        let low = Infinity;
        let volume = 0;
        let trades = 0;
        let notional = 0;
        for (let i = row; i < row + n; i++) {
          high = Math.max(high, m.high[i]);
          low = Math.min(low, m.low[i]);
          volume += m.volume[i];
          trades += m.tradeCount[i];
          notional += m.vwap[i] * m.volume[i];
        }
        expect([d.open[k], d.high[k], d.low[k], d.close[k], d.volume[k], d.tradeCount[k]]).toEqual([m.open[row], high, low, m.close[row + n - 1], volume, trades]);
        expect(d.vwap[k]).toBeCloseTo(notional / volume, 3);
        row += n;
      }
      expect(row).toBe(m.ts.length);
      expect(firstInvalidBar(d)).toBeUndefined();
    }
  });

  it('stamps daily bars at midnight New York time of the session date, as Alpaca does', () => {
    const days = generateSample({ from: '2024-03-01', to: '2024-03-31', seed: 1, timeframe: '1Day', symbols: 1 });
    const b = days.bars[0];
    expect(b.ts.length).toBe(sessionsBetween('2024-03-01', '2024-03-31').length);
    for (let i = 0; i < b.ts.length; i++) {
      const wall = utcNsToNewYork(b.ts[i]);
      expect([wall.hour, wall.minute]).toEqual([0, 0]);
      expect(isSessionDate(wall.date)).toBe(true);
    }
    // 05:00Z in winter, 04:00Z once daylight time starts on 10 March.
    expect(new Date(Number(b.ts[0] / 1_000_000n)).toISOString()).toBe('2024-03-01T05:00:00.000Z');
    expect(new Date(Number(b.ts[b.ts.length - 1] / 1_000_000n)).toISOString()).toBe('2024-03-28T04:00:00.000Z');
  });

  it('generates a symbol the same way whichever other symbols come with it', () => {
    const opts = { from: '2024-02-01', to: '2024-02-29', seed: 5, timeframe: '1Min', corporateActions: 'none' } as const;
    const all = generateSample(opts);
    const alone = generateSample({ ...opts, symbols: ['ZCHL'] });
    for (const col of COLUMNS) expect(firstDifference(alone.bars[0][col], all.bars[2][col]), col).toBe(-1);
  });

  it('accepts explicit tickers and corporate actions, including a reverse split', () => {
    const market = generateSample({
      from: '2024-01-02',
      to: '2024-01-31',
      seed: 3,
      timeframe: '1Day',
      symbols: ['TEST.A', 'TESTB'],
      corporateActions: [
        { symbol: 'TESTB', exDate: '2024-01-16', kind: 'split', ratio: 0.1, cash: 0 },
        { symbol: 'TEST.A', exDate: '2024-01-10', kind: 'dividend', ratio: 1, cash: 0.5 },
      ],
    });
    expect(market.symbols).toEqual(['TEST.A', 'TESTB']);
    expect(market.corporateActions.map((a) => `${a.exDate} ${a.symbol} ${a.kind}`)).toEqual(['2024-01-10 TEST.A dividend', '2024-01-16 TESTB split']);
    const b = market.bars[1];
    const i = market.sessions.findIndex((s) => s.date === '2024-01-16');
    expect(b.open[i] / b.close[i - 1]).toBeGreaterThan(8);
    expect(b.open[i] / b.close[i - 1]).toBeLessThan(12);
  });

  it('names extra symbols past the built-in list without clashes', () => {
    const market = generateSample({ from: '2024-01-02', to: '2024-01-03', seed: 1, timeframe: '1Day', symbols: 30 });
    expect(new Set(market.symbols).size).toBe(30);
    expect(market.symbols[26]).toBe('ZBAA');
    expect(market.corporateActions).toEqual([]); // too short a range for the default actions
  });

  it('explains bad options instead of producing odd data', () => {
    const base = { from: '2024-01-02', to: '2024-01-31', seed: 1, timeframe: '1Day' } as const;
    expect(() => generateSample({ ...base, timeframe: '5Min' as never })).toThrow(/timeframe/);
    expect(() => generateSample({ ...base, symbols: 0 })).toThrow(/symbols/);
    expect(() => generateSample({ ...base, symbols: ['AAA', 'AAA'] })).toThrow(/twice/);
    expect(() => generateSample({ ...base, symbols: ['lower'] })).toThrow(/ticker/);
    expect(() => generateSample({ ...base, from: '2024-03-09', to: '2024-03-10' })).toThrow(/no NYSE sessions/);
    expect(() => generateSample({ ...base, from: '1980-01-01' })).toThrow(RangeError);
    expect(() =>
      generateSample({ ...base, corporateActions: [{ symbol: 'NOPE', exDate: '2024-01-10', kind: 'split', ratio: 2, cash: 0 }] }),
    ).toThrow(/not one of the generated symbols/);
    expect(() =>
      generateSample({ ...base, corporateActions: [{ symbol: 'ZALF', exDate: '2024-01-13', kind: 'split', ratio: 2, cash: 0 }] }),
    ).toThrow(/ex-date must be a session/);
    expect(() =>
      generateSample({ ...base, corporateActions: [{ symbol: 'ZALF', exDate: '2024-01-10', kind: 'dividend', ratio: 1, cash: 1e6 }] }),
    ).toThrow(/not below the previous close/);
    expect(() => generateSample({ ...base, from: '1990-01-01', to: '2035-12-31', timeframe: '1Min' })).toThrow(/rows/);
  });
});
