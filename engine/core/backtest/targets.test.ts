import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStrategy } from '../strategy/define';
import { smaCross, zscoreReversion } from '../strategy/examples/index';
import type { StrategyDefinition } from '../strategy/types';
import type { BacktestConfig } from './config';
import type { BarColumns } from './data';
import { runBacktest } from './runner';
import { SeriesMemo, runTargets, targetsUnsupported } from './targets';
import { randomWalkBars } from './testing';
import { loadDailyCsv } from '../../../test/support/daily';

const orcl = loadDailyCsv('orcl-1995-2014.txt').cols;
const nvda = loadDailyCsv('nvda-1999-2014.txt').cols;
const minutes = randomWalkBars(20_000, 5, 0.01, 0.002);

/** sma-cross on every symbol of the run, in both forms: the array form returns a column per symbol. */
const smaCrossEach = defineStrategy({
  name: 'sma-cross-each',
  params: z.object({ fast: z.number().int().default(10), slow: z.number().int().default(30), size: z.number().default(10) }),
  create(ctx, p) {
    const state = new Map(ctx.symbols.map((symbol) => [symbol, { fast: ctx.indicators.sma(symbol, p.fast), slow: ctx.indicators.sma(symbol, p.slow), was: -1 }]));
    return {
      onBar(bar) {
        const s = state.get(bar.symbol);
        if (s === undefined || !s.fast.ready || !s.slow.ready) return;
        const above = s.fast.value > s.slow.value ? 1 : 0;
        if (s.was >= 0 && above !== s.was) {
          const held = ctx.portfolio.qty(bar.symbol);
          if (above === 1 && held === 0) ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: p.size, type: 'market' });
          else if (above === 0 && held > 0) ctx.orders.closePosition(bar.symbol);
        }
        s.was = above;
      },
    };
  },
  targets(p, bars) {
    const out: Record<string, Float64Array> = {};
    for (const symbol of bars.symbols) out[symbol] = (smaCross.targets as (q: typeof p, b: typeof bars) => Float64Array)(p, bars.of(symbol));
    return out;
  },
});

/** zscore-reversion on every symbol, shorts allowed or not. */
const zscoreEach = defineStrategy({
  name: 'zscore-each',
  params: zscoreReversion.params,
  create(ctx, p) {
    const each = ctx.symbols.map((symbol) => zscoreReversion.create({ ...ctx, symbols: [symbol] }, p));
    const index = new Map(ctx.symbols.map((s, k) => [s, k]));
    return { onBar: (bar) => each[index.get(bar.symbol) as number].onBar?.(bar) };
  },
  targets(p, bars) {
    const out: Record<string, Float64Array> = {};
    for (const symbol of bars.symbols) out[symbol] = (zscoreReversion.targets as (q: typeof p, b: typeof bars) => Float64Array)(p, bars.of(symbol));
    return out;
  },
});

/** Every figure of the event-driven run, or the reason the array form could not run it. */
function both(strategy: StrategyDefinition, cols: BarColumns, params: Record<string, unknown>, config: BacktestConfig) {
  const events = runBacktest({ strategy, data: { X: cols }, params, config: { ...config, keepOrderLog: false } });
  if (!events.ok) throw new Error(events.error.message);
  const targets = runTargets({ strategy, data: { X: cols }, params, config });
  return { events: events.result.metrics, targets };
}

const configs: Record<string, BacktestConfig> = {
  default: {},
  'signal-close, per-share fees': { fill: { market: 'signal-close' }, fees: { kind: 'per-share', perShare: 0.005, minPerFill: 1 } },
  'alpaca fees, 5 bps slippage': { fees: { kind: 'alpaca' }, slippage: { kind: 'fixed-bps', bps: 5 } },
  'percent fees, volume-share slippage, no cap': { fees: { kind: 'percent', rate: 0.001 }, slippage: { kind: 'volume-share', priceImpact: 0.1 }, fill: { maxVolumeShare: null } },
  'margin 2, short sells allowed': { initialCash: 60_000, marginMultiplier: 2 },
  'risk-free rate': { riskFreeRate: 0.03, initialCash: 50_000 },
};

describe('array form (targets) against the event loop', () => {
  for (const [name, config] of Object.entries(configs)) {
    it(`sma-cross and zscore-reversion give the event loop's figures to the bit: ${name}`, () => {
      for (const cols of [orcl, nvda, minutes]) {
        for (const params of [{ fast: 5, slow: 20 }, { fast: 10, slow: 30, size: 40 }, { fast: 3, slow: 50, size: 150 }]) {
          const r = both(smaCross as StrategyDefinition, cols, params, config);
          expect(r.targets.kind).toBe('figures');
          if (r.targets.kind === 'figures') expect(r.targets.metrics).toEqual(r.events);
        }
        for (const params of [{ period: 20 }, { period: 10, entry: 1.5, exit: 0, allowShort: true, size: 30 }]) {
          const r = both(zscoreReversion as StrategyDefinition, cols, params, { ...config, borrowRateAnnual: 0.05 });
          expect(r.targets.kind).toBe('figures');
          if (r.targets.kind === 'figures') expect(r.targets.metrics).toEqual(r.events);
        }
      }
    });
  }

  it('holds for random parameters, costs and cash (property)', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 2, max: 80 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom<BacktestConfig['fees']>({ kind: 'none' }, { kind: 'alpaca' }, { kind: 'per-share', perShare: 0.01, maxPerFill: 5 }, { kind: 'percent', rate: 0.002 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom<'next-open' | 'signal-close'>('next-open', 'signal-close'),
        fc.integer({ min: 1_000, max: 100_000 }),
        (fast, slow, size, fees, bps, market, cash) => {
          const config: BacktestConfig = { fees, slippage: { kind: 'fixed-bps', bps }, fill: { market, maxVolumeShare: null }, initialCash: cash };
          const r = both(smaCross as StrategyDefinition, minutes, { fast, slow, size }, config);
          // Little cash: an order the event loop would reject is left to it, named.
          if (r.targets.kind === 'unsupported') return /^bar \d+: the order for \d+ would be rejected \(insufficient buying power\), which targets\(\) cannot see$/.test(r.targets.reason);
          compared++;
          return r.targets.kind === 'figures' && JSON.stringify(r.targets.metrics) === JSON.stringify(r.events);
        },
      ),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(30);
  });

  it('runs several symbols on the union of their bar times with the event loop\'s figures to the bit', () => {
    // Three daily files that start in different years, and minute walks with bars missing here and there.
    const daily = { ORCL: orcl, NVDA: nvda, YHOO: loadDailyCsv('yhoo-1996-2014.txt').cols };
    const gappy = (seed: number) => {
      const c = randomWalkBars(6_000, seed, 0.01, 0.002);
      const keep = Array.from(c.ts, (_, i) => (i * 7919 + seed) % 11 !== 0);
      const pick = <T extends Float64Array | BigInt64Array>(a: T) => a.filter((_, i) => keep[i]) as T;
      return { ts: pick(c.ts), open: pick(c.open), high: pick(c.high), low: pick(c.low), close: pick(c.close), volume: pick(c.volume) };
    };
    const minutes3 = { A: gappy(1), B: gappy(2), C: gappy(3) };
    for (const data of [daily, minutes3]) {
      for (const [name, config] of Object.entries(configs)) {
        for (const params of [{ fast: 5, slow: 20, size: 50 }, { fast: 10, slow: 40, size: 30 }]) {
          const events = runBacktest({ strategy: smaCrossEach, data, params, config: { ...config, keepOrderLog: false } });
          if (!events.ok) throw new Error(events.error.message);
          const targets = runTargets({ strategy: smaCrossEach, data, params, config });
          expect(targets, name).toMatchObject({ kind: 'figures', bars: events.result.bars });
          if (targets.kind === 'figures') expect(targets.metrics, name).toEqual(events.result.metrics);
        }
        // A one-symbol strategy over several symbols' data: its column is the first symbol's, the steps all of them.
        const e1 = runBacktest({ strategy: smaCross, data, config: { ...config, keepOrderLog: false } });
        const t1 = runTargets({ strategy: smaCross, data, config });
        if (!e1.ok || t1.kind !== 'figures') throw new Error(`${name}: ${JSON.stringify(t1)}`);
        expect(t1.metrics, name).toEqual(e1.result.metrics);
      }
    }
  });

  it('holds for several symbols with random parameters, costs, shorts and cash (property)', () => {
    let compared = 0;
    const data = { A: randomWalkBars(3_000, 21, 0.01, 0.002), B: randomWalkBars(2_500, 22, 0.01, 0.002), C: randomWalkBars(3_000, 23, 0.01, 0.002) };
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<BacktestConfig['fees']>({ kind: 'none' }, { kind: 'alpaca' }, { kind: 'percent', rate: 0.002 }),
        fc.constantFrom<'next-open' | 'signal-close'>('next-open', 'signal-close'),
        fc.integer({ min: 2_000, max: 50_000 }),
        fc.boolean(),
        (period, entry, fees, market, cash, short) => {
          const config: BacktestConfig = { fees, fill: { market, maxVolumeShare: null }, initialCash: cash, borrowRateAnnual: short ? 0.05 : 0 };
          const params = { period, entry, exit: 0, size: 20, allowShort: short };
          const events = runBacktest({ strategy: zscoreEach, data, params, config: { ...config, keepOrderLog: false } });
          const targets = runTargets({ strategy: zscoreEach, data, params, config });
          if (targets.kind === 'unsupported') return /^bar \d+ of [ABC]: the order for -?\d+ would be rejected \(insufficient buying power\), which targets\(\) cannot see$/.test(targets.reason);
          compared++;
          return events.ok && targets.kind === 'figures' && JSON.stringify(targets.metrics) === JSON.stringify(events.result.metrics);
        },
      ),
      { numRuns: 40 },
    );
    // Most draws have the cash for their orders: the comparison, not the refusal, is what was tested.
    expect(compared).toBeGreaterThan(20);
  });

  it('shares indicator columns across runs through a memo, with the same figures', () => {
    const memo = new SeriesMemo();
    const a = runTargets({ strategy: smaCross, data: { X: orcl }, params: { fast: 10, slow: 30 }, memo });
    const b = runTargets({ strategy: smaCross, data: { X: orcl }, params: { fast: 10, slow: 40 }, memo });
    const c = runTargets({ strategy: smaCross, data: { X: orcl }, params: { fast: 10, slow: 30 } });
    expect(a).toEqual(c);
    expect(b.kind).toBe('figures');
  });

  it('reports what it cannot model instead of guessing', () => {
    // A volume cap that splits an order: the event loop fills it over several bars.
    const capped = runTargets({ strategy: smaCross, data: { X: minutes }, params: { size: 400 }, config: { fill: { maxVolumeShare: 0.1 } } });
    expect(capped).toMatchObject({ kind: 'unsupported', reason: expect.stringMatching(/^bar \d+: the volume cap splits the order for 400$/) });
    const half = defineStrategy({ name: 'half', params: z.object({}), create: () => ({}), targets: (_p, bars) => bars.positions().fill(0.5) });
    expect(runTargets({ strategy: half, data: { X: orcl } })).toMatchObject({ kind: 'unsupported', reason: 'bar 0: the target 0.5 asks for an order of 0.5 shares, not a whole number' });
    expect(targetsUnsupported(smaCross as StrategyDefinition, { X: orcl, Y: nvda })).toBeNull();
    expect(targetsUnsupported(smaCross as StrategyDefinition, { X: orcl }, { latencyMs: 5 })).toBe('the run has latency');
    expect(runTargets({ strategy: smaCross, data: {} })).toEqual({ kind: 'unsupported', reason: 'the run has no bars' });
    const plain = defineStrategy({ name: 'plain', params: z.object({}), create: () => ({}) });
    expect(targetsUnsupported(plain as StrategyDefinition, { X: orcl })).toBe("strategy 'plain' has no targets() form");
  });

  it('names the strategy when its array form throws or returns the wrong shape', () => {
    const throws = defineStrategy({ name: 'throws', params: z.object({}), create: () => ({}), targets: () => { throw new Error('boom'); } });
    expect(runTargets({ strategy: throws, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { kind: 'strategy', handler: 'targets', message: "strategy 'throws' threw in targets: boom" } });
    const short = defineStrategy({ name: 'short', params: z.object({}), create: () => ({}), targets: () => new Float64Array(3) });
    expect(runTargets({ strategy: short, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { message: `strategy 'short': targets() must return a Float64Array with one entry per bar of X (${orcl.ts.length}), got a Float64Array of 3` } });
    const stranger = defineStrategy({ name: 'stranger', params: z.object({}), create: () => ({}), targets: (_p, bars) => ({ Z: bars.positions() }) });
    expect(runTargets({ strategy: stranger, data: { X: orcl, Y: nvda } })).toMatchObject({ kind: 'error', error: { message: "strategy 'stranger': targets() returned a column for 'Z', which is not one of the run's symbols (X, Y)" } });
    const plain = defineStrategy({ name: 'plain-array', params: z.object({}), create: () => ({}), targets: (_p, bars) => Array.from(bars.positions()) as unknown as Float64Array });
    expect(runTargets({ strategy: plain, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { message: "strategy 'plain-array': targets() must return a Float64Array with one entry per bar of X, got an array" } });
    // A column made in another realm (a notebook cell's context) is a Float64Array all the same.
    const foreign = defineStrategy({ name: 'foreign', params: z.object({}), create: () => ({}), targets: (_p, bars) => vm.runInNewContext(`new Float64Array(${bars.length}).fill(NaN)`) as Float64Array });
    expect(runTargets({ strategy: foreign, data: { X: orcl } })).toMatchObject({ kind: 'figures', metrics: { trades: 0 } });
    expect(runTargets({ strategy: smaCross, data: { X: orcl }, params: { fsat: 3 } })).toMatchObject({ kind: 'error', error: { kind: 'params' } });
  });
});
