import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OrderFill } from '../events';
import { roundToTick } from '../orders/validate';
import type { OrderRequest, TimeInForce } from '../orders/types';
import { defineStrategy } from '../strategy/define';
import type { StrategyContext } from '../strategy/types';
import type { BacktestConfig } from './config';
import type { BarColumns } from './data';
import { runBacktest } from './runner';
import { serializeBacktestResult } from './serialize';
import { DAY_NS, type Ohlcv, dailyBars, minuteBars } from './testing';

const barArb = fc.record({
  gap: fc.double({ min: -0.04, max: 0.04, noNaN: true }),
  body: fc.double({ min: -0.04, max: 0.04, noNaN: true }),
  up: fc.double({ min: 0, max: 0.03, noNaN: true }),
  down: fc.double({ min: 0, max: 0.03, noNaN: true }),
  volume: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(NaN)),
});

function walk(steps: readonly { gap: number; body: number; up: number; down: number; volume: number }[]): Ohlcv[] {
  let prev = 100;
  return steps.map((s) => {
    const o = prev * (1 + s.gap);
    const c = o * (1 + s.body);
    prev = c;
    return [o, Math.max(o, c) * (1 + s.up), Math.min(o, c) * (1 - s.down), c, s.volume];
  });
}

interface Action {
  kind: 'market' | 'limit' | 'stop' | 'stop_limit' | 'trail' | 'bracket' | 'oco' | 'cancel' | 'replace' | 'close';
  buy: boolean;
  qty: number;
  off: number;
  tif: TimeInForce;
}

const actionArb: fc.Arbitrary<Action | null> = fc.option(
  fc.record({
    kind: fc.constantFrom<Action['kind']>('market', 'limit', 'stop', 'stop_limit', 'trail', 'bracket', 'oco', 'cancel', 'replace', 'close'),
    buy: fc.boolean(),
    qty: fc.integer({ min: 1, max: 60 }),
    off: fc.double({ min: 0.001, max: 0.06, noNaN: true }),
    tif: fc.constantFrom<TimeInForce>('gtc', 'gtc', 'day', 'ioc', 'fok', 'opg', 'cls'),
  }),
  { freq: 2 },
);

const configArb: fc.Arbitrary<BacktestConfig> = fc.record({
  fill: fc.record({
    market: fc.constantFrom('next-open' as const, 'signal-close' as const),
    intrabar: fc.constantFrom('adaptive' as const, 'conservative' as const),
    maxVolumeShare: fc.constantFrom(null, 1, 0.1, 0.02),
  }),
  slippage: fc.constantFrom({ kind: 'none' as const }, { kind: 'fixed-bps' as const, bps: 5 }, { kind: 'volume-share' as const, priceImpact: 0.1 }),
  fees: fc.constantFrom({ kind: 'none' as const }, { kind: 'alpaca' as const }, { kind: 'percent' as const, rate: 0.0005 }),
  marginMultiplier: fc.constantFrom(1, 2),
  initialCash: fc.constantFrom(5_000, 100_000),
});

/** Turns one random action into commands against the symbol, as a strategy would. */
function act(a: Action, ctx: StrategyContext, symbol: string, close: number): void {
  const side = a.buy ? ('buy' as const) : ('sell' as const);
  const away = (dir: number) => roundToTick(close * (1 + dir * a.off));
  const base = { symbol, side, qty: a.qty, timeInForce: a.tif };
  let req: OrderRequest | null = null;
  switch (a.kind) {
    case 'market':
      req = { ...base, type: 'market' };
      break;
    case 'limit':
      req = { ...base, type: 'limit', limitPrice: away(a.buy ? -1 : 1) };
      break;
    case 'stop':
      req = { ...base, type: 'stop', stopPrice: away(a.buy ? 1 : -1) };
      break;
    case 'stop_limit':
      req = { ...base, type: 'stop_limit', stopPrice: away(a.buy ? 1 : -1), limitPrice: away(a.buy ? 1.5 : -1.5) };
      break;
    case 'trail':
      req = { ...base, type: 'trailing_stop', trailPercent: Math.round(a.off * 1000) / 10 };
      break;
    case 'bracket':
      req = {
        ...base,
        type: 'market',
        orderClass: 'bracket',
        takeProfit: { limitPrice: away(a.buy ? 1 : -1) + (a.buy ? 0.01 : -0.01) },
        stopLoss: { stopPrice: away(a.buy ? -1 : 1) + (a.buy ? -0.01 : 0.01) },
      };
      break;
    case 'oco': {
      const q = ctx.portfolio.qty(symbol);
      if (q === 0) return;
      const exitBuy = q < 0;
      req = {
        symbol,
        side: exitBuy ? 'buy' : 'sell',
        qty: Math.abs(q),
        type: 'limit',
        timeInForce: 'gtc',
        orderClass: 'oco',
        takeProfit: { limitPrice: away(exitBuy ? -1 : 1) },
        stopLoss: { stopPrice: away(exitBuy ? 2 : -2) },
      };
      break;
    }
    case 'cancel': {
      const open = ctx.orders.open(symbol);
      if (open.length > 0) ctx.orders.cancel(open[a.qty % open.length].id);
      return;
    }
    case 'replace': {
      const open = ctx.orders.open(symbol).filter((o) => o.type === 'limit');
      if (open.length > 0) ctx.orders.replace(open[0].id, { limitPrice: away(open[0].side === 'buy' ? -1 : 1), qty: open[0].qty + 1 });
      return;
    }
    case 'close':
      ctx.orders.closePosition(symbol);
      return;
  }
  ctx.orders.submit(req);
}

function randomStrategy(actions: readonly (Action | null)[]) {
  return defineStrategy({
    name: 'random',
    params: z.object({}),
    create(ctx) {
      let n = 0;
      return {
        onBar(bar) {
          const a = actions[n++ % actions.length];
          if (a) act(a, ctx, bar.symbol, bar.close);
        },
      };
    },
  });
}

const scenarioArb = fc.record({
  steps: fc.array(barArb, { minLength: 2, maxLength: 40 }),
  intraday: fc.boolean(),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 40 }),
  config: configArb,
});

function barsFor(s: { steps: Parameters<typeof walk>[0]; intraday: boolean }): BarColumns {
  const rows = walk(s.steps);
  if (!s.intraday) return dailyBars(rows);
  const sessions: number[] = [];
  for (let left = rows.length; left > 0; left -= 5) sessions.push(Math.min(5, left));
  return minuteBars(rows, sessions);
}

describe('invariants over random order sequences (fast-check)', () => {
  it('cash, exposure and equity rebuilt from the fills match the reported curve at every step; trade P&L sums to the equity change', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const bars = barsFor(s);
        const out = runBacktest({ strategy: randomStrategy(s.actions), data: { X: bars }, config: s.config });
        if (!out.ok) throw new Error(out.error.message);
        const r = out.result;
        const initial = s.config.initialCash ?? 100_000;
        // Fills carry their bar's close time, which is the step's time: replay them step by step.
        const fills = r.orderEvents.filter((e): e is OrderFill => e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled');
        let cash = initial;
        let qty = 0;
        let next = 0;
        expect(r.equity.ts.length).toBe(bars.ts.length);
        for (let i = 0; i < r.equity.ts.length; i++) {
          for (; next < fills.length && fills[next].tsEvent <= r.equity.ts[i]; next++) {
            const e = fills[next];
            cash -= (e.side === 'buy' ? 1 : -1) * e.lastQty * e.lastPx + e.fee;
            qty += (e.side === 'buy' ? 1 : -1) * e.lastQty;
          }
          const tol = 1e-7 * Math.max(1, Math.abs(cash));
          expect(Math.abs(r.equity.cash[i] - cash)).toBeLessThan(tol);
          expect(Math.abs(r.equity.exposure[i] - Math.abs(qty * bars.close[i]))).toBeLessThan(tol);
          expect(Math.abs(r.equity.equity[i] - (cash + qty * bars.close[i]))).toBeLessThan(tol);
        }
        expect(next).toBe(fills.length);
        const inMarket = r.equity.exposure.filter((x) => x !== 0).length;
        expect(r.metrics.exposure).toBe(inMarket / r.equity.ts.length);
        const last = r.equity.equity.length - 1;
        const tol = 1e-7 * Math.max(1, Math.abs(cash));
        const tradePnl = [...r.trades, ...r.openTrades].reduce((acc, t) => acc + t.pnl, 0);
        expect(Math.abs(tradePnl - (r.equity.equity[last] - initial))).toBeLessThan(tol);
      }),
      { numRuns: 300 },
    );
  });

  it("no fill lies outside its bar's [low, high], and none uses a bar that closed before the order was placed", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const bars = barsFor(s);
        const out = runBacktest({ strategy: randomStrategy(s.actions), data: { X: bars }, config: s.config });
        if (!out.ok) throw new Error(out.error.message);
        const placed = new Map(out.result.orders.map((o) => [o.id, o.tsInit]));
        const signalClose = s.config.fill?.market === 'signal-close';
        for (const e of out.result.orderEvents) {
          if (e.type !== 'OrderFilled' && e.type !== 'OrderPartiallyFilled') continue;
          const i = bars.ts.indexOf(e.tsEvent);
          expect(i).toBeGreaterThanOrEqual(0);
          expect(e.lastPx).toBeGreaterThanOrEqual(bars.low[i]);
          expect(e.lastPx).toBeLessThanOrEqual(bars.high[i]);
          const t = placed.get(e.orderId) as bigint;
          // Only the opt-in signal-close rule may fill at the very bar the order was placed on.
          if (signalClose) expect(e.tsEvent >= t).toBe(true);
          else expect(e.tsEvent > t).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('linked exits never sell more than their entry bought; without a volume cap at most one of them fills', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const bars = barsFor(s);
        const out = runBacktest({ strategy: randomStrategy(s.actions), data: { X: bars }, config: s.config });
        if (!out.ok) throw new Error(out.error.message);
        const orders = out.result.orders;
        // A share of 1 still caps a bar whose volume is smaller than the order (the legs then fill
        // in parts across bars, each reducing the other); unknown volume (NaN) caps nothing.
        const share = s.config.fill?.maxVolumeShare;
        const biggest = Math.max(0, ...orders.map((o) => o.qty));
        const uncapped = share === null || (share === 1 && Array.from(bars.volume).every((v) => !(v >= 0) || v >= biggest));
        for (const parent of orders.filter((o) => o.orderClass === 'bracket' && o.role === 'entry' && o.status !== 'rejected')) {
          const legs = orders.filter((o) => o.parentId === parent.id);
          expect(legs).toHaveLength(2);
          const legFilled = legs.reduce((a, o) => a + o.filledQty, 0);
          expect(legFilled).toBeLessThanOrEqual(parent.filledQty + 1e-9);
          if (uncapped) expect(legs.filter((o) => o.filledQty > 0).length).toBeLessThanOrEqual(1);
          if (parent.filledQty === 0) expect(legFilled).toBe(0);
        }
        for (const tp of orders.filter((o) => o.orderClass === 'oco' && o.role === 'take_profit' && o.status !== 'rejected')) {
          const sl = orders.find((o) => o.parentId === tp.id);
          expect(sl).toBeDefined();
          if (uncapped) expect(tp.filledQty > 0 && (sl?.filledQty ?? 0) > 0).toBe(false);
        }
        // A fill of an exit leg never precedes the last fill of its entry (an entry that ends
        // partially filled, e.g. a day order expiring, releases its exits for the filled part).
        const fillIndex = new Map<string, number>();
        out.result.orderEvents.forEach((e, k) => {
          if (e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled') fillIndex.set(e.orderId, k);
        });
        out.result.orderEvents.forEach((e, k) => {
          if (e.type !== 'OrderFilled' && e.type !== 'OrderPartiallyFilled') return;
          const o = orders.find((x) => x.id === e.orderId);
          if (o?.orderClass === 'bracket' && o.role !== 'entry') expect(k).toBeGreaterThan(fillIndex.get(o.parentId as string) ?? Infinity);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('the same inputs give byte-identical results', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const a = runBacktest({ strategy: randomStrategy(s.actions), data: { X: barsFor(s) }, config: s.config });
        const b = runBacktest({ strategy: randomStrategy(s.actions), data: { X: barsFor(s) }, config: s.config });
        if (!a.ok || !b.ok) throw new Error('run failed');
        expect(serializeBacktestResult(a.result)).toBe(serializeBacktestResult(b.result));
      }),
      { numRuns: 100 },
    );
  });
});

describe('look-ahead is impossible by construction (fast-check)', () => {
  const symbolArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 25 });

  it('no strategy can see a bar before its close time, on any symbol, through history or indicators', () => {
    fc.assert(
      fc.property(fc.array(symbolArb, { minLength: 1, maxLength: 3 }), (gapsPerSymbol) => {
        // Each symbol gets its own irregular calendar: close times advance by 1..5 half-days.
        const data: Record<string, BarColumns> = {};
        gapsPerSymbol.forEach((gaps, k) => {
          let t = 1_700_000_000_000_000_000n;
          const rows: Ohlcv[] = gaps.map((g, i) => [100 + i + k, 101 + i + k, 99 + i + k, 100.5 + i + k]);
          const cols = dailyBars(rows);
          gaps.forEach((g, i) => {
            t += BigInt(g) * (DAY_NS / 2n);
            cols.ts[i] = t;
          });
          data[`S${k}`] = cols;
        });
        let checks = 0;
        const strategy = defineStrategy({
          name: 'peek',
          params: z.object({}),
          create(ctx) {
            const smas = ctx.symbols.map((s) => ctx.indicators.sma(s, 2));
            return {
              onBar(bar) {
                const now = ctx.clock.timestampNs();
                expect(bar.tsEvent).toBe(now);
                ctx.symbols.forEach((s, k) => {
                  const h = ctx.history(s);
                  const cols = data[s];
                  let closed = 0;
                  for (let i = 0; i < cols.ts.length; i++) if (cols.ts[i] <= now) closed++;
                  expect(h.length).toBe(closed);
                  for (let ago = 0; ago < h.length; ago++) expect(h.ts(ago) <= now).toBe(true);
                  expect(h.close(h.length)).toBeNaN();
                  expect(h.close(-1)).toBeNaN();
                  expect(() => h.ts(-1)).toThrow(RangeError);
                  expect(h.closes(1000).length).toBe(closed);
                  if (h.length >= 2) expect(smas[k].value).toBeCloseTo((h.close(0) + h.close(1)) / 2, 12);
                  else expect(smas[k].ready).toBe(false);
                  checks++;
                });
              },
            };
          },
        });
        const out = runBacktest({ strategy, data });
        if (!out.ok) throw new Error(out.error.message);
        const totalBars = gapsPerSymbol.reduce((a, g) => a + g.length, 0);
        expect(checks).toBe(totalBars * gapsPerSymbol.length);
      }),
      { numRuns: 200 },
    );
  });

  it('the history object exposes no way to move its own cursor', () => {
    const out = runBacktest({
      strategy: defineStrategy({
        name: 'snoop',
        params: z.object({}),
        create: (ctx) => ({
          onBar() {
            const h = ctx.history('X') as unknown as Record<string, unknown>;
            expect(Object.keys(h).sort()).toEqual(['symbol']);
            expect(typeof h.advanceTo).toBe('undefined');
          },
        }),
      }),
      data: { X: dailyBars([[1, 2, 0.5, 1.5]]) },
    });
    expect(out.ok).toBe(true);
  });

  it('fills are never reported before the bar they happen in has closed', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const out = runBacktest({ strategy: randomStrategy(s.actions), data: { X: barsFor(s) }, config: s.config });
        if (!out.ok) throw new Error(out.error.message);
        const fills = out.result.orderEvents.filter((e): e is OrderFill => e.type === 'OrderFilled' || e.type === 'OrderPartiallyFilled');
        for (const f of fills) expect(f.tsInit >= f.tsEvent).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
