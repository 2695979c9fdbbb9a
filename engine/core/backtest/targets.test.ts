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
  'little cash (rejections), margin 2': { initialCash: 3_000, marginMultiplier: 2 },
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
          return r.targets.kind === 'figures' && JSON.stringify(r.targets.metrics) === JSON.stringify(r.events);
        },
      ),
      { numRuns: 60 },
    );
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
    expect(targetsUnsupported(smaCross as StrategyDefinition, { X: orcl, Y: nvda })).toBe('the array form runs one symbol');
    expect(targetsUnsupported(smaCross as StrategyDefinition, { X: orcl }, { latencyMs: 5 })).toBe('the run has latency');
    const plain = defineStrategy({ name: 'plain', params: z.object({}), create: () => ({}) });
    expect(targetsUnsupported(plain as StrategyDefinition, { X: orcl })).toBe("strategy 'plain' has no targets() form");
  });

  it('names the strategy when its array form throws or returns the wrong shape', () => {
    const throws = defineStrategy({ name: 'throws', params: z.object({}), create: () => ({}), targets: () => { throw new Error('boom'); } });
    expect(runTargets({ strategy: throws, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { kind: 'strategy', handler: 'targets', message: "strategy 'throws' threw in targets: boom" } });
    const short = defineStrategy({ name: 'short', params: z.object({}), create: () => ({}), targets: () => new Float64Array(3) });
    expect(runTargets({ strategy: short, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { message: `strategy 'short': targets() must return a Float64Array with one entry per bar (${orcl.ts.length}), got a Float64Array of 3` } });
    const plain = defineStrategy({ name: 'plain-array', params: z.object({}), create: () => ({}), targets: (_p, bars) => Array.from(bars.positions()) as unknown as Float64Array });
    expect(runTargets({ strategy: plain, data: { X: orcl } })).toMatchObject({ kind: 'error', error: { message: `strategy 'plain-array': targets() must return a Float64Array with one entry per bar (${orcl.ts.length}), got an array` } });
    // A column made in another realm (a notebook cell's context) is a Float64Array all the same.
    const foreign = defineStrategy({ name: 'foreign', params: z.object({}), create: () => ({}), targets: (_p, bars) => vm.runInNewContext(`new Float64Array(${bars.length}).fill(NaN)`) as Float64Array });
    expect(runTargets({ strategy: foreign, data: { X: orcl } })).toMatchObject({ kind: 'figures', metrics: { trades: 0 } });
    expect(runTargets({ strategy: smaCross, data: { X: orcl }, params: { fsat: 3 } })).toMatchObject({ kind: 'error', error: { kind: 'params' } });
  });
});
