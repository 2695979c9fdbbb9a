import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BarData } from '../core/backtest/data';
import { runBacktest } from '../core/backtest/runner';
import { minuteBars } from '../core/backtest/testing';
import { monteCarloTrades } from '../core/metrics/montecarlo';
import { defineStrategy } from '../core/strategy/define';
import { smaCross } from '../core/strategy/examples/index';
import { ColumnHistory, advanceHistory } from '../core/strategy/history';
import { createDispatcher, EventBus, type HandlerTable } from '../rpc/dispatcher';
import type { WireEvent } from '../rpc/contract';
import { writeSampleLake } from '../lake/sample';
import { backtestHandlers } from './handlers';
import { BacktestInputError } from './job';
import { checkLookahead } from './lookahead';
import { checkCombinations, gridCombinations, parseGrid, randomCombinations, runSweep, runWalkForward } from './sweep';
import { WorkerPool } from './pool';
import { runTask, shareBarData, shareTickData, sliceTickData } from './task';
import { loadStrategy } from './strategies';
import { tradeColumns } from '../core/backtest/ticks';

/** Four sessions of a wavy minute series: plenty of SMA crossings. */
function wavy(n = 1560): BarData {
  const rows = Array.from({ length: n }, (_, i) => {
    const c = 100 + 3 * Math.sin(i / 40) + Math.sin(i / 7);
    const o = 100 + 3 * Math.sin((i - 0.5) / 40) + Math.sin((i - 0.5) / 7);
    return [o, Math.max(o, c) + 0.05, Math.min(o, c) - 0.05, c, 10_000] as const;
  });
  return { SPY: minuteBars(rows, [390, 390, 390, 390].slice(0, Math.ceil(n / 390))) };
}

describe('sweep parameters', () => {
  it('expand ranges and lists into every combination, and refuse unknown names and bad values', () => {
    const axes = parseGrid(smaCross, ['fast=5:15:5', 'slow=30,40']);
    expect(gridCombinations(axes, { size: 10 })).toEqual([
      { size: 10, fast: 5, slow: 30 },
      { size: 10, fast: 5, slow: 40 },
      { size: 10, fast: 10, slow: 30 },
      { size: 10, fast: 10, slow: 40 },
      { size: 10, fast: 15, slow: 30 },
      { size: 10, fast: 15, slow: 40 },
    ]);
    expect(parseGrid(smaCross, ['size=0.1:0.3:0.1'])[0].values).toEqual([0.1, 0.2, 0.3]);
    expect(() => parseGrid(smaCross, ['fsat=1:3'])).toThrow(new BacktestInputError("strategy 'sma-cross': parameter 'fsat': unknown parameter (known: fast, slow, size)"));
    expect(() => checkCombinations(smaCross, gridCombinations(parseGrid(smaCross, ['fast=0:2'])))).toThrow(/^strategy 'sma-cross': parameter 'fast': Too small: expected number to be >=1 \(in combination \{"fast":0\}\)$/);
    const r1 = randomCombinations(axes, 5, 7);
    expect(r1).toEqual(randomCombinations(axes, 5, 7));
    for (const c of r1) expect([5, 10, 15]).toContain(c.fast);
  });
});

describe('a sweep on the worker pool', () => {
  it('still rejects bad bars in every combination, though a worker checks its data only once', async () => {
    const bad = wavy();
    const sym = Object.keys(bad)[0];
    const ts = bad[sym].ts.slice();
    [ts[10], ts[11]] = [ts[11], ts[10]];
    const data = shareBarData({ [sym]: { ...bad[sym], ts } });
    const combos = gridCombinations(parseGrid(smaCross, ['fast=3:6:3']));
    const out = await runSweep({ strategy: { kind: 'example', name: 'sma-cross' }, definition: smaCross, data, config: {}, combos, objective: 'sharpe' }, { workers: 2 });
    expect(out.results.map((r) => r.ok)).toEqual([false, false]);
    for (const r of out.results) expect(r.error).toMatch(/data: /);
  });

  it('gives each combination exactly the result of a run on this thread, in order, with progress', async () => {
    const data = shareBarData(wavy());
    const combos = gridCombinations(parseGrid(smaCross, ['fast=3:9:3', 'slow=20:40:10']));
    const seen: number[] = [];
    const out = await runSweep(
      { strategy: { kind: 'example', name: 'sma-cross' }, definition: smaCross, data, config: {}, combos, objective: 'sharpe' },
      { workers: 2, onProgress: (done) => seen.push(done) },
    );
    expect(out.canceled).toBe(false);
    expect(out.results).toHaveLength(9);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.barEvaluations).toBe(9 * 1560);
    for (const r of out.results) {
      const local = runTask(smaCross, data, {}, { index: r.index, params: r.params }, () => 0);
      expect(r.metrics).toEqual(local.metrics);
      expect(r.params).toEqual(combos[r.index]);
    }
    const sharpes = out.ranking.map((i) => out.results[i].metrics?.sharpe ?? -Infinity);
    expect([...sharpes].sort((a, b) => b - a)).toEqual(sharpes);
  });

  it('stops when canceled and keeps what finished', async () => {
    const data = shareBarData(wavy());
    const combos = gridCombinations(parseGrid(smaCross, ['fast=2:21', 'slow=30:31']));
    const ac = new AbortController();
    const out = await runSweep(
      { strategy: { kind: 'example', name: 'sma-cross' }, definition: smaCross, data, config: {}, combos, objective: 'sharpe' },
      { workers: 2, signal: ac.signal, onProgress: (done) => done === 3 && ac.abort() },
    );
    expect(out.canceled).toBe(true);
    expect(out.results.length).toBeGreaterThanOrEqual(3);
    expect(out.results.length).toBeLessThan(combos.length);
  });
});

describe('a sweep screened with the array form (targets)', () => {
  const combos = gridCombinations(parseGrid(smaCross, ['fast=3:9:3', 'slow=20:40:10']));
  const source = { kind: 'example', name: 'sma-cross' } as const;

  it('scores every combination with targets(), re-runs the best through onBar, and gives the figures of --mode events', async () => {
    const data = shareBarData(wavy());
    const screened = await runSweep({ strategy: source, definition: smaCross, data, config: { fees: { kind: 'alpaca' } }, combos, objective: 'sharpe', verify: 3 }, { workers: 2 });
    const events = await runSweep({ strategy: source, definition: smaCross, data, config: { fees: { kind: 'alpaca' } }, combos, objective: 'sharpe', mode: 'events' }, { workers: 2 });
    expect(screened.results.map((r) => r.via)).toEqual(combos.map(() => 'targets'));
    expect(events.results.map((r) => r.via)).toEqual(combos.map(() => 'events'));
    expect(events.screen).toBeNull();
    expect(screened.screen).toEqual({ viaTargets: 9, fallbacks: 0, firstFallback: null, verified: screened.ranking.slice(0, 3) });
    expect(screened.results.map((r) => r.metrics)).toEqual(events.results.map((r) => r.metrics));
    expect(screened.ranking).toEqual(events.ranking);
  });

  it('runs a combination the array form cannot model through onBar, and says why', async () => {
    // 10,000 shares a bar at most: an order for 150 is split by a 1% volume cap.
    const data = shareBarData(wavy());
    const config = { fill: { maxVolumeShare: 0.01 } };
    const out = await runSweep({ strategy: source, definition: smaCross, data, config, combos: combos.map((c) => ({ ...c, size: 150 })), objective: 'sharpe' }, { workers: 2 });
    expect(out.screen).toMatchObject({ viaTargets: 0, fallbacks: 9, verified: [] });
    expect(out.screen?.firstFallback).toMatch(/^bar \d+: the volume cap splits the order for 150$/);
    for (const r of out.results) expect(r.metrics).toEqual(runTask(smaCross, data, config, { index: 0, params: r.params }, () => 0).metrics);
  });

  it('fails, naming the strategy, the combination and the figure, when targets() decides differently from onBar', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-wrong-'));
    try {
      const file = path.join(dir, 'peeks.ts');
      // onBar is sma-cross; targets() acts one bar early by reading the next bar's SMAs.
      fs.writeFileSync(
        file,
        [
          "import { z } from 'zod';",
          "import { defineStrategy } from 'strategy-studio';",
          "export default defineStrategy({ name: 'peeks', params: z.object({ fast: z.number().int().default(5), slow: z.number().int().default(20) }), create(ctx, p) {",
          '  const f = ctx.indicators.sma(ctx.symbols[0], p.fast); const s = ctx.indicators.sma(ctx.symbols[0], p.slow); let was = -1;',
          '  return { onBar() { if (!s.ready) return; const above = f.value > s.value ? 1 : 0;',
          '    if (was >= 0 && above !== was) { if (above) ctx.orders.submit({ symbol: ctx.symbols[0], side: "buy", qty: 10, type: "market" }); else ctx.orders.closePosition(ctx.symbols[0]); }',
          '    was = above; } };',
          '}, targets(p, bars) {',
          '  const f = bars.sma(p.fast); const s = bars.sma(p.slow); const out = bars.positions(); let was = -1;',
          '  for (let i = 0; i + 1 < out.length; i++) { if (s[i + 1] !== s[i + 1]) continue; const above = f[i + 1] > s[i + 1] ? 1 : 0; if (was >= 0 && above !== was) out[i] = above ? 10 : 0; was = above; }',
          '  return out;',
          '} });',
        ].join('\n'),
      );
      const loaded = await loadStrategy(file, null);
      const data = shareBarData(wavy());
      const peekCombos = gridCombinations(parseGrid(loaded.definition, ['fast=3:9:3', 'slow=20:40:10']));
      const req = { strategy: loaded.source, definition: loaded.definition, data, config: {}, combos: peekCombos, objective: 'totalReturn' as const };
      await expect(runSweep(req, { workers: 2 })).rejects.toThrow(/^strategy 'peeks': its targets\(\) form and its onBar disagree for \{"fast":\d,"slow":\d0\}: \w+ \S+ \(targets\) vs \S+ \(onBar\)\. Make targets\(\) decide exactly what onBar decides, or sweep with --mode events\.$/);
      const events = await runSweep({ ...req, mode: 'events' }, { workers: 2 });
      expect(events.results.every((r) => r.ok && r.via === 'events')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a guided sweep (TPE)', () => {
  it('runs its budget of distinct grid combinations batch by batch, each the figures of a run, the same for the same seed', async () => {
    const data = shareBarData(wavy());
    const axes = parseGrid(smaCross, ['fast=2:20:2', 'slow=25:45:5']);
    const req = { strategy: { kind: 'example', name: 'sma-cross' } as const, definition: smaCross, data, config: {}, combos: [], objective: 'totalReturn' as const, guided: { axes, base: {}, trials: 14, seed: 5 } };
    const seen: number[] = [];
    const a = await runSweep(req, { workers: 2, onProgress: (done, total) => seen.push(done * 100 + total) });
    expect(a.results).toHaveLength(14);
    expect(seen).toEqual(Array.from({ length: 14 }, (_, k) => (k + 1) * 100 + 14));
    const keys = a.results.map((r) => `${r.params.fast}/${r.params.slow}`);
    expect(new Set(keys).size).toBe(14);
    for (const r of a.results) {
      expect(axes[0].values).toContain(r.params.fast);
      expect(axes[1].values).toContain(r.params.slow);
      expect(r.metrics).toEqual(runTask(smaCross, data, {}, { index: 0, params: r.params }, () => 0).metrics);
    }
    expect(a.results.map((r) => r.index)).toEqual(Array.from({ length: 14 }, (_, k) => k));
    expect(a.screen).toMatchObject({ viaTargets: 14, verified: a.ranking.slice(0, 2) });
    const b = await runSweep(req, { workers: 2 });
    expect(b.results.map((r) => r.params)).toEqual(a.results.map((r) => r.params));
    // A budget past the grid's 50 combinations runs the grid once.
    const all = await runSweep({ ...req, guided: { ...req.guided, trials: 80 } }, { workers: 2 });
    expect(new Set(all.results.map((r) => `${r.params.fast}/${r.params.slow}`)).size).toBe(50);
  });
});

describe('a worker pool kept for several batches', () => {
  it('runs batch after batch on the same workers with the results of fresh runs, starting cash per task; a cancel closes it', async () => {
    const data = shareBarData(wavy());
    const pool = await WorkerPool.start({ strategy: { kind: 'example', name: 'sma-cross' }, data, config: {} }, 2);
    try {
      const first = await pool.run([0, 1, 2].map((index) => ({ index, params: { fast: 3 + index, slow: 30 } })));
      const second = await pool.run([{ index: 0, params: { fast: 4, slow: 30 }, initialCash: 50_000 }]);
      for (const r of first.results) expect(r?.metrics).toEqual(runTask(smaCross, data, {}, { index: 0, params: r?.params ?? {} }, () => 0).metrics);
      const rich = runTask(smaCross, data, { initialCash: 50_000 }, { index: 0, params: { fast: 4, slow: 30 } }, () => 0);
      expect(second.results[0]?.metrics).toEqual(rich.metrics);
      expect(second.results[0]?.metrics?.finalEquity).not.toBe(first.results[1]?.metrics?.finalEquity);
      const ac = new AbortController();
      const canceled = await pool.run(
        Array.from({ length: 40 }, (_, index) => ({ index, params: { fast: 2 + (index % 20), slow: 30 } })),
        { signal: ac.signal, onProgress: (done) => done === 2 && ac.abort() },
      );
      expect(canceled.canceled).toBe(true);
      await expect(pool.run([{ index: 0, params: {} }])).rejects.toThrow('backtest pool: closed');
    } finally {
      await pool.close();
    }
  });
});

describe('walk-forward', () => {
  it('optimises in sample, tests out of sample, and chains the out-of-sample equity', async () => {
    const data = shareBarData(wavy());
    const combos = gridCombinations(parseGrid(smaCross, ['fast=3:9:3', 'slow=20:30:10']));
    const wf = await runWalkForward(
      { strategy: { kind: 'example', name: 'sma-cross' }, definition: smaCross, data, config: { initialCash: 50_000 }, combos, objective: 'totalReturn', folds: 3, inSampleFraction: 0.55, initialCash: 50_000 },
      { workers: 2 },
    );
    expect(wf.folds).toHaveLength(3);
    const oos = Math.floor((1560 * 0.45) / 3);
    for (const [k, f] of wf.folds.entries()) {
      expect(f.outOfSample.bars).toBe(oos);
      expect(f.inSample.bars).toBe(1560 - 3 * oos);
      // Out of sample starts right after its in-sample window, and never overlaps the next fold's.
      expect(f.outOfSample.fromNs > f.inSample.toNs).toBe(true);
      if (k > 0) expect(f.outOfSample.fromNs > wf.folds[k - 1].outOfSample.toNs).toBe(true);
      expect(f.bestParams).not.toBeNull();
    }
    expect(wf.stitched.ts.length).toBe(3 * oos);
    // Each fold starts with the capital the previous one ended with: the curve has no jumps back to 50k.
    const last = wf.folds[2].outOfSampleMetrics;
    expect(last?.finalEquity).toBe(wf.stitched.equity[wf.stitched.equity.length - 1]);
    expect(wf.stitchedMetrics?.finalEquity).toBe(last?.finalEquity);

    // Anchored: the same out-of-sample windows, each in-sample window from the first bar on.
    const anchored = await runWalkForward(
      { strategy: { kind: 'example', name: 'sma-cross' }, definition: smaCross, data, config: { initialCash: 50_000 }, combos, objective: 'totalReturn', folds: 3, inSampleFraction: 0.55, initialCash: 50_000, anchored: true },
      { workers: 2 },
    );
    for (const [k, f] of anchored.folds.entries()) {
      expect(f.inSample.fromNs).toBe(wf.folds[0].inSample.fromNs);
      expect(f.inSample.toNs).toBe(wf.folds[k].inSample.toNs);
      expect(f.inSample.bars).toBe(1560 - 3 * oos + k * oos);
      expect(f.outOfSample).toEqual(wf.folds[k].outOfSample);
    }
  });

  it('walks forward over ticks: windows cut on event times, each out-of-sample fold a run over its ticks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-ticks-'));
    try {
      const file = path.join(dir, 'tick-momentum.ts');
      fs.writeFileSync(
        file,
        [
          "import { z } from 'zod';",
          "import { defineStrategy } from 'strategy-studio';",
          '// Long while a print is above the mean of the last `n` prints, flat otherwise.',
          "export default defineStrategy({ name: 'tick-momentum', params: z.object({ n: z.number().int().min(2).default(20) }), create(ctx, p) {",
          '  const last: number[] = [];',
          '  return { onTrade(t) {',
          '    last.push(t.price);',
          '    if (last.length > p.n) last.shift();',
          '    if (last.length < p.n) return;',
          '    const mean = last.reduce((a, b) => a + b, 0) / p.n;',
          "    const held = ctx.portfolio.qty('X');",
          "    if (t.price > mean && held === 0) ctx.orders.submit({ symbol: 'X', side: 'buy', qty: 10, type: 'market' });",
          "    else if (t.price < mean && held > 0) ctx.orders.closePosition('X');",
          '  } };',
          '} });',
        ].join('\n'),
      );
      const loaded = await loadStrategy(file, null);
      // 3,000 prints 250 ms apart, some sharing a time (so events outnumber distinct times).
      const rows = Array.from({ length: 3000 }, (_, i) => ({ ts: 1_704_205_860_000_000_000n + BigInt(Math.floor(i / 3) * 2 + (i % 3 === 2 ? 1 : 0)) * 250_000_000n, price: 100 + 2 * Math.sin(i / 60) + 0.3 * Math.sin(i / 7), size: 100 }));
      const ticks = shareTickData({ X: { trades: tradeColumns(rows) } });
      const times = new Set(rows.map((r) => r.ts)).size;
      const combos = gridCombinations(parseGrid(loaded.definition, ['n=10,30,60']));
      const wf = await runWalkForward(
        { strategy: loaded.source, definition: loaded.definition, data: {}, ticks, config: { initialCash: 10_000, latencyMs: 100 }, combos, objective: 'totalReturn', folds: 3, inSampleFraction: 0.5, initialCash: 10_000 },
        { workers: 2 },
      );
      expect(times).toBe(2000);
      const oos = Math.floor((times * 0.5) / 3);
      let capital = 10_000;
      for (const [k, f] of wf.folds.entries()) {
        expect(f.outOfSample.bars).toBe(oos);
        expect(f.inSample.bars).toBe(times - 3 * oos);
        if (k > 0) expect(f.outOfSample.fromNs > wf.folds[k - 1].outOfSample.toNs).toBe(true);
        expect(f.bestParams).not.toBeNull();
        // The fold's out-of-sample figures are those of a run over just its ticks, from the capital the last fold left.
        const alone = runBacktest({ strategy: loaded.definition, params: f.bestParams ?? {}, data: {}, ticks: sliceTickData(ticks, f.outOfSample.fromNs, f.outOfSample.toNs), config: { initialCash: capital, latencyMs: 100 } });
        if (!alone.ok) throw new Error(alone.error.message);
        expect(alone.result.metrics.trades).toBeGreaterThan(0);
        expect(f.outOfSampleMetrics).toEqual(alone.result.metrics);
        capital = alone.result.metrics.finalEquity;
      }
      expect(wf.stitchedMetrics?.finalEquity).toBe(capital);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Monte Carlo of the trade sequence', () => {
  it('is reproducible and brackets the realised result', () => {
    const pnls = [120, -80, 45, -30, 200, -150, 60, 10, -20, 90];
    const a = monteCarloTrades(pnls, { initialCash: 10_000, iterations: 2000, seed: 3 });
    expect(monteCarloTrades(pnls, { initialCash: 10_000, iterations: 2000, seed: 3 })).toEqual(a);
    // Shuffling keeps the same trades: every path ends at the same equity.
    const s = monteCarloTrades(pnls, { initialCash: 10_000, iterations: 200, method: 'shuffle', seed: 3 });
    expect(s.totalReturn.low).toBeCloseTo(0.0245, 12);
    expect(s.totalReturn.high).toBeCloseTo(0.0245, 12);
    expect(s.maxDrawdown.low).toBeLessThan(s.maxDrawdown.high);
    expect(a.totalReturn.low).toBeLessThan(0.0245);
    expect(a.totalReturn.high).toBeGreaterThan(0.0245);
    expect(a.probabilityOfLoss).toBeGreaterThan(0);
    expect(a.probabilityOfLoss).toBeLessThan(0.5);
  });
});

describe('the look-ahead check', () => {
  it('passes an honest strategy', () => {
    const report = checkLookahead(smaCross, { fast: 5, slow: 20 }, wavy(), {}, 6);
    expect(report).toMatchObject({ ok: true, divergence: null });
    expect(report.decisions).toBeGreaterThan(10);
  });

  it('catches a strategy that peeks at the next bar', () => {
    // It breaks into the engine's history cursor to read the bar after the clock, buys before
    // rises and sells before falls: impossible trading, and the truncated replays show it.
    const peeking = defineStrategy({
      name: 'peeking',
      params: z.object({}),
      create(ctx) {
        const h = ctx.history('SPY') as ColumnHistory;
        return {
          onBar() {
            const now = h.length - 1;
            advanceHistory(h, now + 1);
            const next = h.close(0);
            advanceHistory(h, now);
            const held = ctx.portfolio.qty('SPY');
            if (next > h.close(0) && held === 0) ctx.orders.submit({ symbol: 'SPY', side: 'buy', qty: 10, type: 'market' });
            else if (!(next > h.close(0)) && held > 0) ctx.orders.closePosition('SPY');
          },
        };
      },
    });
    const data = wavy();
    const plain = runBacktest({ strategy: peeking, data });
    expect(plain.ok).toBe(true);
    const report = checkLookahead(peeking, {}, data, {}, 4);
    expect(report.ok).toBe(false);
    expect(report.divergence).toMatch(/^with data cut at .*, decision \d+ was .* instead of submit .*: the strategy used bars after the clock$/);
  });
});

/** The backtest handlers of a host on workspace `ws`, every event they emit, and a caller that throws `code: message`. */
function hostOn(ws: string) {
  const bus = new EventBus();
  const events: WireEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const d = createDispatcher(backtestHandlers({ workspaceDir: () => ws, bus, lakeReady: async () => {} }) as HandlerTable, bus);
  let id = 0;
  const call = async (method: string, args: unknown) => {
    const res = await d.dispatch({ t: 'req', id: ++id, method, args });
    if (res === null || !res.ok) throw new Error(res === null ? 'no answer' : `${res.error.code}: ${res.error.message}`);
    return res.result as Record<string, unknown>;
  };
  return { bus, events, call };
}

describe('the host contract', () => {
  it('runs, sweeps, lists and cancels backtests with progress events', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-host-'));
    try {
      await writeSampleLake(path.join(ws, 'lake'), { symbols: 1, days: 3 });
      const { events, call } = hostOn(ws);
      const run = await call('backtest.run', { strategy: 'sma-cross', symbols: ['ZALF'], timeframe: '1Min', jobId: 'r1', detailPoints: 100, monteCarlo: 200 });
      expect((run.summary as { bars: number }).bars).toBe(3 * 390);
      // Chart data: 100 points whose deepest drawdown is the run's, and every closed trade.
      const summary = run.summary as { trades: number; maxDrawdown: number };
      const detail = run.detail as { equity: { ts: string[]; drawdown: number[] }; trades: unknown[]; tradesTotal: number };
      expect(detail.equity.ts).toHaveLength(100);
      expect(Math.min(...detail.equity.drawdown)).toBeCloseTo(-summary.maxDrawdown, 12);
      expect(detail.trades).toHaveLength(summary.trades);
      expect(detail.tradesTotal).toBe(summary.trades);
      const mc = run.monteCarlo as { iterations: number; trades: number; totalReturn: { low: number; median: number; high: number } };
      expect(mc).toMatchObject({ iterations: 200, trades: summary.trades, method: 'bootstrap' });
      expect(mc.totalReturn.low).toBeLessThanOrEqual(mc.totalReturn.median);
      expect(mc.totalReturn.median).toBeLessThanOrEqual(mc.totalReturn.high);
      // Bar-level progress from the worker, about every 1% of the bars, then the end.
      const progress = events.filter((e) => e.name === 'backtest.progress').map((e) => e.payload as { jobId: string; done: number; total: number; finished: boolean });
      expect(progress[0]).toEqual({ jobId: 'r1', kind: 'run', done: 0, total: 1, finished: false });
      expect(progress.at(-1)).toEqual({ jobId: 'r1', kind: 'run', done: 1170, total: 1170, finished: true });
      const middle = progress.slice(1, -1);
      expect(middle.length).toBeGreaterThanOrEqual(90);
      expect(middle.every((p, i) => p.total === 1170 && !p.finished && p.done > (i > 0 ? middle[i - 1].done : 0))).toBe(true);
      const runs = (await call('backtest.runs', {})) as unknown as { id: string; status: string; brief: unknown }[];
      expect(runs.map((r) => r.id)).toEqual([run.runId]);
      expect(runs[0].brief).toEqual({ symbols: ['ZALF'], timeframe: '1Min', params: { fast: 10, slow: 30, size: 100 }, totalReturn: (run.summary as { totalReturn: number }).totalReturn, sharpe: (run.summary as { sharpe: number }).sharpe, trades: summary.trades, bars: 3 * 390 });
      expect(((await call('backtest.getRun', { id: run.runId })).summary as { bars: number }).bars).toBe(3 * 390);
      // Opened again later, the stored run gives the chart data the run gave, read back from its Parquet files.
      const reopened = await call('backtest.getRun', { id: run.runId, detailPoints: 100 });
      expect(reopened.detail).toEqual(run.detail);
      expect((await call('backtest.getRun', { id: run.runId, detailPoints: 7 })).detail).toMatchObject({ tradesTotal: summary.trades });

      const sweep = await call('backtest.sweep', { strategy: 'sma-cross', symbols: ['ZALF'], timeframe: '1Min', grid: ['fast=2:5', 'slow=20,30'], workers: 2 });
      expect(sweep).toMatchObject({ combinations: 8, completed: 8, canceled: false });
      // The best Sharpe ratio, deflated for the eight combinations tried and the saved run before (fast 10 is not in the grid).
      const sharpes = (sweep.results as { metrics: { sharpe: number | null } }[]).map((r) => r.metrics.sharpe).filter((x): x is number => x !== null);
      const deflated = sweep.deflated as { trials: number; earlierTrials: number; bestSharpe: number; expectedMaxSharpe: number; probability: number };
      expect(deflated.earlierTrials).toBe(1);
      expect(deflated.trials).toBe(sharpes.length + 1);
      expect(sweep.research).toMatchObject({ backtests: 1, sweeps: 0, combinations: 9, problems: [] });
      expect(deflated.bestSharpe).toBeCloseTo(Math.max(...sharpes), 9);
      expect(deflated.expectedMaxSharpe).toBeGreaterThan(0);
      expect(deflated.probability).toBeGreaterThan(0);
      expect(deflated.probability).toBeLessThan(1);
      // Kept under runs/sweeps/ and listed; reopened it gives the same table and figures.
      const sweepId = sweep.sweepId as string;
      expect(fs.existsSync(path.join(ws, 'runs', 'sweeps', `${sweepId}.json`))).toBe(true);
      const rows = sweep.results as { params: Record<string, unknown>; metrics: { sharpe: number | null } }[];
      expect(await call('backtest.sweeps', {})).toEqual({
        sweeps: [{ id: sweepId, createdAt: expect.any(String), strategy: 'sma-cross', ref: 'sma-cross', symbols: ['ZALF'], timeframe: '1Min', objective: 'sharpe', swept: ['fast', 'slow'], combinations: 8, completed: 8, best: { params: rows[0].params, value: rows[0].metrics.sharpe } }],
        unreadable: [],
      });
      const { jobId: _j, sweepId: _s, ...kept } = sweep;
      expect(await call('backtest.getSweep', { id: sweepId })).toMatchObject({ id: sweepId, swept: ['fast', 'slow'], request: { strategy: 'sma-cross', grid: ['fast=2:5', 'slow=20,30'], objective: 'sharpe' }, result: kept });
      await expect(call('backtest.getSweep', { id: 'nope' })).rejects.toThrow("not_found: no stored sweep 'nope'");
      // A damaged file is named in the listing and by getSweep, and left as it is.
      fs.writeFileSync(path.join(ws, 'runs', 'sweeps', 'broken.json'), '{"v":1,');
      const edited = JSON.parse(fs.readFileSync(path.join(ws, 'runs', 'sweeps', `${sweepId}.json`), 'utf8'));
      edited.id = 'edited';
      edited.result.results[0].metrics.trades = 'many';
      fs.writeFileSync(path.join(ws, 'runs', 'sweeps', 'edited.json'), JSON.stringify(edited));
      const listed = (await call('backtest.sweeps', {})) as unknown as { sweeps: { id: string }[]; unreadable: string[] };
      expect(listed.unreadable).toEqual([expect.stringMatching(/^runs\/sweeps\/broken\.json: not valid JSON/)]);
      await expect(call('backtest.getSweep', { id: 'broken' })).rejects.toThrow(/^bad_input: runs\/sweeps\/broken\.json: not valid JSON/);
      await expect(call('backtest.getSweep', { id: 'edited' })).rejects.toThrow(/^bad_input: runs\/sweeps\/edited\.json: result\.results\.0\.metrics\.trades: /);
      expect(fs.readFileSync(path.join(ws, 'runs', 'sweeps', 'broken.json'), 'utf8')).toBe('{"v":1,');
      // Stored sweeps are not runs.
      expect(((await call('backtest.runs', {})) as unknown as unknown[]).length).toBe(1);

      await expect(call('backtest.run', { strategy: 'sma-cross', symbols: ['ZALF'], params: { fast: 'x' } })).rejects.toThrow(/^bad_input: strategy 'sma-cross': parameter 'fast': /);
      expect(await call('backtest.cancel', { jobId: 'nothing-running' })).toEqual({ canceled: false });
      const strategies = (await call('backtest.strategies', {})) as unknown as { name: string; params: { properties: object } }[];
      expect(strategies.map((s) => s.name)).toEqual(['breakout-bracket', 'sma-cross', 'zscore-reversion']);
      expect(Object.keys(strategies[1].params.properties)).toEqual(['fast', 'slow', 'size']);
      expect((strategies as unknown as { hasTargets: boolean }[]).map((s) => s.hasTargets)).toEqual([false, true, true]);
      // Research gauges: the saved run and the sweep's eight combinations (the run's fast 10 is not in the grid).
      expect((strategies as unknown as { tried: unknown }[]).map((s) => s.tried)).toEqual([null, { backtests: 1, sweeps: 1, combinations: 9 }, null]);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('streams a run from the lake window by window on a worker, with the figures of a whole run, and cancels one midway', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-host-stream-'));
    try {
      await writeSampleLake(path.join(ws, 'lake'), { symbols: 2, days: 8 });
      const { bus, events, call } = hostOn(ws);
      // Cancels job 'c1' at its first bar-level progress event: the worker is then between chunks it must ask the host for.
      bus.subscribe((e) => {
        const p = e.payload as { jobId: string; done: number; finished: boolean };
        if (e.name === 'backtest.progress' && p.jobId === 'c1' && p.done > 0 && !p.finished) void call('backtest.cancel', { jobId: 'c1' });
      });
      const spec = { strategy: 'sma-cross', symbols: ['ZALF', 'ZBRV'], timeframe: '1Min', params: { fast: 3, slow: 12 }, adjustment: 'raw' };
      const whole = (await call('backtest.run', { ...spec, save: false })).summary as Record<string, number>;
      const streamed = await call('backtest.run', { ...spec, jobId: 's1', stream: { chunkDays: 2, lookback: 50 }, detailPoints: 50 });
      const s = streamed.summary as Record<string, number>;
      expect(whole.trades).toBeGreaterThan(20);
      for (const k of ['bars', 'orders', 'fills', 'trades', 'finalEquity', 'totalReturn', 'maxDrawdown', 'winRate']) expect(s[k], k).toBe(whole[k]);
      expect((streamed.detail as { trades: unknown[] }).trades).toHaveLength(whole.trades);
      const progress = events.filter((e) => e.name === 'backtest.progress' && (e.payload as { jobId: string }).jobId === 's1').map((e) => e.payload as { done: number; total: number; finished: boolean });
      expect(progress.at(-1)).toMatchObject({ done: whole.bars, total: whole.bars, finished: true });
      expect(progress.filter((p) => !p.finished && p.total === whole.bars && p.done > 0).length).toBeGreaterThanOrEqual(50);
      expect(((await call('backtest.getRun', { id: streamed.runId })).summary as { bars: number }).bars).toBe(whole.bars);

      await expect(call('backtest.run', { ...spec, jobId: 'c1', stream: { chunkDays: 1 } })).rejects.toThrow(/^canceled: backtest c1 was canceled$/);
      const runs = (await call('backtest.runs', { includeFailed: true })) as unknown as { status: string; error: string | null }[];
      expect(runs.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual(['backtest c1 was canceled']);
      await expect(call('backtest.run', { ...spec, stream: { chunkDays: 0 } })).rejects.toThrow(/^bad_args: backtest\.run\.stream\.chunkDays: Too small: expected number to be >=1$/);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
