import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OrderFill } from '../events';
import { defineStrategy } from '../strategy/define';
import type { BarColumns } from './data';
import { runBacktest } from './runner';
import { type Ohlcv, dailyBars } from './testing';

const HOUR_NS = 3_600_000_000_000n;

function rows(n: number, seed: number): Ohlcv[] {
  let s = seed;
  let px = 40 + seed;
  const out: Ohlcv[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const o = px;
    px = Math.round(px * (1 + (s / 2 ** 32 - 0.5) * 0.06) * 100) / 100;
    out.push([o, Math.max(o, px) + 0.2, Math.min(o, px) - 0.2, px, 10_000]);
  }
  return out;
}

/** Buys, shorts and flattens the symbols in turn, so positions change often and differ in sign. */
const churn = defineStrategy({
  name: 'churn',
  params: z.object({}),
  create(ctx) {
    let n = 0;
    return {
      onBar(bar) {
        n++;
        if (n % 3 === 0) ctx.orders.submit({ symbol: bar.symbol, side: n % 2 === 0 ? 'buy' : 'sell', qty: 1 + (n % 7), type: 'market' });
        if (n % 11 === 0) ctx.orders.closePosition(bar.symbol);
      },
    };
  },
});

describe('equity curve columns (cash and exposure rebuilt from the run’s change log)', () => {
  it('match cash and gross exposure replayed from the fills at every step, with symbols on different clocks', () => {
    const a = dailyBars(rows(60, 1));
    const b0 = dailyBars(rows(45, 2));
    // B closes three hours after A each day, and starts a week later: steps interleave.
    const b: BarColumns = { ...b0, ts: b0.ts.map((t) => t + 3n * HOUR_NS + 7n * 24n * HOUR_NS) };
    const c = dailyBars(rows(20, 3));
    const data = { A: a, B: b, C: c };
    const out = runBacktest({ strategy: churn, data, config: { initialCash: 50_000, borrowRateAnnual: 0.04, fees: { kind: 'per-share', perShare: 0.01 } } });
    if (!out.ok) throw new Error(out.error.message);
    const r = out.result;
    const fills = r.orderEvents.filter((e): e is OrderFill => e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled');
    expect(fills.length).toBeGreaterThan(20);
    expect(r.equity.ts.length).toBe(60 + 45);
    const syms = ['A', 'B', 'C'] as const;
    const qty = { A: 0, B: 0, C: 0 };
    const ptr = { A: 0, B: 0, C: 0 };
    const last = { A: NaN, B: NaN, C: NaN };
    let fillCash = 50_000;
    let next = 0;
    let sawShort = false;
    for (let i = 0; i < r.equity.ts.length; i++) {
      const T = r.equity.ts[i];
      for (const s of syms) {
        const col = data[s];
        while (ptr[s] < col.ts.length && col.ts[ptr[s]] <= T) last[s] = col.close[ptr[s]++];
      }
      for (; next < fills.length && fills[next].tsEvent <= T; next++) {
        const e = fills[next];
        const signed = (e.side === 'buy' ? 1 : -1) * e.lastQty;
        qty[e.symbol as 'A'] += signed;
        fillCash -= signed * e.lastPx + e.fee;
      }
      let gross = 0;
      let value = 0;
      for (const s of syms) {
        if (qty[s] === 0) continue;
        gross += Math.abs(qty[s] * last[s]);
        value += qty[s] * last[s];
        sawShort ||= qty[s] < 0;
      }
      expect(r.equity.exposure[i]).toBeCloseTo(gross, 9);
      // Borrow is charged in cash on top of the fills: cash can only be at or below what fills alone leave.
      expect(r.equity.cash[i]).toBeLessThanOrEqual(fillCash + 1e-9);
      expect(r.equity.equity[i]).toBeCloseTo(r.equity.cash[i] + value, 8);
    }
    expect(sawShort).toBe(true);
    expect(r.borrowCost).toBeGreaterThan(0);
    expect(r.equity.cash[r.equity.cash.length - 1]).toBeCloseTo(fillCash - r.borrowCost, 8);
    // Reading the columns twice gives the same arrays (built once, on first read).
    expect(r.equity.exposure).toBe(r.equity.exposure);
    expect(r.metrics.exposure).toBe(r.equity.exposure.filter((x) => x !== 0).length / r.equity.ts.length);
  });
});
