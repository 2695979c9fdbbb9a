import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OrderEvent, OrderFill } from '../events';
import { defineStrategy } from '../strategy/define';
import type { StrategyContext } from '../strategy/types';
import type { BacktestConfig } from './config';
import type { BarData } from './data';
import { type BacktestResult, runBacktest } from './runner';
import { serializeBacktestResult } from './serialize';
import { FIRST_MINUTE_CLOSE_NS, MINUTE_NS, dailyBars, minuteBars } from './testing';
import { type QuoteRow, type TickData, type TradeRow, checkTickData, quoteColumns, tradeColumns } from './ticks';

const MS = 1_000_000n;
const T0 = FIRST_MINUTE_CLOSE_NS;
const at = (ms: number): bigint => T0 + BigInt(ms) * MS;

type Step = (ctx: StrategyContext) => void;

/** Runs `steps[n]` on the n-th market event it is shown (trade, quote or bar), recording events. */
function scripted(steps: Record<number, Step>, seen: string[] = []) {
  return defineStrategy({
    name: 'tick-scripted',
    params: z.object({}),
    create(ctx) {
      let n = 0;
      const step = () => steps[n++]?.(ctx);
      return {
        onTrade(t) {
          seen.push(`trade ${t.symbol} ${t.tsEvent - T0} ${t.price}`);
          step();
        },
        onQuote(q) {
          seen.push(`quote ${q.symbol} ${q.tsEvent - T0} ${q.bidPrice}/${q.askPrice}`);
          step();
        },
        onBar(b) {
          seen.push(`bar ${b.symbol} ${b.tsEvent - T0}`);
          step();
        },
      };
    },
  });
}

function run(ticks: TickData, steps: Record<number, Step>, config?: BacktestConfig, data: BarData = {}): BacktestResult {
  const out = runBacktest({ strategy: scripted(steps), data, ticks, config });
  if (!out.ok) throw new Error(out.error.message);
  return out.result;
}

const fills = (r: BacktestResult): OrderFill[] => r.orderEvents.filter((e): e is OrderFill => e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled');
const fillRows = (r: BacktestResult) => fills(r).map((f) => [f.side, f.lastQty, f.lastPx, Number((f.tsEvent - T0) / MS)]);
const trades = (rows: [number, number, number?][]): TradeRow[] => rows.map(([ms, price, size]) => ({ ts: at(ms), price, size }));
const quotes = (rows: [number, number, number, number?, number?][]): QuoteRow[] => rows.map(([ms, bid, ask, bidSize, askSize]) => ({ ts: at(ms), bid, ask, bidSize, askSize }));
const buy = (qty: number, extra: Partial<Parameters<StrategyContext['orders']['submit']>[0]> = {}): Step => (ctx) =>
  void ctx.orders.submit({ symbol: 'X', side: 'buy', qty, type: 'market', ...extra });
const sell = (qty: number, extra: Partial<Parameters<StrategyContext['orders']['submit']>[0]> = {}): Step => (ctx) =>
  void ctx.orders.submit({ symbol: 'X', side: 'sell', qty, type: 'market', ...extra });

describe('market orders on ticks', () => {
  it('buy at the ask and sell at the bid of the next quote, not at trade prints in between', () => {
    const ticks = {
      X: {
        quotes: quoteColumns(quotes([[0, 99.9, 100.1], [20, 100.0, 100.2], [40, 100.4, 100.6]])),
        trades: tradeColumns(trades([[10, 100.05, 50], [30, 100.3, 50]])),
      },
    };
    // events: q0, t10, q20, t30, q40
    const r = run(ticks, { 0: buy(10), 2: sell(10) });
    expect(fillRows(r)).toEqual([
      ['buy', 10, 100.2, 20],
      ['sell', 10, 100.4, 40],
    ]);
    expect(r.trades[0].pnl).toBeCloseTo(2, 10);
  });

  it('fill at the next trade price when the symbol has no quotes', () => {
    const r = run({ X: { trades: tradeColumns(trades([[0, 50], [5, 50.5], [9, 49.8]])) } }, { 0: buy(5), 1: sell(5) });
    expect(fillRows(r)).toEqual([
      ['buy', 5, 50.5, 5],
      ['sell', 5, 49.8, 9],
    ]);
  });

  it('a fill is capped by the quote size; the rest fills on later quotes', () => {
    const q = quotes([[0, 10, 10.01, 100, 100], [1, 10, 10.02, 100, 100], [2, 10, 10.03, 100, 150], [3, 10, 10.05, 100, 500]]);
    const r = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(300) });
    expect(fillRows(r)).toEqual([
      ['buy', 100, 10.02, 1],
      ['buy', 150, 10.03, 2],
      ['buy', 50, 10.05, 3],
    ]);
    expect(fills(r).map((f) => f.type)).toEqual(['OrderPartiallyFilled', 'OrderPartiallyFilled', 'OrderFilled']);
    expect(r.orders[0].avgFillPrice).toBeCloseTo((100 * 10.02 + 150 * 10.03 + 50 * 10.05) / 300, 12);
  });

  it('a trade print caps the fill at its size; a print of unknown size does not', () => {
    const r = run({ X: { trades: tradeColumns(trades([[0, 20, 1], [1, 20.1, 30], [2, 20.2]])) } }, { 0: buy(100) });
    expect(fillRows(r)).toEqual([
      ['buy', 30, 20.1, 1],
      ['buy', 70, 20.2, 2],
    ]);
  });
});

describe('limit orders on ticks', () => {
  it('a resting buy limit fills at its limit only when a trade prints through it', () => {
    const t = trades([[0, 100], [1, 99.8], [2, 99.5], [3, 99.4], [4, 99.0]]);
    const r = run({ X: { trades: tradeColumns(t) } }, { 0: buy(10, { type: 'limit', limitPrice: 99.5 }) });
    // 99.8: above; 99.5: only touches (others are ahead in the queue); 99.4: through → at 99.5.
    expect(fillRows(r)).toEqual([['buy', 10, 99.5, 3]]);
  });

  it('a limit that is marketable on arrival takes the market price, which is better than its limit', () => {
    const r = run({ X: { trades: tradeColumns(trades([[0, 100], [1, 99.7]])) } }, { 0: buy(10, { type: 'limit', limitPrice: 100.5 }) });
    expect(fillRows(r)).toEqual([['buy', 10, 99.7, 1]]);
    const q = quotes([[0, 99.9, 100], [1, 99.9, 100.1], [2, 99.5, 99.6]]);
    const r2 = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10, { type: 'limit', limitPrice: 100.2 }) });
    expect(fillRows(r2)).toEqual([['buy', 10, 100.1, 1]]);
  });

  it('a resting sell limit fills at its limit when the bid crosses it', () => {
    const q = quotes([[0, 99.9, 100], [1, 100.2, 100.3], [2, 100.6, 100.7]]);
    const r = run({ X: { quotes: quoteColumns(q) } }, { 0: sell(10, { type: 'limit', limitPrice: 100.5 }) });
    expect(fillRows(r)).toEqual([['sell', 10, 100.5, 2]]);
  });
});

describe('stop orders on ticks', () => {
  it('a sell stop triggers on a trade print and fills at that print (gapped through: not at the stop)', () => {
    const t = trades([[0, 100], [1, 99.2], [2, 98.7], [3, 98.9]]);
    const r = run({ X: { trades: tradeColumns(t) } }, { 0: sell(10, { type: 'stop', stopPrice: 99 }) });
    expect(fillRows(r)).toEqual([['sell', 10, 98.7, 2]]);
  });

  it('with quotes, the print triggers the stop and the next quote fills it at the bid', () => {
    const ticks = {
      X: {
        quotes: quoteColumns(quotes([[0, 99.9, 100], [2, 98.6, 98.8]])),
        trades: tradeColumns(trades([[1, 98.9]])),
      },
    };
    const seen: OrderEvent[] = [];
    const strat = defineStrategy({
      name: 's',
      params: z.object({}),
      create(ctx) {
        let n = 0;
        return {
          onQuote() {
            if (n++ === 0) ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'stop', stopPrice: 99 });
          },
          onOrderEvent(e) {
            seen.push(e);
          },
        };
      },
    });
    const out = runBacktest({ strategy: strat, data: {}, ticks });
    if (!out.ok) throw new Error(out.error.message);
    expect(seen.map((e) => [e.type, e.tsEvent - T0])).toEqual([
      ['OrderAccepted', 0n],
      ['OrderTriggered', 1n * MS],
      ['OrderFilled', 2n * MS],
    ]);
    expect(fillRows(out.result)).toEqual([['sell', 10, 98.6, 2]]);
  });

  it('with quotes only, a buy stop triggers on the ask', () => {
    const q = quotes([[0, 99.9, 100], [1, 100.3, 100.4], [2, 100.5, 100.6]]);
    const r = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10, { type: 'stop', stopPrice: 100.5 }) });
    expect(fillRows(r)).toEqual([['buy', 10, 100.6, 2]]);
  });

  it("a bracket's take-profit fills from prints and cancels its stop-loss", () => {
    const t = trades([[0, 100], [1, 100], [2, 101], [3, 102.5], [4, 90]]);
    const r = run({ X: { trades: tradeColumns(t) } }, {
      0: buy(10, { orderClass: 'bracket', takeProfit: { limitPrice: 102 }, stopLoss: { stopPrice: 98 } }),
    });
    expect(fillRows(r)).toEqual([
      ['buy', 10, 100, 1],
      ['sell', 10, 102, 3],
    ]);
    expect(r.orderEvents.some((e) => e.type === 'OrderCanceled' && e.orderId === 'O-3')).toBe(true);
  });
});

describe('latency', () => {
  it('an order meets only ticks at or after its arrival: the price has moved by then', () => {
    const q = quotes([[0, 99.9, 100], [10, 100, 100.1], [60, 100.9, 101]]);
    const now = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10) });
    expect(fillRows(now)).toEqual([['buy', 10, 100.1, 10]]);
    const late = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10) }, { latencyMs: 50 });
    expect(fillRows(late)).toEqual([['buy', 10, 101, 60]]);
    // Events keep both times: accepted at submission (t0), filled at the tick.
    expect(late.orderEvents[0]).toMatchObject({ type: 'OrderAccepted', tsEvent: at(0), tsInit: at(0) });
  });

  it('a cancel travels too: the order still fills while it is on its way', () => {
    const t = trades([[0, 100], [10, 100], [16, 100], [20, 99], [30, 98]]);
    const cancelFirst: Step = (ctx) => void ctx.orders.cancel(ctx.orders.open('X')[0].id);
    const steps = { 0: buy(10, { type: 'limit', limitPrice: 99.5 }), 1: cancelFirst };
    // no latency: canceled at 10 ms, before the print through the limit at 20 ms
    expect(fillRows(run({ X: { trades: tradeColumns(t) } }, steps))).toEqual([]);
    // 15 ms: the order arrives at 15 (and rests at the 16 ms print), the cancel (sent at 10)
    // arrives at 25: the 20 ms print through the limit fills it first
    const r = run({ X: { trades: tradeColumns(t) } }, steps, { latencyMs: 15 });
    expect(fillRows(r)).toEqual([['buy', 10, 99.5, 20]]);
    expect(r.orderEvents.find((e) => e.type === 'OrderCancelRejected')).toMatchObject({ reason: 'order is filled', tsEvent: at(25) });
  });

  it('cancelAll sends one cancel per bracket: the legs close with it, and nothing is rejected on arrival', () => {
    const t = trades([[0, 100], [10, 100], [20, 100], [30, 100], [40, 100]]);
    let count = -1;
    const steps: Record<number, Step> = {
      0: buy(10, { orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 90 } }),
      1: buy(5, { type: 'limit', limitPrice: 95 }),
      3: (ctx) => void (count = ctx.orders.cancelAll()),
    };
    for (const latencyMs of [0, 5]) {
      const r = run({ X: { trades: tradeColumns(t) } }, steps, { latencyMs });
      // The entry filled; its two legs and the resting limit are open when cancelAll runs.
      expect(fillRows(r), `latency ${latencyMs}`).toHaveLength(1);
      expect(count, `latency ${latencyMs}`).toBe(2);
      expect(r.orderEvents.filter((e) => e.type === 'OrderCanceled').map((e) => e.orderId).sort(), `latency ${latencyMs}`).toEqual(['O-2', 'O-3', 'O-4']);
      expect(r.orderEvents.filter((e) => e.type === 'OrderCancelRejected'), `latency ${latencyMs}`).toEqual([]);
    }
  });

  it('with bars, an order reaches only bars that start at or after its arrival', () => {
    const bars = minuteBars([
      [100, 101, 99, 100],
      [102, 103, 101, 102],
      [104, 105, 103, 104],
      [106, 107, 105, 106],
    ]);
    const runBars = (config?: BacktestConfig) => {
      const out = runBacktest({ strategy: scripted({ 0: buy(10) }), data: { X: bars }, config });
      if (!out.ok) throw new Error(out.error.message);
      return fills(out.result).map((f) => [f.lastPx, (f.tsEvent - T0) / MINUTE_NS]);
    };
    // placed at the first close: next open (bar 1) without latency, bar 2's open with any latency
    expect(runBars()).toEqual([[102, 1n]]);
    expect(runBars({ latencyMs: 1 })).toEqual([[104, 2n]]);
    expect(runBars({ latencyMs: 60_000 })).toEqual([[104, 2n]]);
    expect(runBars({ latencyMs: 60_001 })).toEqual([[106, 3n]]);
  });

  it('a latency that is not a non-negative number is a config error naming the field', () => {
    const out = runBacktest({ strategy: scripted({}), data: {}, ticks: { X: { trades: tradeColumns(trades([[0, 1]])) } }, config: { latencyMs: -5 } });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ kind: 'config', message: 'config: latencyMs must be a number of milliseconds >= 0, got -5' });
  });
});

describe('half-spread slippage', () => {
  const q = quotes([[0, 99.9, 100.1], [1, 99.8, 100.2], [2, 99.7, 100.3]]);

  it('prices a market fill at mid ± half the spread (the touch) and reports the half spread as slippage', () => {
    const r = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10), 1: sell(10) }, { slippage: { kind: 'half-spread' } });
    const f = fills(r);
    expect(f.map((x) => x.lastPx)).toEqual([100.2, 99.7]);
    expect(f[0].slippage).toBeCloseTo(0.2, 12);
    expect(f[1].slippage).toBeCloseTo(0.3, 12);
    // the same prices as filling at the quote without a slippage model: the spread is not paid twice
    const plain = run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10), 1: sell(10) });
    expect(fills(plain).map((x) => [x.lastPx, x.slippage])).toEqual([
      [100.2, 0],
      [99.7, 0],
    ]);
  });

  it('on bars or trades without quotes it is a config error naming the symbol', () => {
    const onBars = runBacktest({ strategy: scripted({}), data: { X: minuteBars([[1, 1, 1, 1]]) }, config: { slippage: { kind: 'half-spread' } } });
    expect(onBars.ok).toBe(false);
    if (!onBars.ok) expect(onBars.error.message).toBe('config: slippage half-spread needs quotes for every symbol; X has none (bars and trades carry no spread: add quotes, or use fixed-bps)');
    const onTrades = runBacktest({ strategy: scripted({}), data: {}, ticks: { X: { quotes: quoteColumns(q) }, Y: { trades: tradeColumns(trades([[0, 5]])) } }, config: { slippage: { kind: 'half-spread' } } });
    expect(onTrades.ok).toBe(false);
    if (!onTrades.ok) expect(onTrades.error.message).toContain('Y has none');
  });
});

describe('fixed-bps and volume-share slippage on ticks', () => {
  it('move a market fill past the touch (or the print) by the model, against the size the tick offered, and report it', () => {
    const q = quotes([[0, 99.9, 100.1, 500, 400], [1, 99.8, 100.2, 100, 200], [2, 99.7, 100.3, 100, 200]]);
    const bps = fills(run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10), 1: sell(10) }, { slippage: { kind: 'fixed-bps', bps: 10 } }));
    expect(bps.map((f) => f.lastPx)).toEqual([100.2 * 1.001, 99.7 * 0.999]);
    expect(bps[0].slippage).toBeCloseTo(0.1002, 12);
    // 100 of the 200 offered at the ask: impact 0.1 × (1/2)² = 2.5%; 50 of the 100 bid: the same.
    const share = fills(run({ X: { quotes: quoteColumns(q) } }, { 0: buy(100), 1: sell(50) }, { slippage: { kind: 'volume-share', priceImpact: 0.1 } }));
    expect(share.map((f) => f.lastPx)).toEqual([100.2 * 1.025, 99.7 * 0.975]);
    const t = trades([[0, 50, 1000], [1, 51, 1000]]);
    const onTrades = fills(run({ X: { trades: tradeColumns(t) } }, { 0: buy(10) }, { slippage: { kind: 'fixed-bps', bps: 20 } }));
    expect(onTrades.map((f) => f.lastPx)).toEqual([51 * 1.002]);
    // Resting limits fill at their limit: no slippage model applies to them.
    const limit = fills(run({ X: { quotes: quoteColumns(q) } }, { 0: buy(10, { type: 'limit', limitPrice: 100.2 }) }, { slippage: { kind: 'fixed-bps', bps: 10 } }));
    expect(limit.every((f) => f.slippage === 0)).toBe(true);
  });
});

describe('corporate actions in the event loop', () => {
  it('apply a split and a dividend to the position before the symbol’s first event on the ex-date, with bars under latency and with ticks', () => {
    // Raw daily bars: 100 until the 2-for-1 split on day 3, then 50; a 0.5 dividend on day 5.
    const bars = dailyBars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 100, 100], [50, 50, 50, 50], [50, 50, 50, 50], [50, 50, 50, 50], [50, 50, 50, 50]]);
    const exOf = (day: number) => bars.ts[day] - 10n * 3_600_000_000_000n;
    const corporateActions = [
      { symbol: 'X', exNs: exOf(3), kind: 'split' as const, ratio: 2, cash: 0 },
      { symbol: 'X', exNs: exOf(5), kind: 'dividend' as const, ratio: 0, cash: 0.5 },
    ];
    const out = runBacktest({ strategy: scripted({ 0: buy(10) }), data: { X: bars }, config: { initialCash: 10_000, latencyMs: 1, corporateActions } });
    if (!out.ok) throw new Error(out.error.message);
    const r = out.result;
    // Sent at day 0's close, the order reaches the exchange after day 1 started: it fills at day 2's open.
    expect(fillRows(r).map(([side, qty, px]) => [side, qty, px])).toEqual([['buy', 10, 100]]);
    expect(r.finalPositions[0]).toMatchObject({ symbol: 'X', qty: 20, avgPrice: 50 });
    expect(r.dividends).toBe(10);
    // The split leaves the equity where it was; the dividend adds its cash.
    expect([...r.equity.equity]).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_010, 10_010]);
    // On ticks: a trade stream that halves at the split.
    const t = trades([[0, 100, 1000], [1, 100, 1000], [5, 50, 1000], [6, 50, 1000]]);
    const exTick = at(3);
    const onTicks = runBacktest({ strategy: scripted({ 0: buy(10) }), data: {}, ticks: { X: { trades: tradeColumns(t) } }, config: { initialCash: 10_000, corporateActions: [{ symbol: 'X', exNs: exTick, kind: 'split', ratio: 2, cash: 0 }] } });
    if (!onTicks.ok) throw new Error(onTicks.error.message);
    expect(onTicks.result.finalPositions[0]).toMatchObject({ qty: 20, avgPrice: 50 });
    expect(onTicks.result.metrics.finalEquity).toBe(10_000);
  });
});

describe('the merged event stream', () => {
  it('orders events by time; at one time ticks before bars, symbols by name, quotes before trades', () => {
    const seen: string[] = [];
    // one bar closing at T0; ticks 5 ms before it and at its close
    const bars = minuteBars([[10, 10, 10, 10]]);
    const ticks: TickData = {
      B: { trades: tradeColumns(trades([[-5, 1], [0, 2]])), quotes: quoteColumns(quotes([[-5, 0.9, 1.1]])) },
      A: { trades: tradeColumns(trades([[-5, 3], [-5, 3.1]])) },
    };
    const out = runBacktest({ strategy: scripted({}, seen), data: { A: bars }, ticks });
    if (!out.ok) throw new Error(out.error.message);
    expect(seen).toEqual(['trade A -5000000 3', 'trade A -5000000 3.1', 'quote B -5000000 0.9/1.1', 'trade B -5000000 1', 'trade B 0 2', 'bar A 0']);
    // with bars in the run, equity is recorded once per bar time
    expect(Array.from(out.result.equity.ts)).toEqual([T0]);
  });

  it('runs on the same inputs give bit-identical results', () => {
    const q: QuoteRow[] = [];
    const t: TradeRow[] = [];
    let p = 100;
    for (let i = 0; i < 400; i++) {
      p *= 1 + Math.sin(i * 1.7) * 0.002;
      q.push({ ts: at(i * 10), bid: p - 0.01, ask: p + 0.01, bidSize: 200, askSize: 300 });
      if (i % 3 === 0) t.push({ ts: at(i * 10 + 5), price: p, size: 100 });
    }
    const strat = defineStrategy({
      name: 'flip',
      params: z.object({}),
      create(ctx) {
        let n = 0;
        return {
          onTrade(tr) {
            if (n++ % 7 === 0) ctx.orders.submit({ symbol: 'X', side: ctx.portfolio.qty('X') > 0 ? 'sell' : 'buy', qty: 250, type: 'limit', limitPrice: Math.round(tr.price * 100) / 100 });
          },
        };
      },
    });
    const go = () => runBacktest({ strategy: strat, data: {}, ticks: { X: { quotes: quoteColumns(q), trades: tradeColumns(t) } }, config: { latencyMs: 3 } });
    const a = go();
    const b = go();
    if (!a.ok || !b.ok) throw new Error('run failed');
    expect(a.result.fills).toBeGreaterThan(5);
    expect(serializeBacktestResult(a.result)).toBe(serializeBacktestResult(b.result));
  });
});

describe('bad tick data', () => {
  const bad = (ticks: TickData) => {
    const out = runBacktest({ strategy: scripted({}), data: {}, ticks });
    if (out.ok) throw new Error('expected a data error');
    expect(out.error.kind).toBe('data');
    return out.error.message;
  };

  it('decreasing timestamps name the symbol, stream and row; equal ones are allowed', () => {
    expect(bad({ X: { trades: tradeColumns(trades([[0, 1], [5, 1], [4, 1]])) } })).toBe(`data: X trades[2] (ts ${at(4)}): ts must not decrease (previous ${at(5)})`);
    expect(checkTickData({ X: { trades: tradeColumns(trades([[0, 1], [0, 1.1]])) } })).toBeNull();
  });

  it('a crossed quote (bid above ask) names symbol, row and both prices', () => {
    expect(bad({ Q: { quotes: quoteColumns(quotes([[0, 1, 1.1], [1, 1.2, 1.1]])) } })).toBe(`data: Q quotes[1] (ts ${at(1)}): bid 1.2 is above ask 1.1 (a crossed quote)`);
  });

  it('negative sizes and non-positive prices are refused with the field named', () => {
    expect(bad({ X: { trades: tradeColumns(trades([[0, 1, -3]])) } })).toBe(`data: X trades[0] (ts ${at(0)}): size must be >= 0 or unknown (NaN), got -3`);
    expect(bad({ X: { quotes: quoteColumns(quotes([[0, 1, 1.1, 5, -1]])) } })).toBe(`data: X quotes[0] (ts ${at(0)}): askSize must be >= 0 or unknown (NaN), got -1`);
    expect(bad({ X: { trades: tradeColumns(trades([[0, 0]])) } })).toBe(`data: X trades[0] (ts ${at(0)}): price must be a positive number, got 0`);
  });

  it('mismatched column lengths are refused', () => {
    const t = tradeColumns(trades([[0, 1], [1, 1]]));
    expect(bad({ X: { trades: { ...t, size: new Float64Array(1) } } })).toBe('data: X trades: size has 1 values but ts has 2');
  });
});
