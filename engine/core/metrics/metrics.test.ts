import { describe, expect, it } from 'vitest';
import { computeMetrics } from './metrics';

const DAY = 86_400_000_000_000n;
const ts = (n: number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * DAY);

describe('metrics against hand-computed values', () => {
  // Equity 100 → 110 → 99 → 108.9 → 121: returns +10%, −10%, +10%, +11.1111…%.
  const equity = Float64Array.from([110, 99, 108.9, 121]);
  const m = computeMetrics({
    ts: ts(4),
    equity,
    exposure: Float64Array.from([1, 1, 0, 1]),
    initialCash: 100,
    tradePnls: [10, -5, 20, -5],
    tradedNotional: 219,
    periodsPerYear: 252,
  });
  const r = [0.1, -0.1, 0.1, 121 / 108.9 - 1];
  const mean = r.reduce((a, b) => a + b) / 4;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);

  it('total return and volatility', () => {
    expect(m.totalReturn).toBeCloseTo(0.21, 12);
    expect(m.volatility).toBeCloseTo(sd * Math.sqrt(252), 12);
    // By hand: mean 0.0527778; squared deviations 0.0022299, 0.0233410, 0.0022299, 0.0034028;
    // sum 0.0312037 / 3 = 0.0104012; sd 0.101986.
    expect(sd).toBeCloseTo(0.101986, 6);
  });

  it('skewness and excess kurtosis of the step returns (population moments)', () => {
    const m2 = r.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    const m3 = r.reduce((a, b) => a + (b - mean) ** 3, 0) / 4;
    const m4 = r.reduce((a, b) => a + (b - mean) ** 4, 0) / 4;
    // Three steps up and one down: the returns lean left.
    expect(m.skewness).toBeCloseTo(m3 / m2 ** 1.5, 12);
    expect(m.skewness).toBeLessThan(0);
    expect(m.excessKurtosis).toBeCloseTo(m4 / m2 ** 2 - 3, 12);
    // By hand: deviations 0.047222, −0.152778, 0.047222, 0.058333; m2 0.0078009, m3 −7.8922e-4;
    // m2^1.5 = 6.8900e-4 → skew −1.1455.
    expect(m.skewness).toBeCloseTo(-1.1455, 3);
  });

  it('Sharpe and Sortino', () => {
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 10);
    // Only −10% is below zero: downside deviation √(0.01 / 4) = 0.05.
    expect(m.sortino).toBeCloseTo((mean / 0.05) * Math.sqrt(252), 10);
  });

  it('max drawdown 10% from 110 to 99, lasting 2 steps (99, 108.9) before 121 recovers it', () => {
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownDurationBars).toBe(2);
    expect(m.maxDrawdownDurationDays).toBe(2);
  });

  it('CAGR and Calmar over the 3-day span', () => {
    const years = (3 * 86_400) / (365.25 * 86_400);
    expect(m.years).toBeCloseTo(years, 12);
    // Annualising 21% in three days gives an absurd but exact number; compare relatively.
    expect(m.cagr / (Math.pow(1.21, 1 / years) - 1)).toBeCloseTo(1, 12);
    expect(m.calmar / (m.cagr / 0.1)).toBeCloseTo(1, 12);
  });

  it('trade statistics', () => {
    expect(m.trades).toBe(4);
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBe(3);
    expect(m.expectancy).toBe(5);
    expect(m.exposure).toBe(0.75);
    // Mean equity (110 + 99 + 108.9 + 121) / 4 = 109.725.
    expect(m.turnover).toBeCloseTo(219 / 109.725, 12);
  });

  it('infers periods per year from the timestamps', () => {
    const daily = computeMetrics({ ts: ts(366), equity: new Float64Array(366).fill(100), initialCash: 100, tradePnls: [] });
    expect(daily.periodsPerYear).toBeCloseTo(365.25, 9);
    expect(daily.sharpe).toBeNaN();
    expect(daily.maxDrawdown).toBe(0);
    expect(daily.winRate).toBeNaN();
    expect(daily.profitFactor).toBeNaN();
  });

  it('profit factor is Infinity with wins and no losses', () => {
    const x = computeMetrics({ ts: ts(2), equity: Float64Array.from([101, 102]), initialCash: 100, tradePnls: [1, 1] });
    expect(x.profitFactor).toBe(Infinity);
  });

  it('a drawdown never recovered lasts to the end', () => {
    const x = computeMetrics({ ts: ts(4), equity: Float64Array.from([120, 100, 90, 95]), initialCash: 100, tradePnls: [] });
    expect(x.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(x.maxDrawdownDurationBars).toBe(3);
    expect(x.maxDrawdownDurationDays).toBe(3);
  });
});
