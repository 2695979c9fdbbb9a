// One-second bars from trades: a second closes when time moves past it, and a late print
// re-sends its second instead of being lost.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from './events';
import { SecondBarAggregator } from './second-bars';

const S = 1_000_000_000n;

describe('one-second bars aggregated from trades', () => {
  it('closes a second once a later time is seen and re-sends it for a late print', () => {
    const out: [Bar, boolean][] = [];
    const agg = new SecondBarAggregator((bar, updated) => out.push([bar, updated]));
    agg.addTrade('SPY', 10n * S + 100n, 10, 5, 0n);
    agg.addTrade('SPY', 10n * S + 900n, 12, 1, 0n);
    expect(out).toEqual([]);
    agg.addTrade('SPY', 11n * S + 5n, 11, 2, 0n);
    expect(out.map(([b, u]) => [b.start, b.open, b.high, b.low, b.close, b.volume, b.tradeCount, u])).toEqual([[10n * S, 10, 12, 10, 12, 6, 2, false]]);
    agg.advance(12n * S, 0n);
    agg.addTrade('SPY', 10n * S + 500n, 9, 4, 0n); // reported after its second closed
    expect(out.map(([b, u]) => [b.start, b.low, b.close, b.volume, b.tradeCount, u])).toEqual([
      [10n * S, 10, 12, 6, 2, false], [11n * S, 11, 11, 2, 1, false], [10n * S, 9, 12, 10, 3, true],
    ]);
  });

  it('accounts for every traded share in the latest version of each second', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 100 })), { minLength: 1, maxLength: 60 }), (trades) => {
      const latest = new Map<bigint, Bar>();
      const agg = new SecondBarAggregator((bar) => latest.set(bar.start, bar));
      for (const [ms, size] of trades) agg.addTrade('X', BigInt(ms) * 1_000_000n, 100 + (ms % 7), size, 0n);
      agg.advance(10n ** 15n, 0n);
      const total = [...latest.values()].reduce((a, b) => a + b.volume, 0);
      expect(total).toBe(trades.reduce((a, [, size]) => a + size, 0));
      for (const b of latest.values()) expect(b.low <= b.close && b.close <= b.high).toBe(true);
    }));
  });
});
