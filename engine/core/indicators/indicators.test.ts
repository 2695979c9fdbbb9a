import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as ti from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import {
  Atr,
  Bollinger,
  Ema,
  Macd,
  RegressionSlope,
  RingBuffer,
  RollingExtreme,
  Rsi,
  Sma,
  Stochastic,
  Vwap,
  Wma,
  ZScore,
} from './index';

// Twenty years of daily Oracle prices: a real series with splits, trends, crashes and gaps.
const csvPath = fileURLToPath(new URL('../../../../shared/data/orcl-1995-2014.txt', import.meta.url));
const rows = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

const high = rows.map((r) => Number(r[2]));
const low = rows.map((r) => Number(r[3]));
const close = rows.map((r) => Number(r[4]));
const volume = rows.map((r) => Number(r[6]));
const N = close.length;

/** Runs a streaming indicator over the series and keeps only its warmed-up outputs. */
function stream(update: (i: number) => number, ready: () => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const v = update(i);
    if (ready()) out.push(v);
  }
  return out;
}

function expectClose(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('streaming indicators match technicalindicators on ORCL 1995-2014', () => {
  it('has the whole file', () => {
    expect(N).toBe(5036);
  });

  it.each([5, 10, 30, 200])('SMA(%i)', (p) => {
    const ind = new Sma(p);
    expectClose(stream((i) => ind.update(close[i]), () => ind.ready), ti.SMA.calculate({ period: p, values: close }), 1e-9);
  });

  it.each([5, 12, 26, 200])('EMA(%i) seeded with the SMA of the first period', (p) => {
    const ind = new Ema(p);
    expectClose(stream((i) => ind.update(close[i]), () => ind.ready), ti.EMA.calculate({ period: p, values: close }), 1e-9);
  });

  it.each([5, 20, 100])('WMA(%i)', (p) => {
    const ind = new Wma(p);
    expectClose(stream((i) => ind.update(close[i]), () => ind.ready), ti.WMA.calculate({ period: p, values: close }), 1e-9);
  });

  it.each([2, 14, 30])('RSI(%i) with Wilder smoothing (reference rounds to 2 decimals)', (p) => {
    const ind = new Rsi(p);
    expectClose(stream((i) => ind.update(close[i]), () => ind.ready), ti.RSI.calculate({ period: p, values: close }), 0.005 + 1e-9);
  });

  it('MACD(12,26,9) with EMA oscillator and EMA signal', () => {
    const ind = new Macd(12, 26, 9);
    const lines: number[] = [];
    const signals: number[] = [];
    const hists: number[] = [];
    for (let i = 0; i < N; i++) {
      ind.update(close[i]);
      if (ind.ready) {
        lines.push(ind.value);
        signals.push(ind.signal);
        hists.push(ind.histogram);
      }
    }
    const ref = ti.MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    expectClose(lines, ref.map((r) => r.MACD ?? NaN), 1e-9);
    const refSignal = ref.filter((r) => r.signal !== undefined).map((r) => r.signal ?? NaN);
    expectClose(signals.filter((s) => !Number.isNaN(s)), refSignal, 1e-9);
    const refHist = ref.filter((r) => r.histogram !== undefined).map((r) => r.histogram ?? NaN);
    expectClose(hists.filter((h) => !Number.isNaN(h)), refHist, 1e-9);
  });

  it.each([
    [20, 2],
    [50, 1.5],
  ])('Bollinger(%i, %f) with population standard deviation', (p, k) => {
    const ind = new Bollinger(p, k);
    const mids: number[] = [];
    const ups: number[] = [];
    const lows: number[] = [];
    for (let i = 0; i < N; i++) {
      ind.update(close[i]);
      if (ind.ready) {
        mids.push(ind.middle);
        ups.push(ind.upper);
        lows.push(ind.lower);
      }
    }
    const ref = ti.BollingerBands.calculate({ period: p, stdDev: k, values: close });
    expectClose(mids, ref.map((r) => r.middle), 1e-9);
    expectClose(ups, ref.map((r) => r.upper), 1e-8);
    expectClose(lows, ref.map((r) => r.lower), 1e-8);
  });

  it.each([7, 14])('ATR(%i)', (p) => {
    const ind = new Atr(p);
    expectClose(
      stream((i) => ind.update(high[i], low[i], close[i]), () => ind.ready),
      ti.ATR.calculate({ period: p, high, low, close }),
      1e-9,
    );
  });

  it('Stochastic(14, 3)', () => {
    const ind = new Stochastic(14, 3);
    const ks: number[] = [];
    const ds: number[] = [];
    for (let i = 0; i < N; i++) {
      ind.update(high[i], low[i], close[i]);
      if (ind.ready) {
        ks.push(ind.k);
        if (!Number.isNaN(ind.d)) ds.push(ind.d);
      }
    }
    const ref = ti.Stochastic.calculate({ period: 14, signalPeriod: 3, high, low, close });
    expectClose(ks, ref.map((r) => r.k), 1e-9);
    expectClose(ds, ref.filter((r) => r.d !== undefined).map((r) => r.d ?? NaN), 1e-9);
  });

  it('cumulative VWAP', () => {
    const ind = new Vwap();
    const ref = ti.VWAP.calculate({ high, low, close, volume });
    const ours = stream((i) => ind.update(high[i], low[i], close[i], volume[i]), () => ind.ready);
    // Relative tolerance: the cumulative sums reach ~1e11.
    expect(ours.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i += 97) expect(ours[i]).toBeCloseTo(ref[i], 9);
    expect(ours[ours.length - 1]).toBeCloseTo(ref[ref.length - 1], 9);
  });
});

describe('indicators without a technicalindicators counterpart, against direct formulas', () => {
  function naiveWindow(i: number, p: number): number[] {
    return close.slice(i - p + 1, i + 1);
  }

  it('rolling VWAP(20) equals sum(tp*v)/sum(v) over the window', () => {
    const ind = new Vwap(20);
    for (let i = 0; i < N; i++) {
      ind.update(high[i], low[i], close[i], volume[i]);
      if (i >= 19 && i % 50 === 0) {
        let pv = 0;
        let v = 0;
        for (let j = i - 19; j <= i; j++) {
          pv += ((high[j] + low[j] + close[j]) / 3) * volume[j];
          v += volume[j];
        }
        expect(ind.value).toBeCloseTo(pv / v, 9);
      }
    }
  });

  it.each([20, 60])('rolling z-score(%i)', (p) => {
    const ind = new ZScore(p);
    let checked = 0;
    for (let i = 0; i < N; i++) {
      ind.update(close[i]);
      expect(ind.ready).toBe(i >= p - 1);
      if (!ind.ready) continue;
      const w = naiveWindow(i, p);
      const mean = w.reduce((a, b) => a + b, 0) / p;
      const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / p);
      expect(ind.value).toBeCloseTo((close[i] - mean) / sd, 8);
      checked++;
    }
    expect(checked).toBe(N - p + 1);
  });

  it.each([10, 50])('rolling regression slope(%i) equals the OLS slope', (p) => {
    const ind = new RegressionSlope(p);
    for (let i = 0; i < N; i++) {
      ind.update(close[i]);
      if (!ind.ready) continue;
      const w = naiveWindow(i, p);
      const xm = (p - 1) / 2;
      const ym = w.reduce((a, b) => a + b, 0) / p;
      let sxy = 0;
      let sxx = 0;
      for (let j = 0; j < p; j++) {
        sxy += (j - xm) * (w[j] - ym);
        sxx += (j - xm) ** 2;
      }
      const slope = sxy / sxx;
      expect(ind.value).toBeCloseTo(slope, 9);
      expect(ind.fitted).toBeCloseTo(ym + slope * (p - 1 - xm), 8);
    }
  });

  it('a straight line has exactly its slope and a z-score of sqrt(3)*(p-1)/sqrt(p^2-1) at the end', () => {
    const slope = new RegressionSlope(5);
    const z = new ZScore(5);
    for (let i = 0; i < 12; i++) {
      slope.update(100 + 2 * i);
      z.update(100 + 2 * i);
    }
    expect(slope.value).toBeCloseTo(2, 12);
    // For 0..4: mean 2, population sd sqrt(2): the newest point is (4-2)/sqrt(2) = sqrt(2).
    expect(z.value).toBeCloseTo(Math.SQRT2, 12);
  });
});

describe('indicator behaviour a strategy relies on', () => {
  it("SMA over a whole column gives update()'s values to the bit, bad prints included, and carries on as the same stream (property)", () => {
    const value = fc.oneof({ weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e300) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(value, { maxLength: 300 }), fc.array(value, { maxLength: 50 }), (period, xs, more) => {
        const one = new Sma(period);
        const expected = xs.map((x) => (one.update(x), one.ready ? one.value : NaN));
        const all = new Sma(period);
        const out = new Float64Array(xs.length);
        all.updateAll(Float64Array.from(xs), out);
        expect(Array.from(out)).toEqual(expected);
        // The state it leaves is the stream's: what follows comes out the same.
        for (const x of more) expect(Object.is(all.update(x), one.update(x))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is NaN and not ready until warmed up, then ready', () => {
    const sma = new Sma(3);
    expect(sma.update(1)).toBeNaN();
    expect(sma.update(2)).toBeNaN();
    expect(sma.ready).toBe(false);
    expect(sma.update(3)).toBe(2);
    expect(sma.ready).toBe(true);
    expect(sma.update(10)).toBe(5);
  });

  it('ignores a NaN print instead of poisoning the average', () => {
    const sma = new Sma(2);
    sma.update(1);
    sma.update(3);
    expect(sma.update(NaN)).toBe(2);
    expect(sma.update(5)).toBe(4);
  });

  it('reset() starts over', () => {
    const rsi = new Rsi(2);
    [1, 2, 3, 2].forEach((x) => rsi.update(x));
    expect(rsi.ready).toBe(true);
    rsi.reset();
    expect(rsi.ready).toBe(false);
    expect(rsi.value).toBeNaN();
  });

  it('RSI of a flat series is 50, of a rising one 100', () => {
    const flat = new Rsi(3);
    const up = new Rsi(3);
    for (let i = 0; i < 10; i++) {
      flat.update(5);
      up.update(5 + i);
    }
    expect(flat.value).toBe(50);
    expect(up.value).toBe(100);
  });

  it('rejects a zero or fractional period at construction', () => {
    expect(() => new Sma(0)).toThrow(/period must be an integer >= 1/);
    expect(() => new Ema(2.5)).toThrow(RangeError);
    expect(() => new Macd(26, 12)).toThrow(/shorter/);
  });

  it('SMA stays exact over a million updates (no drift in the running sum)', () => {
    const sma = new Sma(7);
    for (let i = 0; i < 1_000_000; i++) sma.update(1e6 + (i % 13) * 0.1);
    const last: number[] = [];
    for (let i = 1_000_000 - 7; i < 1_000_000; i++) last.push(1e6 + (i % 13) * 0.1);
    expect(sma.value).toBeCloseTo(last.reduce((a, b) => a + b, 0) / 7, 9);
  });
});

describe('window primitives (property tests)', () => {
  it('RollingExtreme equals max/min of the last p values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 60 }), (p, xs) => {
        const mx = new RollingExtreme(p, 'max');
        const mn = new RollingExtreme(p, 'min');
        xs.forEach((x, i) => {
          mx.push(x);
          mn.push(x);
          const w = xs.slice(Math.max(0, i - p + 1), i + 1);
          expect(mx.value).toBe(Math.max(...w));
          expect(mn.value).toBe(Math.min(...w));
        });
      }),
    );
  });

  it('RingBuffer.get(ago) returns the value pushed ago steps before the newest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer(), { maxLength: 30 }), (cap, xs) => {
        const r = new RingBuffer(cap);
        xs.forEach((x) => r.push(x));
        for (let ago = 0; ago < cap + 1; ago++) {
          const i = xs.length - 1 - ago;
          if (ago < Math.min(cap, xs.length)) expect(r.get(ago)).toBe(xs[i]);
          else expect(r.get(ago)).toBeNaN();
        }
      }),
    );
  });
});
