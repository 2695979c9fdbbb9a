import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OrderFill } from '../events';
import type { OrderRequest, TimeInForce } from '../orders/types';
import { roundToTick } from '../orders/validate';
import { defineStrategy } from '../strategy/define';
import type { StrategyContext } from '../strategy/types';
import type { BacktestConfig } from './config';
import { runBacktest } from './runner';
import { serializeBacktestResult } from './serialize';
import { FIRST_MINUTE_CLOSE_NS } from './testing';
import { type QuoteColumns, type TickData, type TradeColumns, quoteColumns, tradeColumns } from './ticks';

const MS = 1_000_000n;

interface TickStep {
  /** ms after the previous tick (0: the same timestamp). */
  dt: number;
  move: number;
  halfSpread: number;
  isQuote: boolean;
  size: number;
}

const stepArb: fc.Arbitrary<TickStep> = fc.record({
  dt: fc.constantFrom(0, 1, 2, 5, 20),
  move: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
  halfSpread: fc.double({ min: 0, max: 0.002, noNaN: true }),
  isQuote: fc.boolean(),
  size: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(NaN)),
});

/** Ticks of one symbol: a random walk printed as trades and/or quotes (which ones: `kinds`). */
function symbolTicks(steps: readonly TickStep[], kinds: 'trades' | 'quotes' | 'both'): { trades?: TradeColumns; quotes?: QuoteColumns } {
  let p = 100;
  let ms = 0;
  const t: { ts: bigint; price: number; size: number }[] = [];
  const q: { ts: bigint; bid: number; ask: number; bidSize: number; askSize: number }[] = [];
  for (const s of steps) {
    ms += s.dt;
    p *= 1 + s.move;
    const ts = FIRST_MINUTE_CLOSE_NS + BigInt(ms) * MS;
    const quote = kinds === 'quotes' || (kinds === 'both' && s.isQuote);
    const price = roundToTick(p);
    if (quote) q.push({ ts, bid: roundToTick(p * (1 - s.halfSpread)), ask: roundToTick(p * (1 + s.halfSpread)), bidSize: s.size, askSize: s.size });
    else t.push({ ts, price, size: s.size });
  }
  return { trades: t.length > 0 ? tradeColumns(t) : undefined, quotes: q.length > 0 ? quoteColumns(q) : undefined };
}

interface Action {
  kind: 'market' | 'limit' | 'stop' | 'stop_limit' | 'trail' | 'bracket' | 'oco' | 'cancel' | 'close';
  sym: number;
  buy: boolean;
  qty: number;
  off: number;
  tif: TimeInForce;
}

const actionArb: fc.Arbitrary<Action | null> = fc.option(
  fc.record({
    kind: fc.constantFrom<Action['kind']>('market', 'limit', 'stop', 'stop_limit', 'trail', 'bracket', 'oco', 'cancel', 'close'),
    sym: fc.integer({ min: 0, max: 1 }),
    buy: fc.boolean(),
    qty: fc.integer({ min: 1, max: 300 }),
    off: fc.double({ min: 0.0005, max: 0.01, noNaN: true }),
    tif: fc.constantFrom<TimeInForce>('gtc', 'gtc', 'day', 'ioc', 'fok'),
  }),
  { freq: 2 },
);

function act(ctx: StrategyContext, a: Action, symbol: string, ref: number): void {
  const side = a.buy ? 'buy' : 'sell';
  const away = (sign: number) => roundToTick(ref * (1 + sign * a.off));
  const base = { symbol, side, qty: a.qty, timeInForce: a.tif } as const;
  let req: OrderRequest;
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
      req = { ...base, type: 'stop_limit', stopPrice: away(a.buy ? 1 : -1), limitPrice: away(a.buy ? 2 : -2) };
      break;
    case 'trail':
      req = { ...base, type: 'trailing_stop', trailPercent: a.off * 100 };
      break;
    case 'bracket':
      req = { ...base, type: 'market', timeInForce: 'gtc', orderClass: 'bracket', takeProfit: { limitPrice: away(a.buy ? 1 : -1) }, stopLoss: { stopPrice: away(a.buy ? -1 : 1) } };
      break;
    case 'oco':
      req = { ...base, type: 'limit', timeInForce: 'gtc', orderClass: 'oco', limitPrice: away(a.buy ? -1 : 1), stopLoss: { stopPrice: away(a.buy ? 1 : -1) } };
      break;
    case 'cancel': {
      const open = ctx.orders.open(symbol);
      if (open.length > 0) ctx.orders.cancel(open[a.qty % open.length].id);
      return;
    }
    case 'close':
      ctx.orders.closePosition(symbol);
      return;
  }
  ctx.orders.submit(req);
}

function actor(actions: readonly (Action | null)[], symbols: readonly string[]) {
  return defineStrategy({
    name: 'tick-actor',
    params: z.object({}),
    create(ctx) {
      let n = 0;
      const step = (ref: number) => {
        const a = actions[n++ % actions.length];
        if (a !== null) act(ctx, a, symbols[a.sym % symbols.length], ref);
      };
      return {
        onTrade: (t) => step(t.price),
        onQuote: (q) => step((q.bidPrice + q.askPrice) / 2),
      };
    },
  });
}

const kindsArb = fc.constantFrom<'trades' | 'quotes' | 'both'>('trades', 'quotes', 'both');

describe('tick fills (property)', () => {
  it('no tick fill lies outside what was printable, none precedes its order\'s arrival, cash + positions reconcile, and reruns are identical', () => {
    let filled = 0;
    let limitFills = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 5, maxLength: 60 }),
        fc.array(stepArb, { minLength: 5, maxLength: 60 }),
        kindsArb,
        kindsArb,
        fc.array(actionArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 1, 7),
        fc.boolean(),
        (stepsA, stepsB, kindsA, kindsB, actions, latencyMs, halfSpread) => {
          const ticks: TickData = { A: symbolTicks(stepsA, kindsA), B: symbolTicks(stepsB, kindsB) };
          const quotedAll = ticks.A.quotes !== undefined && ticks.B.quotes !== undefined;
          const config: BacktestConfig = { latencyMs, slippage: halfSpread && quotedAll ? { kind: 'half-spread' } : { kind: 'none' }, fees: { kind: 'alpaca' } };
          const go = () => runBacktest({ strategy: actor(actions, ['A', 'B']), data: {}, ticks, config });
          const out = go();
          if (!out.ok) throw new Error(out.error.message);
          const r = out.result;
          const orders = new Map(r.orders.map((o) => [o.id, o]));
          const latencyNs = BigInt(latencyMs) * MS;
          for (const e of r.orderEvents) {
            if (e.type !== 'OrderFilled' && e.type !== 'OrderPartiallyFilled') continue;
            const f = e as OrderFill;
            const sym = ticks[f.symbol];
            const atTs: number[] = [];
            let lo = Infinity;
            let hi = -Infinity;
            const seen = (ts: bigint, ...px: number[]) => {
              if (ts > f.tsEvent) return;
              for (const p of px) {
                lo = Math.min(lo, p);
                hi = Math.max(hi, p);
                if (ts === f.tsEvent) atTs.push(p);
              }
            };
            sym.trades?.ts.forEach((ts, i) => seen(ts, sym.trades!.price[i]));
            sym.quotes?.ts.forEach((ts, i) => seen(ts, sym.quotes!.bid[i], sym.quotes!.ask[i]));
            const printed0 = (px: number) => atTs.some((p) => Math.abs(p - px) <= 1e-9 * p);
            const o = orders.get(f.orderId)!;
            const limitLike = o.type === 'limit' || o.type === 'stop_limit';
            filled++;
            if (limitLike && !printed0(f.lastPx)) limitFills++;
            // At a price printed or quoted at that moment, or (a resting limit) at its limit,
            // which then lies between prices that did print.
            const printed = printed0(f.lastPx);
            expect(printed || (limitLike && f.lastPx === o.limitPrice)).toBe(true);
            expect(f.lastPx).toBeGreaterThanOrEqual(lo - 1e-9);
            expect(f.lastPx).toBeLessThanOrEqual(hi + 1e-9);
            if (limitLike) expect(f.side === 'buy' ? f.lastPx <= o.limitPrice! : f.lastPx >= o.limitPrice!).toBe(true);
            expect(f.tsEvent >= o.tsInit + latencyNs).toBe(true);
          }
          const last = r.equity.equity.length - 1;
          if (last >= 0) {
            let value = r.equity.cash[last];
            for (const p of r.finalPositions) value += p.marketValue;
            expect(value).toBeCloseTo(r.equity.equity[last], 6);
          }
          const again = go();
          if (!again.ok) throw new Error(again.error.message);
          expect(serializeBacktestResult(again.result)).toBe(serializeBacktestResult(r));
        },
      ),
      { numRuns: 150 },
    );
    // The runs must exercise what they check: many fills, some of them resting limits at their limit.
    expect(filled).toBeGreaterThan(200);
    expect(limitFills).toBeGreaterThan(0);
  });
});
