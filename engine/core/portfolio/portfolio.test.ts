import { describe, expect, it } from 'vitest';
import { Portfolio } from './portfolio';

describe('portfolio accounting', () => {
  it('averages the price of an increasing position and realises P&L when reducing', () => {
    const p = new Portfolio(['ORCL'], 10_000);
    p.applyFill(0, 'buy', 10, 100, 0);
    p.applyFill(0, 'buy', 10, 110, 0);
    expect(p.qtys[0]).toBe(20);
    expect(p.avgPrices[0]).toBe(105);
    expect(p.applyFill(0, 'sell', 5, 120, 1)).toBe(75);
    expect(p.qtys[0]).toBe(15);
    expect(p.avgPrices[0]).toBe(105);
    expect(p.cash).toBe(10_000 - 1000 - 1100 + 600 - 1);
    p.mark(0, 130);
    expect(p.unrealizedPnl(0)).toBe(15 * 25);
    expect(p.equity()).toBe(p.cash + 15 * 130);
  });

  it('reverses from long to short at the fill price', () => {
    const p = new Portfolio(['X'], 1000);
    p.applyFill(0, 'buy', 10, 50, 0);
    expect(p.applyFill(0, 'sell', 15, 60, 0)).toBe(100);
    expect(p.qtys[0]).toBe(-5);
    expect(p.avgPrices[0]).toBe(60);
    expect(p.position('X')?.side).toBe('short');
    // Covering the short below its price makes money.
    expect(p.applyFill(0, 'buy', 5, 55, 0)).toBe(25);
    expect(p.qtys[0]).toBe(0);
    expect(p.realized[0]).toBe(125);
    expect(p.cash).toBe(1125);
  });

  it('buying power is equity × margin multiplier minus gross exposure', () => {
    const cash = new Portfolio(['X'], 10_000);
    cash.applyFill(0, 'buy', 50, 100, 0);
    cash.mark(0, 100);
    expect(cash.buyingPower()).toBe(5_000);
    const margin = new Portfolio(['X'], 10_000, { marginMultiplier: 2 });
    margin.applyFill(0, 'buy', 50, 100, 0);
    margin.mark(0, 100);
    expect(margin.buyingPower()).toBe(15_000);
  });

  it('charges borrow on short market value for the time elapsed', () => {
    const p = new Portfolio(['X'], 10_000, { borrowRateAnnual: 0.0365 });
    p.applyFill(0, 'sell', 100, 100, 0);
    p.mark(0, 100);
    const day = 86_400e9;
    p.accrueBorrow(365.25 * day);
    expect(p.borrowPaid).toBeCloseTo(365, 9);
    expect(p.cash).toBeCloseTo(20_000 - 365, 9);
  });

  it('lists open positions only', () => {
    const p = new Portfolio(['A', 'B'], 1000);
    p.applyFill(1, 'buy', 1, 10, 0);
    expect(p.positions().map((x) => x.symbol)).toEqual(['B']);
    expect(p.position('nope')).toBeUndefined();
    expect(p.qty('nope')).toBe(0);
  });
});
