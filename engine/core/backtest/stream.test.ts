import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStrategy } from '../strategy/define';
import type { BacktestConfig } from './config';
import type { BarColumns, BarData } from './data';
import { type BacktestResult, type StreamOptions, runBacktest, runBacktestStream } from './runner';
import { type Ohlcv, minuteBars } from './testing';

const DAY_NS = 86_400_000_000_000n;
const SESSION_OFFSET_NS = -5n * 3_600_000_000_000n;

function rows(n: number, seed: number): Ohlcv[] {
  let s = seed;
  let px = 30 + seed;
  const out: Ohlcv[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const o = px;
    px = Math.max(1, Math.round(px * (1 + (s / 2 ** 32 - 0.5) * 0.02) * 100) / 100);
    out.push([o, Math.max(o, px) + 0.05, Math.min(o, px) - 0.05, px, 500 + (s % 700)]);
  }
  return out;
}

/** Sessions of `perDay` one-minute bars on consecutive days. */
function sessions(days: number, perDay: number, seed: number): BarColumns {
  return minuteBars(rows(days * perDay, seed), Array.from({ length: days }, () => perDay));
}

function slice(c: BarColumns, a: number, b: number): BarColumns {
  return { ts: c.ts.slice(a, b), open: c.open.slice(a, b), high: c.high.slice(a, b), low: c.low.slice(a, b), close: c.close.slice(a, b), volume: c.volume.slice(a, b) };
}

/** The bars cut into windows of `days` session days each, as the lake reader would hand them over. */
function* chunksOf(data: BarData, days: number): Generator<BarData> {
  const dayOf = (t: bigint) => (t + SESSION_OFFSET_NS) / DAY_NS;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of Object.values(data)) {
    lo = Math.min(lo, Number(dayOf(c.ts[0])));
    hi = Math.max(hi, Number(dayOf(c.ts[c.ts.length - 1])));
  }
  for (let d = lo; d <= hi; d += days) {
    const chunk: Record<string, BarColumns> = {};
    for (const [sym, c] of Object.entries(data)) {
      let a = 0;
      while (a < c.ts.length && Number(dayOf(c.ts[a])) < d) a++;
      let b = a;
      while (b < c.ts.length && Number(dayOf(c.ts[b])) < d + days) b++;
      if (b > a) chunk[sym] = slice(c, a, b);
    }
    yield chunk;
  }
}

/** Random orders of every kind, reading history and indicators, so a streamed run has much to get wrong. */
const busy = defineStrategy({
  name: 'busy',
  params: z.object({ seed: z.number().default(1), reach: z.number().default(20) }),
  create(ctx, p) {
    let s = p.seed;
    const r = () => (s = (Math.imul(s, 22695477) + 1) >>> 0) / 2 ** 32;
    const smas = new Map(ctx.symbols.map((sym) => [sym, ctx.indicators.sma(sym, 15)]));
    return {
      onBar(bar) {
        const h = ctx.history(bar.symbol);
        // A look back as far as `reach` bars: the streamed run must still have them.
        const back = h.length > p.reach ? h.close(p.reach) : bar.close;
        const sma = smas.get(bar.symbol)?.value ?? NaN;
        const x = r();
        const side = bar.close > back || bar.close > sma ? ('buy' as const) : ('sell' as const);
        if (x < 0.06) ctx.orders.submit({ symbol: bar.symbol, side, qty: 1 + Math.floor(r() * 30), type: 'market' });
        else if (x < 0.1) ctx.orders.submit({ symbol: bar.symbol, side, qty: 1 + Math.floor(r() * 30), type: 'limit', limitPrice: Math.round(bar.close * (0.99 + r() * 0.02) * 100) / 100, timeInForce: (['day', 'gtc', 'opg', 'cls'] as const)[Math.floor(r() * 4)] });
        else if (x < 0.12 && ctx.portfolio.qty(bar.symbol) === 0)
          ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: 10, type: 'market', orderClass: 'bracket', takeProfit: { limitPrice: Math.round(bar.close * 102) / 100 }, stopLoss: { stopPrice: Math.round(bar.close * 98) / 100 } });
        else if (x < 0.14) ctx.orders.closePosition(bar.symbol);
      },
    };
  },
});

function snapshot(r: BacktestResult) {
  return JSON.stringify({ trades: r.trades, open: r.openTrades, orders: r.orders, events: r.orderEvents, fills: r.fills, positions: r.finalPositions, fees: r.fees, borrow: r.borrowCost, bars: r.bars }, (_, v) => (typeof v === 'bigint' ? String(v) : v));
}

function closeTo(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

async function both(data: BarData, config: BacktestConfig, days: number, stream: StreamOptions = {}, params = { seed: 3, reach: 20 }) {
  const whole = runBacktest({ strategy: busy, data, params, config });
  const rowsSeen = { ts: [] as bigint[], equity: [] as number[], cash: [] as number[], exposure: [] as number[] };
  const streamed = await runBacktestStream({
    strategy: busy,
    symbols: Object.keys(data),
    chunks: chunksOf(data, days),
    params,
    config,
    stream: {
      ...stream,
      onRows: (r) => {
        expect(r.firstStep).toBe(rowsSeen.ts.length);
        rowsSeen.ts.push(...r.ts);
        rowsSeen.equity.push(...r.equity);
        rowsSeen.cash.push(...r.cash);
        rowsSeen.exposure.push(...r.exposure);
      },
    },
  });
  return { whole, streamed, rowsSeen };
}

describe('runs streamed in chunks (runBacktestStream)', () => {
  const data = { AAA: sessions(40, 30, 1), BBB: sessions(35, 30, 2), CCC: sessions(28, 30, 3) };
  // BBB starts five days late and closes its bars 20 s after the minute, so steps interleave; CCC
  // ends twelve days early, so windows move on without it.
  data.BBB = { ...data.BBB, ts: data.BBB.ts.map((t) => t + 5n * DAY_NS + 20_000_000_000n) };

  it('give the orders, fills, trades, curve and metrics of a run over all the bars', async () => {
    for (const config of [{ initialCash: 20_000 }, { initialCash: 20_000, fill: { market: 'signal-close' as const, maxVolumeShare: 0.05 }, borrowRateAnnual: 0.05 }]) {
      for (const days of [1, 3, 7]) {
        const { whole, streamed, rowsSeen } = await both(data, config, days, { lookback: 64 });
        if (!whole.ok || !streamed.ok) throw new Error(`${!whole.ok ? whole.error.message : ''} ${!streamed.ok ? streamed.error.message : ''}`);
        expect(whole.result.fills).toBeGreaterThan(100);
        expect(snapshot(streamed.result)).toBe(snapshot(whole.result));
        // Every step's row, bit for bit.
        expect(rowsSeen.ts).toEqual([...whole.result.equity.ts]);
        expect(rowsSeen.equity).toEqual([...whole.result.equity.equity]);
        expect(rowsSeen.cash).toEqual([...whole.result.equity.cash]);
        expect(rowsSeen.exposure).toEqual([...whole.result.equity.exposure]);
        for (const [k, v] of Object.entries(whole.result.metrics)) expect(closeTo(streamed.result.metrics[k as 'sharpe'], v), `${k}: ${streamed.result.metrics[k as 'sharpe']} vs ${v}`).toBe(true);
        expect(streamed.result.benchmark.totalReturn).toBe(whole.result.benchmark.totalReturn);
      }
    }
  });

  it('keep a thinned curve of at most curvePoints steps, ending on the last one', async () => {
    const { whole, streamed } = await both(data, { initialCash: 20_000 }, 4, { curvePoints: 100 });
    if (!whole.ok || !streamed.ok) throw new Error('run failed');
    const eq = streamed.result.equity;
    expect(eq.ts.length).toBeLessThanOrEqual(100);
    expect(eq.ts.length).toBeGreaterThan(25);
    const at = new Map([...whole.result.equity.ts].map((t, i) => [t, i]));
    for (let k = 0; k < eq.ts.length; k++) {
      const i = at.get(eq.ts[k]) as number;
      expect(eq.equity[k]).toBe(whole.result.equity.equity[i]);
      expect(eq.exposure[k]).toBe(whole.result.equity.exposure[i]);
    }
    expect(eq.ts[eq.ts.length - 1]).toBe(whole.result.equity.ts[whole.result.equity.ts.length - 1]);
  });

  it('refuse a history read beyond the lookback window with an error that says so', async () => {
    const { streamed } = await both(data, { initialCash: 20_000 }, 2, { lookback: 10 }, { seed: 3, reach: 40 });
    expect(streamed.ok).toBe(false);
    if (streamed.ok) return;
    expect(streamed.error.kind).toBe('strategy');
    expect(streamed.error.message).toMatch(/outside this streamed run's history window of \d+ bars \(raise the stream's lookback\)/);
  });

  it('reject chunks that go back in time, split a session day, or name an unknown symbol', async () => {
    const a = data.AAA;
    const run = (chunks: BarData[]) => runBacktestStream({ strategy: busy, symbols: ['AAA'], chunks, config: {} });
    const back = await run([{ AAA: slice(a, 60, 90) }, { AAA: slice(a, 0, 30) }]);
    expect(back.ok).toBe(false);
    if (!back.ok) expect(back.error.message).toMatch(/AAA: the chunk starts at \d+, not after the previous chunk's last bar/);
    const split = await run([{ AAA: slice(a, 0, 10) }, { AAA: slice(a, 10, 30) }]);
    expect(split.ok).toBe(false);
    if (!split.ok) expect(split.error.message).toMatch(/splits a session day/);
    const stranger = await run([{ AAA: slice(a, 0, 30) }, { ZZZ: slice(a, 30, 60) }]);
    expect(stranger.ok).toBe(false);
    if (!stranger.ok) expect(stranger.error.message).toMatch(/chunk 1: symbol 'ZZZ' is not one of the run's symbols/);
    const bad = slice(a, 30, 60);
    bad.high[3] = bad.low[3] - 1;
    const badBar = await run([{ AAA: slice(a, 0, 30) }, { AAA: bad }]);
    expect(badBar.ok).toBe(false);
    if (!badBar.ok) expect(badBar.error.message).toMatch(/^data: chunk 1: .*AAA/);
  });

  it("with keep: 'figures', give the same fills, curve and figures while keeping no finished order or trade", async () => {
    const config = { initialCash: 20_000, fill: { maxVolumeShare: 0.05 } };
    const kept = await both(data, config, 3, { lookback: 64 });
    const lean = await both(data, config, 3, { lookback: 64, keep: 'figures' });
    if (!kept.streamed.ok || !lean.streamed.ok) throw new Error('run failed');
    const a = kept.streamed.result;
    const b = lean.streamed.result;
    expect(a.orders.length).toBeGreaterThan(100);
    expect(a.orders.some((o) => o.orderClass === 'bracket')).toBe(true);
    expect(b.fills).toBe(a.fills);
    expect(b.finalPositions).toEqual(a.finalPositions);
    expect(b.metrics).toEqual(a.metrics);
    expect(lean.rowsSeen).toEqual(kept.rowsSeen);
    expect(b.openTrades).toEqual(a.openTrades);
    expect(b.trades).toEqual([]);
    expect(b.orders).toEqual([]);
    expect(b.orderEvents).toEqual([]);
  });

  it("with keep: 'figures', forget a finished order: get gives undefined, cancel is refused with a reason", async () => {
    const seen: unknown[] = [];
    const probe = defineStrategy({
      name: 'probe',
      params: z.object({}),
      create(ctx) {
        let first: string | null = null;
        let n = 0;
        return {
          onBar(bar) {
            n++;
            if (n === 1) first = ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: 1, type: 'market' });
            if (n === 5 && first !== null) seen.push(ctx.orders.get(first), ctx.orders.cancel(first));
          },
          onOrderEvent(e) {
            if (e.type === 'OrderCancelRejected') seen.push(e.reason);
          },
        };
      },
    });
    const out = await runBacktestStream({ strategy: probe, symbols: ['AAA'], chunks: chunksOf({ AAA: data.AAA }, 2), config: {}, stream: { keep: 'figures' } });
    if (!out.ok) throw new Error(out.error.message);
    expect(seen).toEqual([undefined, false, 'order is finished (finished orders are not kept in this run)']);
  });

  it('take chunks from an async source', async () => {
    async function* slow(): AsyncGenerator<BarData> {
      for (const c of chunksOf({ AAA: data.AAA }, 5)) yield await Promise.resolve(c);
    }
    const streamed = await runBacktestStream({ strategy: busy, symbols: ['AAA'], chunks: slow(), config: { initialCash: 20_000 } });
    const whole = runBacktest({ strategy: busy, data: { AAA: data.AAA }, config: { initialCash: 20_000 } });
    if (!streamed.ok || !whole.ok) throw new Error('run failed');
    expect(snapshot(streamed.result)).toBe(snapshot(whole.result));
  });
});
