// The same orders on the same bars, once through `runBacktest` and once through the simulator with
// the official SDK as the client: the fills (price, quantity, time), the orders' final states, the
// cash and the positions must come out identical, because both are decided by the backtest's
// exchange.

import type { streaming } from '@alpacahq/alpaca-trade-api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runBacktest, type BacktestConfig, type BarData } from '../core/backtest';
import type { OrderRequest } from '../core/orders';
import path from 'node:path';
import { readLakeBars } from '../backtest/bars';
import type { BarColumns } from '../core/data/bars';
import { generateSample } from '../core/sample';
import { writeBars } from '../lake/writer';
import { tmpDir } from '../../test/support/tmp';
import { loadLakeReplay } from './lake-source';
import { defineStrategy } from '../core/strategy';
import type { TradeUpdateData } from './broker';
import { startSimulator, type Simulator } from './index';
import type { MatchingConfig } from './matching';
import { ReplaySource, type MarketDataSource, type MinuteBar } from './source';
import { collect, firstEvent, sdkFor } from './test-support';

const MINUTE = 60_000;
/** 2024-01-02 09:30 New York: the first minute of a regular session. */
const OPEN_MS = Date.parse('2024-01-02T14:30:00Z');

type Action = { at: number; symbol: string } & ({ submit: OrderRequest & { clientOrderId: string } } | { cancel: string });

interface Fill {
  key: string;
  kind: 'fill' | 'partial_fill';
  qty: number;
  price: number;
  time: string;
}

interface Outcome {
  fills: Fill[];
  statuses: Record<string, string>;
  cash: number;
  positions: Record<string, number>;
}

const running: Simulator[] = [];
const streams: { disconnect(): void }[] = [];

afterEach(async () => {
  for (const st of streams.splice(0)) st.disconnect();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function minuteBars(rows: readonly (readonly [number, number, number, number, number])[], startMs = OPEN_MS): MinuteBar[] {
  return rows.map(([o, h, l, c, v], i) => ({ t: startMs + i * MINUTE, o, h, l, c, v, n: 10, vw: (o + h + l + c) / 4 }));
}

/** Backtest columns: the backtest stamps a bar with its close time, the simulator with its start. */
function backtestData(series: Record<string, MinuteBar[]>): BarData {
  const out: Record<string, BarData[string]> = {};
  for (const [symbol, bars] of Object.entries(series)) {
    out[symbol] = {
      ts: BigInt64Array.from(bars.map((b) => BigInt(b.t + MINUTE) * 1_000_000n)),
      open: Float64Array.from(bars.map((b) => b.o)),
      high: Float64Array.from(bars.map((b) => b.h)),
      low: Float64Array.from(bars.map((b) => b.l)),
      close: Float64Array.from(bars.map((b) => b.c)),
      volume: Float64Array.from(bars.map((b) => b.v)),
    };
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function viaBacktest(series: Record<string, MinuteBar[]> | BarData, script: readonly Action[], config: BacktestConfig): Outcome {
  const data = Object.values(series).every((v) => Array.isArray(v)) ? backtestData(series as Record<string, MinuteBar[]>) : (series as BarData);
  const strategy = defineStrategy({
    name: 'scripted orders',
    params: z.object({}),
    create: (ctx) => {
      const ids = new Map<string, string>();
      return {
        onBar(bar) {
          const index = ctx.history(bar.symbol).length - 1;
          for (const a of script) {
            if (a.at !== index || a.symbol !== bar.symbol) continue;
            if ('submit' in a) ids.set(a.submit.clientOrderId, ctx.orders.submit(a.submit));
            else ctx.orders.cancel(ids.get(a.cancel) ?? a.cancel);
          }
        },
      };
    },
  });
  const out = runBacktest({ strategy, data, config });
  if (!out.ok) throw new Error(out.error.message);
  const r = out.result;
  const rejected = r.orderEvents.filter((e) => e.type === 'OrderRejected');
  expect(rejected).toEqual([]);
  const fills: Fill[] = [];
  for (const e of r.orderEvents) {
    if (e.type !== 'OrderFilled' && e.type !== 'OrderPartiallyFilled') continue;
    fills.push({ key: e.clientOrderId, kind: e.type === 'OrderFilled' ? 'fill' : 'partial_fill', qty: e.lastQty, price: e.lastPx, time: iso(Number(e.tsEvent / 1_000_000n)) });
  }
  const statuses: Record<string, string> = {};
  for (const o of r.orders) statuses[o.clientOrderId] = o.status;
  const positions: Record<string, number> = {};
  for (const p of r.finalPositions) if (p.qty !== 0) positions[p.symbol] = p.qty;
  return { fills, statuses, cash: r.equity.cash[r.equity.cash.length - 1], positions };
}

function replayOf(series: Record<string, MinuteBar[]>): MarketDataSource {
  return new ReplaySource(Object.entries(series).map(([symbol, bars]) => ({
    info: { symbol, assetClass: 'us_equity' as const, name: symbol, exchange: 'NASDAQ' },
    bars: { t: bars.map((b) => b.t), o: bars.map((b) => b.o), h: bars.map((b) => b.h), l: bars.map((b) => b.l), c: bars.map((b) => b.c), v: bars.map((b) => b.v) },
  })));
}

/** The script, played by the official SDK against a simulator replaying `source` (default: `series`). */
async function viaSimulator(series: Record<string, MinuteBar[]>, script: readonly Action[], backtest: MatchingConfig, source: MarketDataSource = replayOf(series)): Promise<Outcome> {
  const first = Math.min(...Object.values(series).map((b) => b[0].t));
  const s = await startSimulator({ source, start: first, matching: 'backtest', backtest });
  running.push(s);
  expect(s.matching).toBe('backtest');
  // What the broker emitted, synchronously: the stream must deliver exactly this much.
  const emitted: TradeUpdateData[] = [];
  s.broker.onUpdate((u) => emitted.push(u));

  const alpaca = sdkFor(s.url);
  const ts = alpaca.trading.stream({ url: s.urls.tradingStream, reconnect: false });
  streams.push(ts);
  const updates = collect<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb));
  const listening = firstEvent<unknown>((cb) => ts.on('subscription', cb));
  ts.subscribeTradeUpdates();
  ts.connect();
  await ts.whenAuthenticated();
  await listening;

  const ids = new Map<string, string>();
  const last = Math.max(...Object.values(series).map((b) => b.length)) - 1;
  for (let k = 0; k <= last; k++) {
    // The backtest's onBar for bar k runs at its close; the client acts at the same instant.
    s.advanceTo(first + (k + 1) * MINUTE);
    for (const a of script) {
      if (a.at !== k) continue;
      if ('cancel' in a) {
        await alpaca.trading.orders.deleteOrderByOrderID({ orderId: ids.get(a.cancel) as string });
        continue;
      }
      const r = a.submit;
      const order = await alpaca.trading.orders.submit({
        symbol: r.symbol, side: r.side, type: r.type, qty: r.qty, timeInForce: r.timeInForce ?? 'gtc',
        limitPrice: r.limitPrice, stopPrice: r.stopPrice, trailPrice: r.trailPrice, trailPercent: r.trailPercent,
        orderClass: r.orderClass, takeProfit: r.takeProfit, stopLoss: r.stopLoss, clientOrderId: r.clientOrderId,
      });
      ids.set(r.clientOrderId, order.id as string);
    }
  }
  if (updates.length < emitted.length) {
    await firstEvent<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb), () => updates.length >= emitted.length);
  }
  expect(updates.length).toBe(emitted.length);

  // Legs carry no client id of their own choosing; name them as the backtest does.
  const keyOf = new Map<string, string>();
  const statuses: Record<string, string> = {};
  for (const o of await alpaca.trading.orders.getAllOrders({ status: 'all', nested: true, limit: 500 })) {
    keyOf.set(o.id as string, o.clientOrderId as string);
    statuses[o.clientOrderId as string] = o.status as string;
    for (const leg of o.legs ?? []) {
      const key = `${o.clientOrderId}-${leg.type === 'limit' ? 'tp' : 'sl'}`;
      keyOf.set(leg.id as string, key);
      statuses[key] = leg.status as string;
    }
  }
  const fills: Fill[] = updates
    .filter((u) => u.event === 'fill' || u.event === 'partial_fill')
    .map((u) => ({
      key: keyOf.get(u.order.id as string) ?? `?${u.order.id}`,
      kind: u.event as Fill['kind'],
      qty: Number(u.qty),
      price: Number(u.price),
      time: (u.timestamp as Date).toISOString(),
    }));
  const account = await alpaca.trading.account.getAccount();
  const positions: Record<string, number> = {};
  for (const p of await alpaca.trading.positions.getAllOpenPositions()) positions[p.symbol as string] = Number(p.qty);
  return { fills, statuses, cash: Number(account.cash), positions };
}

/** Alpaca's order states for the backtest's terminal ones. */
const ALPACA_STATUS: Record<string, string> = { filled: 'filled', canceled: 'canceled', expired: 'expired', accepted: 'new', partially_filled: 'partially_filled', held: 'held', triggered: 'new' };

function expectSameOutcome(sim: Outcome, bt: Outcome): void {
  expect(sim.fills).toEqual(bt.fills);
  expect(sim.statuses).toEqual(Object.fromEntries(Object.entries(bt.statuses).map(([k, v]) => [k, ALPACA_STATUS[v] ?? v])));
  expect(sim.cash).toBeCloseTo(bt.cash, 6);
  expect(sim.positions).toEqual(bt.positions);
}

describe('the simulator fills orders as the backtest of the same bars does', () => {
  it('partial fills under a volume cap, a bracket closed by its target, a trailing stop, a gapped stop and an OCO', async () => {
    const bars = minuteBars([
      [100.0, 100.2, 99.9, 100.1, 2000], //   0: market buy 400 submitted at its close
      [100.1, 100.3, 100.0, 100.2, 1000], //  1: a quarter of 1000 shares: 250 fill at the open
      [100.25, 100.6, 100.15, 100.5, 2000], // 2: the other 150 at the open; bracket + stop submitted
      [100.45, 100.5, 100.3, 100.4, 2000], // 3: the bracket's limit entry fills on the way down; trailing stop submitted
      [100.4, 101.1, 100.35, 101.0, 2000], // 4: low first, then the take-profit at 101.00 (stop-loss canceled)
      [100.9, 100.95, 100.7, 100.75, 2000], // 5: the trailing stop (high 101.10 − 0.30) fills at 100.80; OCO submitted
      [99.0, 99.2, 98.8, 99.1, 400], //       6: gap down: the stop fills at the open, using the bar's 100-share cap
      [99.3, 99.5, 99.2, 99.4, 2000], //      7: the OCO's stop-loss, triggered but starved last bar, fills at this open
      [99.4, 99.6, 99.3, 99.5, 2000], //      8: the resting limit is canceled; market sell submitted
      [99.55, 99.7, 99.5, 99.6, 2000], //     9: it fills at the open
      [99.6, 99.65, 99.55, 99.6, 2000],
    ]);
    const S = 'SPY';
    const script: Action[] = [
      { at: 0, symbol: S, submit: { clientOrderId: 'entry', symbol: S, side: 'buy', type: 'market', qty: 400, timeInForce: 'gtc' } },
      { at: 2, symbol: S, submit: { clientOrderId: 'bracket', symbol: S, side: 'buy', type: 'limit', qty: 100, limitPrice: 100.4, timeInForce: 'gtc', orderClass: 'bracket', takeProfit: { limitPrice: 101 }, stopLoss: { stopPrice: 99.8 } } },
      { at: 2, symbol: S, submit: { clientOrderId: 'stop', symbol: S, side: 'sell', type: 'stop', qty: 100, stopPrice: 99.5, timeInForce: 'gtc' } },
      { at: 3, symbol: S, submit: { clientOrderId: 'trail', symbol: S, side: 'sell', type: 'trailing_stop', qty: 100, trailPrice: 0.3, timeInForce: 'gtc' } },
      { at: 4, symbol: S, submit: { clientOrderId: 'never', symbol: S, side: 'buy', type: 'limit', qty: 50, limitPrice: 95, timeInForce: 'gtc' } },
      { at: 5, symbol: S, submit: { clientOrderId: 'oco', symbol: S, side: 'sell', type: 'limit', qty: 100, timeInForce: 'gtc', orderClass: 'oco', takeProfit: { limitPrice: 102 }, stopLoss: { stopPrice: 99.6 } } },
      { at: 8, symbol: S, cancel: 'never' },
      { at: 8, symbol: S, submit: { clientOrderId: 'flatten', symbol: S, side: 'sell', type: 'market', qty: 100, timeInForce: 'gtc' } },
    ];
    const rules: MatchingConfig = { fill: { maxVolumeShare: 0.25 } };
    const bt = viaBacktest({ [S]: bars }, script, rules);
    const at = (k: number): string => iso(OPEN_MS + (k + 1) * MINUTE);
    // The story, as the backtest tells it.
    expect(bt.fills).toEqual([
      { key: 'entry', kind: 'partial_fill', qty: 250, price: 100.1, time: at(1) },
      { key: 'entry', kind: 'fill', qty: 150, price: 100.25, time: at(2) },
      { key: 'bracket', kind: 'fill', qty: 100, price: 100.4, time: at(3) },
      { key: 'bracket-tp', kind: 'fill', qty: 100, price: 101, time: at(4) },
      { key: 'trail', kind: 'fill', qty: 100, price: 100.8, time: at(5) },
      { key: 'stop', kind: 'fill', qty: 100, price: 99, time: at(6) },
      { key: 'oco-sl', kind: 'fill', qty: 100, price: 99.3, time: at(7) },
      { key: 'flatten', kind: 'fill', qty: 100, price: 99.55, time: at(9) },
    ]);
    expect(bt.statuses).toMatchObject({ 'bracket-sl': 'canceled', oco: 'canceled', never: 'canceled' });

    const sim = await viaSimulator({ [S]: bars }, script, rules);
    expectSameOutcome(sim, bt);
  });

  it('a day of the sample market, two symbols, brackets and stop-limits every few minutes', async () => {
    // The shipped sample generator: realistic ticks, gaps and volume profiles, not hand-made bars.
    const sample = generateSample({ from: '2024-01-03', to: '2024-01-03', seed: 7, symbols: 2, timeframe: '1Min' });
    const series = seriesOf(sample.bars);
    const script = sampleScript(series);
    const rules: MatchingConfig = { fill: { maxVolumeShare: 0.002 } };
    const bt = viaBacktest(series, script, rules);
    expect(bt.fills.length).toBeGreaterThan(20);
    expect(bt.fills.some((f) => f.kind === 'partial_fill')).toBe(true);

    const sim = await viaSimulator(series, script, rules);
    expectSameOutcome(sim, bt);
  }, 30_000);

  it('a paper session on the workspace lake fills as `studio backtest` over the same lake period does', async () => {
    // Both sides read the lake with their own production readers: the simulator the replay that
    // `studio sim --workspace` loads, the backtest the bars `studio backtest` runs on.
    const lakeDir = path.join(tmpDir('sim-lake-'), 'lake');
    const sample = generateSample({ from: '2024-03-05', to: '2024-03-05', seed: 11, symbols: 2, timeframe: '1Min', corporateActions: 'none' });
    await writeBars(lakeDir, sample.bars, 'test');
    const replay = await loadLakeReplay(lakeDir);
    expect(replay?.bars).toBe(780);
    const symbols = sample.bars.map((b) => b.symbol).sort();
    const lakeData = await readLakeBars(lakeDir, { symbols, timeframe: '1Min', adjustment: 'raw' });
    const series = seriesOf(sample.bars);
    const script = sampleScript(series);
    const rules: MatchingConfig = { fill: { maxVolumeShare: 0.002 }, fees: { kind: 'alpaca' } };
    const bt = viaBacktest(lakeData, script, rules);
    expect(bt.fills.length).toBeGreaterThan(20);
    const sim = await viaSimulator(series, script, rules, replay?.source);
    expectSameOutcome(sim, bt);
  }, 30_000);
});

function seriesOf(blocks: readonly BarColumns[]): Record<string, MinuteBar[]> {
  const series: Record<string, MinuteBar[]> = {};
  for (const b of blocks) {
    series[b.symbol] = Array.from(b.ts, (t, i) => ({
      t: Number(t / 1_000_000n), o: b.open[i], h: b.high[i], l: b.low[i], c: b.close[i], v: b.volume[i], n: 1, vw: b.vwap[i],
    }));
  }
  return series;
}

/** A market bracket and a stop-limit per symbol every 37 minutes, priced off the bar's close. */
function sampleScript(series: Record<string, MinuteBar[]>): Action[] {
  const symbols = Object.keys(series).sort();
  const round = (x: number): number => Math.round(x * 100) / 100;
  const script: Action[] = [];
  for (const [j, S] of symbols.entries()) {
    const bars = series[S];
    for (let k = 5 + j; k < bars.length - 30; k += 37) {
      const c = bars[k].c;
      const n = script.length;
      script.push({ at: k, symbol: S, submit: {
        clientOrderId: `br${n}`, symbol: S, side: 'buy', type: 'market', qty: 20, timeInForce: 'day', orderClass: 'bracket',
        takeProfit: { limitPrice: round(c * 1.002) }, stopLoss: { stopPrice: round(c * 0.998) },
      } });
      script.push({ at: k + 3, symbol: S, submit: {
        clientOrderId: `sl${n}`, symbol: S, side: 'buy', type: 'stop_limit', qty: 10, stopPrice: round(c * 1.001), limitPrice: round(c * 1.003), timeInForce: 'day',
      } });
    }
  }
  return script.sort((a, b) => a.at - b.at || a.symbol.localeCompare(b.symbol));
}
