import { describe, expect, it } from 'vitest';
import { ALPACA_TAF_MAX_PER_TRADE, checkCostModels, computeFee, slippedPrice } from './costs';

describe('fees', () => {
  it('Alpaca charges nothing on buys', () => {
    expect(computeFee({ kind: 'alpaca' }, 'buy', 1000, 100)).toBe(0);
  });

  it('Alpaca charges FINRA TAF per share on sells, rounded up to the cent', () => {
    // 1000 × 0.000195 = 0.195 → 0.20
    expect(computeFee({ kind: 'alpaca' }, 'sell', 1000, 100)).toBe(0.2);
    expect(computeFee({ kind: 'alpaca' }, 'sell', 1, 100)).toBe(0.01);
  });

  it('caps TAF per trade', () => {
    expect(computeFee({ kind: 'alpaca' }, 'sell', 1_000_000, 10)).toBe(ALPACA_TAF_MAX_PER_TRADE);
  });

  it('adds the SEC fee on sale proceeds when a rate is set', () => {
    // $27.80 per million on $100,000 = $2.78; TAF on 1000 shares = $0.20.
    expect(computeFee({ kind: 'alpaca', secFeePerDollar: 27.8e-6 }, 'sell', 1000, 100)).toBeCloseTo(2.98, 10);
  });

  it('per-share with a minimum and a maximum per fill', () => {
    const m = { kind: 'per-share' as const, perShare: 0.005, minPerFill: 1, maxPerFill: 10 };
    expect(computeFee(m, 'buy', 100, 50)).toBe(1);
    expect(computeFee(m, 'buy', 1000, 50)).toBe(5);
    expect(computeFee(m, 'sell', 10_000, 50)).toBe(10);
  });

  it('percent of notional', () => {
    expect(computeFee({ kind: 'percent', rate: 0.001 }, 'buy', 100, 50)).toBeCloseTo(5, 12);
  });

  it('reports bad models as messages', () => {
    expect(checkCostModels({ kind: 'percent', rate: -1 }, { kind: 'none' })).toMatch(/fees.rate/);
    expect(checkCostModels({ kind: 'none' }, { kind: 'fixed-bps', bps: NaN })).toMatch(/slippage.bps/);
    expect(checkCostModels({ kind: 'bogus' } as never, { kind: 'none' })).toMatch(/unknown fee model 'bogus'/);
    expect(checkCostModels({ kind: 'alpaca' }, { kind: 'volume-share', priceImpact: 0.1 })).toBeNull();
  });
});

describe('slippage', () => {
  it('fixed bps moves the price against the order', () => {
    expect(slippedPrice({ kind: 'fixed-bps', bps: 10 }, 'buy', 100, 1, NaN)).toBeCloseTo(100.1, 12);
    expect(slippedPrice({ kind: 'fixed-bps', bps: 10 }, 'sell', 100, 1, NaN)).toBeCloseTo(99.9, 12);
  });

  it('volume share grows with the square of the share of the bar taken', () => {
    // 10% of volume, impact 0.1: 0.1 × 0.01 = 0.1% of price.
    expect(slippedPrice({ kind: 'volume-share', priceImpact: 0.1 }, 'buy', 100, 1000, 10_000)).toBeCloseTo(100.1, 12);
    expect(slippedPrice({ kind: 'volume-share', priceImpact: 0.1 }, 'buy', 100, 1000, NaN)).toBe(100);
  });
});
