import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TimeEvent } from '../clock';
import type { Bar, OrderEvent, OrderFill } from '../events';
import type { Order } from '../orders/types';
import { defineStrategy } from '../strategy/define';
import type { StrategyContext } from '../strategy/types';
import type { BacktestConfig } from './config';
import { type BarColumns, type BarData, closeTimesForTimeframe } from './data';
import { type BacktestResult, runBacktest } from './runner';
import { serializeBacktestResult } from './serialize';
import { DAY_NS, FIRST_CLOSE_NS, FIRST_MINUTE_CLOSE_NS, MINUTE_NS, type Ohlcv, dailyBars, minuteBars } from './testing';

type Step = (ctx: StrategyContext, bar: Bar) => void;

/** A strategy that runs `steps[n]` on its n-th bar and records every order event. */
function scripted(steps: Record<number, Step>, seen: OrderEvent[] = []) {
  return defineStrategy({
    name: 'scripted',
    params: z.object({}),
    create(ctx) {
      let n = 0;
      return {
        onBar(bar) {
          steps[n]?.(ctx, bar);
          n++;
        },
        onOrderEvent(e) {
          seen.push(e);
        },
      };
    },
  });
}

function run(data: BarData | BarColumns, steps: Record<number, Step>, config?: BacktestConfig): BacktestResult {
  const d = data instanceof Object && 'ts' in data ? { X: data as BarColumns } : (data as BarData);
  const out = runBacktest({ strategy: scripted(steps), data: d, config });
  if (!out.ok) throw new Error(out.error.message);
  return out.result;
}

const fills = (r: BacktestResult): OrderFill[] => r.orderEvents.filter((e): e is OrderFill => e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled');
const eventsOf = (r: BacktestResult, type: OrderEvent['type']) => r.orderEvents.filter((e) => e.type === type);
const dayTs = (i: number) => FIRST_CLOSE_NS + BigInt(i) * DAY_NS;
const flat: Ohlcv = [100, 101, 99, 100];

describe('market orders', () => {
  const bars = dailyBars([flat, [102, 105, 101, 104], [104, 106, 103, 105]]);
  const buy10: Step = (ctx) => void ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' });

  it("fill at the next bar's open by default", () => {
    const r = run(bars, { 0: buy10 });
    expect(fills(r).map((f) => [f.lastPx, f.lastQty, f.tsEvent])).toEqual([[102, 10, dayTs(1)]]);
    expect(r.equity.equity[2]).toBe(100_000 - 1020 + 1050);
    expect(r.equity.cash[2]).toBe(100_000 - 1020);
  });

  it("fill at the signal bar's close when the optimistic signal-close rule is chosen", () => {
    const r = run(bars, { 0: buy10 }, { fill: { market: 'signal-close' } });
    expect(fills(r).map((f) => [f.lastPx, f.tsEvent])).toEqual([[100, dayTs(0)]]);
    expect(r.config.market).toBe('signal-close');
  });

  it('report accepted before filled, each with event and engine times', () => {
    const seen: OrderEvent[] = [];
    runBacktest({ strategy: scripted({ 0: buy10 }, seen), data: { X: bars } });
    expect(seen.map((e) => [e.type, e.tsEvent, e.tsInit])).toEqual([
      ['OrderAccepted', dayTs(0), dayTs(0)],
      ['OrderFilled', dayTs(1), dayTs(1)],
    ]);
  });
});

describe('limit and stop orders', () => {
  it('a buy limit fills at its price when the low reaches it', () => {
    const r = run(dailyBars([flat, [100, 100.5, 97, 99]]), { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 5, type: 'limit', limitPrice: 98 }) });
    expect(fills(r).map((f) => f.lastPx)).toEqual([98]);
  });

  it('a buy limit fills at the open, a better price, when the bar gaps below it', () => {
    const r = run(dailyBars([flat, [96, 97, 95, 96]]), { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 5, type: 'limit', limitPrice: 98 }) });
    expect(fills(r).map((f) => f.lastPx)).toEqual([96]);
  });

  it('a stop gapped through fills at the open, not at the stop price', () => {
    const r = run(dailyBars([flat, flat, [90, 91, 88, 89]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'stop', stopPrice: 95 }),
    });
    expect(fills(r).map((f) => [f.side, f.lastPx])).toEqual([
      ['buy', 100],
      ['sell', 90],
    ]);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0].pnl).toBe(-100);
  });

  it('a stop-limit triggers, rests as a limit, and fills on a later bar', () => {
    const seen: OrderEvent[] = [];
    const out = runBacktest({
      strategy: scripted({ 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'stop_limit', stopPrice: 105, limitPrice: 104 }) }, seen),
      // Bar 1: low first (0.1 away), then up through 105 (trigger) to 106, back to 104.5: never <= 104.
      // Bar 2: high first (0.5 away), then down through 104: fills at the limit.
      data: { X: dailyBars([flat, [103, 106, 102.9, 104.5], [104.5, 105, 103.5, 104]]) },
    });
    expect(out.ok).toBe(true);
    expect(seen.map((e) => [e.type, e.tsEvent])).toEqual([
      ['OrderAccepted', dayTs(0)],
      ['OrderTriggered', dayTs(1)],
      ['OrderFilled', dayTs(2)],
    ]);
    expect((seen[2] as OrderFill).lastPx).toBe(104);
  });

  it('a trailing stop follows the high along the intrabar path and fills where price falls back by the trail', () => {
    let stopAfterBar2 = NaN;
    const r = run(dailyBars([flat, [100, 101.5, 99.5, 101], [101, 105, 100.5, 104], [104, 104.5, 101, 102]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'trailing_stop', trailPrice: 2 }),
      2: (ctx) => {
        stopAfterBar2 = ctx.orders.open('X')[0].stopPrice ?? NaN;
      },
    });
    // Starts at 101 - 2 = 99; bar 2 runs 101 → 100.5 → 105 → 104, lifting the stop to 103;
    // bar 3 runs 104 → 104.5 (below the 105 watermark, so the stop stays) → 101, crossing 103.
    expect(stopAfterBar2).toBe(103);
    expect(fills(r).map((f) => f.lastPx)).toEqual([100, 103]);
  });

  it('a percent trailing stop on a short trails the low', () => {
    const r = run(dailyBars([flat, flat, [99, 99.5, 90, 91], [91, 96, 90.5, 95]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'market' }),
      1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'trailing_stop', trailPercent: 5 }),
    });
    // Low watermark 90 after bar 2 → stop 94.5; bar 3 rises from 90.5 to 96 through it.
    expect(fills(r).map((f) => [f.side, f.lastPx])).toEqual([
      ['sell', 100],
      ['buy', 94.5],
    ]);
    expect(r.trades[0].side).toBe('short');
    expect(r.trades[0].pnl).toBeCloseTo(55, 9);
  });
});

describe('bracket, OCO and OTO orders', () => {
  const bracket: Step = (ctx) =>
    void ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market', orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 95 } });

  it("a bracket order's stop fills and cancels its take-profit", () => {
    const r = run(dailyBars([flat, [100, 103, 99, 101], [100, 101, 94, 96]]), { 0: bracket });
    expect(fills(r).map((f) => [f.orderId, f.lastPx])).toEqual([
      ['O-1', 100],
      ['O-3', 95],
    ]);
    const canceled = eventsOf(r, 'OrderCanceled');
    expect(canceled.map((e) => [e.orderId, 'reason' in e ? e.reason : ''])).toEqual([['O-2', 'oco: linked order O-3 filled']]);
    expect(r.orders.map((o) => [o.id, o.role, o.status])).toEqual([
      ['O-1', 'entry', 'filled'],
      ['O-2', 'take_profit', 'canceled'],
      ['O-3', 'stop_loss', 'filled'],
    ]);
    expect(r.trades.map((t) => t.pnl)).toEqual([-50]);
  });

  it('keeps the exits held until the entry fills, then releases them', () => {
    const r = run(dailyBars([flat, [100, 103, 99, 101]]), { 0: bracket });
    expect(r.orderEvents.map((e) => `${e.type}:${e.orderId}`)).toEqual([
      'OrderAccepted:O-1',
      'OrderAccepted:O-2',
      'OrderAccepted:O-3',
      'OrderFilled:O-1',
      'OrderReleased:O-2',
      'OrderReleased:O-3',
    ]);
  });

  // Bar 2 reaches both the target (110) and the stop (95). Its open (104) is nearer the high.
  const ambiguous = dailyBars([flat, [100, 103, 99, 101], [104, 111, 94, 100]]);

  it('stop and target in one bar: the adaptive path meets the nearer extreme first (target here)', () => {
    const r = run(ambiguous, { 0: bracket });
    expect(fills(r).map((f) => f.lastPx)).toEqual([100, 110]);
  });

  it('stop and target in one bar: the conservative rule fills the stop', () => {
    const r = run(ambiguous, { 0: bracket }, { fill: { intrabar: 'conservative' } });
    expect(fills(r).map((f) => f.lastPx)).toEqual([100, 95]);
    expect(r.orders.find((o) => o.role === 'take_profit')?.status).toBe('canceled');
  });

  it('exits can fill later in the same bar their entry filled in', () => {
    // Entry at the open 100; the path then falls to 94 (low nearer) through the stop at 95.
    const r = run(dailyBars([flat, [100, 103, 94, 96]]), { 0: bracket });
    expect(fills(r).map((f) => [f.orderId, f.lastPx, f.tsEvent])).toEqual([
      ['O-1', 100, dayTs(1)],
      ['O-3', 95, dayTs(1)],
    ]);
  });

  it('canceling the entry cancels its held exits', () => {
    const r = run(dailyBars([flat, flat, flat]), {
      0: (ctx) =>
        ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'limit', limitPrice: 90, orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 85 } }),
      1: (ctx) => ctx.orders.cancel('O-1'),
    });
    expect(r.orders.map((o) => o.status)).toEqual(['canceled', 'canceled', 'canceled']);
  });

  it('an OCO exits a long position at the target and cancels the stop', () => {
    const r = run(dailyBars([flat, flat, [101, 111, 100.5, 108]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'limit', orderClass: 'oco', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 95 } }),
    });
    expect(fills(r).map((f) => [f.orderId, f.lastPx])).toEqual([
      ['O-1', 100],
      ['O-2', 110],
    ]);
    expect(r.orders.find((o) => o.id === 'O-3')?.status).toBe('canceled');
    expect(r.finalPositions).toEqual([]);
  });

  it('an OTO places its single stop-loss once the entry fills', () => {
    const r = run(dailyBars([flat, flat, [99, 99.5, 94, 95]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market', orderClass: 'oto', stopLoss: { stopPrice: 96 } }),
    });
    expect(fills(r).map((f) => f.lastPx)).toEqual([100, 96]);
  });
});

describe('partial fills capped by bar volume', () => {
  it('fill at most the configured share of each bar, the rest on later bars', () => {
    const rows: Ohlcv[] = [flat, [101, 102, 100, 101, 500], [102, 103, 101, 102, 500], [103, 104, 102, 103, 500]];
    const r = run(dailyBars(rows), { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 120, type: 'market' }) }, { fill: { maxVolumeShare: 0.1 } });
    expect(fills(r).map((f) => [f.type, f.lastQty, f.lastPx, f.leavesQty])).toEqual([
      ['OrderPartiallyFilled', 50, 101, 70],
      ['OrderPartiallyFilled', 50, 102, 20],
      ['OrderFilled', 20, 103, 0],
    ]);
    expect((fills(r)[2] as OrderFill).avgPx).toBeCloseTo((50 * 101 + 50 * 102 + 20 * 103) / 120, 12);
  });
});

describe('time in force on one-minute bars (two sessions of three bars)', () => {
  const rows: Ohlcv[] = [
    [100, 101, 99, 100, 500],
    [100, 101, 99, 100, 500],
    [100, 101, 99, 100.5, 500],
    [102, 103, 101, 102, 500],
    [102, 103, 101, 102, 500],
    [102, 103, 101, 102, 500],
  ];
  const bars = minuteBars(rows, [3, 3]);
  const minute = (i: number) => FIRST_MINUTE_CLOSE_NS + BigInt(i) * MINUTE_NS;

  it('day: expires after the last bar of its session', () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'limit', limitPrice: 90, timeInForce: 'day' }) });
    expect(eventsOf(r, 'OrderExpired').map((e) => e.tsEvent)).toEqual([minute(2)]);
  });

  it("opg: waits for the next session and fills at its opening bar's open", () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'market', timeInForce: 'opg' }) });
    expect(fills(r).map((f) => [f.lastPx, f.tsEvent])).toEqual([[102, DAY_NS + minute(0)]]);
  });

  it("cls: fills at the close of the session's last bar", () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'market', timeInForce: 'cls' }) });
    expect(fills(r).map((f) => [f.lastPx, f.tsEvent])).toEqual([[100.5, minute(2)]]);
  });

  it('ioc: fills what the bar allows at arrival and cancels the rest', () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 100, type: 'market', timeInForce: 'ioc' }) }, { fill: { maxVolumeShare: 0.1 } });
    expect(fills(r).map((f) => f.lastQty)).toEqual([50]);
    expect(eventsOf(r, 'OrderCanceled').map((e) => ('reason' in e ? e.reason : ''))).toEqual(['ioc: unfilled quantity canceled']);
  });

  it('ioc: a limit that is not marketable at arrival is canceled, even if the bar later trades through it', () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'limit', limitPrice: 99.5, timeInForce: 'ioc' }) });
    expect(fills(r)).toEqual([]);
    expect(r.orders[0].status).toBe('canceled');
  });

  it('fok: all or nothing', () => {
    const r = run(bars, { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 100, type: 'market', timeInForce: 'fok' }) }, { fill: { maxVolumeShare: 0.1 } });
    expect(fills(r)).toEqual([]);
    expect(r.orders[0].status).toBe('canceled');
  });
});

describe('invalid orders are rejected as events, never thrown', () => {
  it('rejects with a reason and keeps running', () => {
    const seen: OrderEvent[] = [];
    let status = '';
    const out = runBacktest({
      strategy: scripted(
        {
          0: (ctx) => {
            const id = ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market', orderClass: 'bracket', takeProfit: { limitPrice: 90 }, stopLoss: { stopPrice: 95 } });
            status = ctx.orders.get(id)?.status ?? '';
            ctx.orders.submit({ symbol: 'NOPE', side: 'buy', qty: 1, type: 'market' });
            ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10_000, type: 'market' });
            ctx.orders.submit(null as never);
          },
        },
        seen,
      ),
      data: { X: dailyBars([flat, flat]) },
    });
    expect(out.ok).toBe(true);
    expect(status).toBe('rejected');
    expect(seen.map((e) => [e.type, 'reason' in e ? e.reason : ''])).toEqual([
      ['OrderRejected', 'bracket buy: takeProfit.limitPrice (90) must be above stopLoss.stopPrice (95)'],
      ['OrderRejected', "unknown symbol 'NOPE'"],
      ['OrderRejected', 'insufficient buying power: buy 10000 X needs 1000000.00, available 100000.00'],
      ['OrderRejected', 'order request must be an object'],
    ]);
  });

  it('refuses to short when shorting is disabled', () => {
    const r = run(dailyBars([flat, flat]), { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 1, type: 'market' }) }, { allowShort: false });
    expect(eventsOf(r, 'OrderRejected')).toHaveLength(1);
  });
});

describe('cancel and replace', () => {
  it('replace moves a resting limit, which then fills at the new price', () => {
    const r = run(dailyBars([flat, flat, [99, 99.5, 94, 96]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'limit', limitPrice: 90 }),
      1: (ctx) => ctx.orders.replace('O-1', { limitPrice: 95, qty: 20 }),
    });
    expect(eventsOf(r, 'OrderUpdated')).toHaveLength(1);
    expect(fills(r).map((f) => [f.lastQty, f.lastPx])).toEqual([[20, 95]]);
  });

  it('refuses to resize a bracket exit leg, which would sell more than the entry bought', () => {
    const r = run(dailyBars([flat, flat, flat]), {
      0: (ctx) =>
        ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'market', orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 90 } }),
      1: (ctx) => {
        expect(ctx.orders.replace('O-2', { qty: 2 })).toBe(false);
        expect(ctx.orders.replace('O-2', { limitPrice: 108 })).toBe(true);
      },
    });
    expect(eventsOf(r, 'OrderModifyRejected').map((e) => ('reason' in e ? e.reason : ''))).toEqual([
      'the qty of a bracket take_profit leg follows its entry and cannot be replaced',
    ]);
    expect(r.orders[1].limitPrice).toBe(108);
  });

  it('rejects a bad replace and a cancel of a closed order as events', () => {
    const r = run(dailyBars([flat, flat, flat]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'limit', limitPrice: 90 }),
      1: (ctx) => {
        expect(ctx.orders.replace('O-1', { limitPrice: -1 })).toBe(false);
        expect(ctx.orders.cancel('O-1')).toBe(true);
        expect(ctx.orders.cancel('O-1')).toBe(false);
        expect(ctx.orders.cancel('O-99')).toBe(false);
      },
    });
    expect(r.orderEvents.map((e) => e.type)).toEqual(['OrderAccepted', 'OrderModifyRejected', 'OrderCanceled', 'OrderCancelRejected', 'OrderCancelRejected']);
  });

  it('reads a finished order back whole after it filled, was rejected or canceled', () => {
    // Finished simple orders are kept as columns, not objects: what get, cancel and replace see
    // of them must be what they saw of the live order.
    const got: (Order | undefined)[] = [];
    const r = run(dailyBars([flat, flat, flat, flat]), {
      0: (ctx) => {
        ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market', clientOrderId: 'mine', tag: 'entry' });
        ctx.orders.submit({ symbol: 'X', side: 'sell', qty: -1, type: 'market', tag: 'bad' });
        ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 5, type: 'limit', limitPrice: 90, timeInForce: 'gtc' });
      },
      1: (ctx) => void ctx.orders.cancel('O-3'),
      2: (ctx) => {
        got.push(ctx.orders.get('O-1'), ctx.orders.get('O-2'), ctx.orders.get('O-3'), ctx.orders.get('O-01'), ctx.orders.get('O-1.0'), ctx.orders.get('O-4'));
        expect(ctx.orders.cancel('O-1')).toBe(false);
        expect(ctx.orders.replace('O-2', { qty: 5 })).toBe(false);
        expect(ctx.orders.cancel('O-3')).toBe(false);
        expect(ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'market', clientOrderId: 'mine' })).toBe('O-4');
      },
    });
    expect(got.slice(0, 3)).toEqual(r.orders.slice(0, 3));
    expect(got.slice(3)).toEqual([undefined, undefined, undefined]);
    expect(r.orders[0]).toEqual({
      id: 'O-1', clientOrderId: 'mine', symbol: 'X', side: 'buy', type: 'market', timeInForce: 'gtc', orderClass: 'simple', role: 'entry', parentId: null, linkedIds: [],
      qty: 10, filledQty: 10, avgFillPrice: 100, limitPrice: null, stopPrice: null, trailPrice: null, trailPercent: null, status: 'filled', tag: 'entry', tsInit: dayTs(0), tsLast: dayTs(1),
    });
    expect([r.orders[1].status, r.orders[1].tag, r.orders[1].side, r.orders[1].qty]).toEqual(['rejected', 'bad', 'sell', -1]);
    expect([r.orders[2].status, r.orders[2].limitPrice, r.orders[2].timeInForce, r.orders[2].tsLast]).toEqual(['canceled', 90, 'gtc', dayTs(1)]);
    expect(r.orders[3].status).toBe('filled');
    const refusals = r.orderEvents.filter((e) => e.type === 'OrderCancelRejected' || e.type === 'OrderModifyRejected');
    expect(refusals.map((e) => [e.type, e.orderId, e.clientOrderId, e.symbol, 'reason' in e ? e.reason : ''])).toEqual([
      ['OrderCancelRejected', 'O-1', 'mine', 'X', 'order is filled'],
      ['OrderModifyRejected', 'O-2', 'O-2', 'X', 'order is rejected'],
      ['OrderCancelRejected', 'O-3', 'O-3', 'X', 'order is canceled'],
    ]);
  });

  it('closePosition flattens and cancelAll cancels every open order', () => {
    const r = run(dailyBars([flat, flat, flat, flat]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      1: (ctx) => {
        ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1, type: 'limit', limitPrice: 50 });
        ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 10, type: 'limit', orderClass: 'oco', takeProfit: { limitPrice: 150 }, stopLoss: { stopPrice: 50 } });
        expect(ctx.orders.cancelAll()).toBe(2);
        expect(ctx.orders.closePosition('X')).toBe('O-5');
      },
    });
    expect(r.finalPositions).toEqual([]);
    expect(r.orders.filter((o) => o.status === 'canceled')).toHaveLength(3);
  });
});

describe('costs', () => {
  it('charges Alpaca regulatory fees on the sell and books them against the trade', () => {
    const r = run(
      dailyBars([flat, flat, flat]),
      {
        0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 1000, type: 'market' }),
        1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'sell', qty: 1000, type: 'market' }),
      },
      { fees: { kind: 'alpaca' }, initialCash: 1_000_000 },
    );
    expect(fills(r).map((f) => f.fee)).toEqual([0, 0.2]);
    expect(r.fees).toBe(0.2);
    expect(r.trades[0].pnl).toBeCloseTo(-0.2, 12);
    expect(r.equity.equity[2]).toBeCloseTo(1_000_000 - 0.2, 9);
  });

  it('slippage moves market fills against the order but never outside the bar', () => {
    const r = run(dailyBars([flat, [100, 101, 99, 100], [100, 100, 98, 99]]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      1: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
    }, { slippage: { kind: 'fixed-bps', bps: 10 } });
    expect(fills(r).map((f) => f.lastPx)).toEqual([100.1, 100]);
    expect(fills(r)[0].slippage).toBeCloseTo(0.1, 12);
  });
});

describe('several symbols in one portfolio', () => {
  it('merges bars by time and lets a strategy see every bar that has closed', () => {
    const a = dailyBars([flat, flat, flat]);
    const b = dailyBars([[50, 51, 49, 50], [52, 53, 51, 52]], dayTs(1));
    const order: string[] = [];
    const out = runBacktest({
      strategy: defineStrategy({
        name: 'watch',
        params: z.object({}),
        create: (ctx) => ({
          onBar(bar) {
            order.push(`${bar.symbol}@${Number((bar.tsEvent - FIRST_CLOSE_NS) / DAY_NS)}:${ctx.history('A').length}/${ctx.history('B').length}`);
            if (bar.symbol === 'B' && ctx.history('B').length === 1) ctx.orders.submit({ symbol: 'B', side: 'buy', qty: 10, type: 'market' });
          },
        }),
      }),
      data: { B: b, A: a },
    });
    if (!out.ok) throw new Error(out.error.message);
    expect(order).toEqual(['A@0:1/0', 'A@1:2/1', 'B@1:2/1', 'A@2:3/2', 'B@2:3/2']);
    expect(out.result.symbols).toEqual(['A', 'B']);
    expect(out.result.equity.ts).toEqual(BigInt64Array.from([dayTs(0), dayTs(1), dayTs(2)]));
    expect(fills(out.result).map((f) => [f.symbol, f.lastPx])).toEqual([['B', 52]]);
    expect(out.result.equity.exposure[2]).toBe(520);
  });
});

describe('timers', () => {
  it('fire in time order, before the bars that close at or after them', () => {
    const log: string[] = [];
    const out = runBacktest({
      strategy: defineStrategy({
        name: 'timers',
        params: z.object({}),
        create: (ctx) => ({
          onStart() {
            ctx.clock.setTimer('half-day', DAY_NS / 2n);
          },
          onTimer(e: TimeEvent) {
            log.push(`timer ${e.name} ${(e.tsEvent - (FIRST_CLOSE_NS - 1n)) / (DAY_NS / 2n)}`);
            expect(ctx.clock.timestampNs()).toBe(e.tsEvent);
          },
          onBar(bar) {
            log.push(`bar ${(bar.tsEvent - FIRST_CLOSE_NS) / DAY_NS}`);
          },
        }),
      }),
      data: { X: dailyBars([flat, flat]) },
    });
    expect(out.ok).toBe(true);
    expect(log).toEqual(['bar 0', 'timer half-day 1', 'timer half-day 2', 'bar 1']);
  });
});

describe('errors are values', () => {
  it('a strategy that throws fails the run, naming the strategy, handler and time', () => {
    const out = runBacktest({
      strategy: scripted({ 1: () => void JSON.parse('{oops') }),
      data: { X: dailyBars([flat, flat, flat]) },
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.kind).toBe('strategy');
    expect(out.error.handler).toBe('onBar');
    expect(out.error.tsNs).toBe(dayTs(1));
    expect(out.error.message).toMatch(/^strategy 'scripted' threw in onBar at ts \d+: .*JSON/);
    expect(out.error.stack).toContain('backtest.test.ts');
  });

  it('unknown and out-of-range parameters name the strategy and parameter', () => {
    const strategy = defineStrategy({ name: 'p', params: z.object({ fast: z.number().int().min(1).default(10) }), create: () => ({}) });
    const out = runBacktest({ strategy, params: { fast: 0, slwo: 3 }, data: { X: dailyBars([flat]) } });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.kind).toBe('params');
    expect(out.error.message).toMatch(/^strategy 'p': parameter 'slwo': unknown parameter \(known: fast\); parameter 'fast': Too small/);
  });

  it('bad data and bad config are reported before anything runs', () => {
    const bad = dailyBars([flat, flat]);
    bad.ts[1] = bad.ts[0];
    const d = runBacktest({ strategy: scripted({}), data: { X: bad } });
    expect(!d.ok && d.error.message).toMatch(/^data: X bar 1 .*strictly increasing/);
    const c = runBacktest({ strategy: scripted({}), data: { X: dailyBars([flat]) }, config: { initialCash: -5 } });
    expect(!c.ok && c.error.message).toBe('config: initialCash must be a positive number, got -5');
    const inverted = dailyBars([[100, 99, 101, 100]]);
    const e = runBacktest({ strategy: scripted({}), data: { X: inverted } });
    expect(!e.ok && e.error.message).toMatch(/do not contain open/);
  });
});

describe('bar time conventions', () => {
  it('converts start-stamped lake bars to the close times the engine runs on', () => {
    // 2024-01-02 00:00 New York (05:00Z) → 16:00 New York (21:00Z), the daily fixture's close.
    const start = BigInt64Array.from([FIRST_CLOSE_NS - 16n * 3_600_000_000_000n]);
    expect(closeTimesForTimeframe(start, '1Day')).toEqual(BigInt64Array.from([FIRST_CLOSE_NS]));
    expect(closeTimesForTimeframe(BigInt64Array.from([0n]), '5Min')).toEqual(BigInt64Array.from([300_000_000_000n]));
  });

  it('closes a daily bar when its session closes: 13:00 on the day after Thanksgiving, 16:00 in summer time', () => {
    const HOUR = 3_600_000_000_000n;
    // 2024-11-29 00:00 New York = 05:00Z (winter); the early close is 13:00 New York = 18:00Z.
    const blackFriday = Date.UTC(2024, 10, 29, 5) * 1_000_000;
    // 2024-07-01 00:00 New York = 04:00Z (summer); the close is 16:00 New York = 20:00Z.
    const july = Date.UTC(2024, 6, 1, 4) * 1_000_000;
    const out = closeTimesForTimeframe(BigInt64Array.from([BigInt(blackFriday), BigInt(july)]), '1Day');
    expect(out).toEqual(BigInt64Array.from([BigInt(blackFriday) + 13n * HOUR, BigInt(july) + 16n * HOUR]));
  });
});

describe('results', () => {
  it('serialise to the same bytes on every run', () => {
    const rows: Ohlcv[] = Array.from({ length: 40 }, (_, i) => {
      const c = 100 + 10 * Math.sin(i / 3);
      return [c - 0.5, c + 1, c - 1.5, c];
    });
    const steps: Record<number, Step> = {};
    for (let i = 0; i < 40; i += 5) {
      steps[i] = (ctx) => {
        ctx.orders.submit({ symbol: 'X', side: i % 10 === 0 ? 'buy' : 'sell', qty: 10, type: 'market' });
      };
    }
    const a = serializeBacktestResult(run(dailyBars(rows), steps, { fees: { kind: 'alpaca' } }));
    const b = serializeBacktestResult(run(dailyBars(rows), steps, { fees: { kind: 'alpaca' } }));
    expect(a).toBe(b);
    const parsed = JSON.parse(a) as { equity: { ts: string[] }; trades: unknown[]; timing?: unknown };
    expect(parsed.equity.ts[0]).toBe(String(FIRST_CLOSE_NS));
    expect(parsed.trades.length).toBeGreaterThan(0);
    expect(parsed.timing).toBeUndefined();
  });

  it('measure the loop only when a stopwatch is injected', () => {
    let t = 0;
    const r = run(dailyBars([flat, flat]), {}, { stopwatch: () => (t += 5) });
    expect(r.timing).toEqual({ loopMs: 5, barsPerSecond: 400 });
  });

  it('record MAE and MFE from the bars between entry and exit', () => {
    const r = run(dailyBars([flat, flat, [100, 108, 95, 101], [101, 103, 97, 102], flat]), {
      0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }),
      3: (ctx) => ctx.orders.closePosition('X'),
    });
    const t = r.trades[0];
    expect([t.entryPrice, t.exitPrice, t.mfe, t.mae, t.bars]).toEqual([100, 100, 80, -50, 3]);
    expect(t.durationNs).toBe(3n * DAY_NS);
  });

  it('list positions still open at the end as open trades valued at the last close', () => {
    const r = run(dailyBars([flat, flat, [100, 106, 99, 105]]), { 0: (ctx) => ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' }) });
    expect(r.trades).toEqual([]);
    expect(r.openTrades.map((t) => [t.closed, t.pnl, t.exitPrice])).toEqual([[false, 50, 105]]);
    expect(r.metrics.finalEquity).toBe(100_050);
  });
});

describe('corporate actions on raw prices', () => {
  // Day 0–2 trade near 100; a 2-for-1 split goes ex on day 3 (prices halve); a $0.50 dividend on day 5.
  const bars = dailyBars([
    [100, 101, 99, 100],
    [100, 101, 99, 100],
    [100, 101, 99, 100],
    [50, 51, 49, 50],
    [50, 51, 49, 50],
    [50, 51, 49.5, 50],
    [50, 51, 49, 51],
  ]);
  const exDay = (day: number) => FIRST_CLOSE_NS + BigInt(day) * DAY_NS - 16n * 3_600_000_000_000n - 5n * 3_600_000_000_000n;
  const actions: BacktestConfig['corporateActions'] = [
    { symbol: 'SPY', exNs: exDay(3), kind: 'split', ratio: 2, cash: 0 },
    { symbol: 'SPY', exNs: exDay(5), kind: 'dividend', ratio: 0, cash: 0.5 },
  ];

  it('splits the position and pays the dividend, so equity does not jump on the ex-date', () => {
    const r = run({ SPY: bars }, { 0: (ctx) => void ctx.orders.submit({ symbol: 'SPY', side: 'buy', qty: 10, type: 'market' }) }, { corporateActions: actions });
    // Bought 10 at day 1's open (100); 20 shares at an average of 50 after the split.
    expect(r.finalPositions).toEqual([expect.objectContaining({ symbol: 'SPY', qty: 20, avgPrice: 50 })]);
    expect(Array.from(r.equity.equity)).toEqual([100_000, 100_000, 100_000, 100_000, 100_000, 100_010, 100_030]);
    expect(r.dividends).toBe(10);
    expect(r.openTrades.map((t) => [t.qty, t.entryPrice, t.pnl])).toEqual([[20, 50, 30]]);
    // Without the actions the raw prices show a fake halving of the position's value.
    const plain = run({ SPY: bars }, { 0: (ctx) => void ctx.orders.submit({ symbol: 'SPY', side: 'buy', qty: 10, type: 'market' }) });
    expect(plain.equity.equity[3]).toBe(99_500);
  });

  it('resizes orders working across the ex-date, and charges the dividend to a short', () => {
    const r = run(
      { SPY: bars },
      {
        // A buy limit at 49 (pre-split) rests through the split: it becomes 20 at 24.50 and never fills.
        1: (ctx) => void ctx.orders.submit({ symbol: 'SPY', side: 'buy', qty: 10, type: 'limit', limitPrice: 49, timeInForce: 'gtc' }),
        2: (ctx) => void ctx.orders.submit({ symbol: 'SPY', side: 'sell', qty: 4, type: 'market' }),
      },
      { corporateActions: actions },
    );
    const limit = r.orders.find((o) => o.type === 'limit');
    expect(limit).toMatchObject({ qty: 20, limitPrice: 24.5, status: 'accepted', filledQty: 0 });
    // A market sell of 4 placed on the eve fills on the ex-date as 8 post-split shares at 50; the
    // short then pays the dividend, 8 × 0.50.
    expect(r.finalPositions[0]).toMatchObject({ qty: -8, avgPrice: 50 });
    expect(r.dividends).toBe(-4);
  });

  it('leaves actions before the first bar alone', () => {
    const late = { SPY: dailyBars([[50, 51, 49, 50], [50, 51, 49, 50]], FIRST_CLOSE_NS + 3n * DAY_NS) };
    const r = run(late, { 0: (ctx) => void ctx.orders.submit({ symbol: 'SPY', side: 'buy', qty: 10, type: 'market' }) }, { corporateActions: actions.slice(0, 1) });
    expect(r.finalPositions[0]).toMatchObject({ qty: 10 });
  });

  it('rejects a split without a positive ratio, naming it', () => {
    const out = runBacktest({ strategy: scripted({}), data: { SPY: bars }, config: { corporateActions: [{ symbol: 'SPY', exNs: exDay(3), kind: 'split', ratio: 0, cash: 0 }] } });
    expect(out).toMatchObject({ ok: false, error: { kind: 'config', message: 'config: corporateActions[0] (SPY): a split needs a positive ratio, got 0' } });
  });
});
