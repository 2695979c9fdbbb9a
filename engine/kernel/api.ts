// The engine API a notebook sees as globals and as `import { … } from 'studio'`: SQL on the lake,
// the lake's bars as columns, the streaming indicators, the strategy API and the backtest engine.
// The lake is opened on first use so a kernel that never queries starts fast.
import { z } from 'zod';
import type { Lake, QueryResult } from '../lake/lake';
import type { Plain } from '../lake/values';
import type { Table } from 'apache-arrow';
import { bindable, placeholders } from './sql-cell';
import * as indicators from '../core/indicators/index';
import { checkBarData, runBacktest, type BacktestConfig, type BacktestResult, type BarData } from '../core/backtest/index';
import { defineStrategy, type StrategyDefinition } from '../core/strategy/index';
import { exampleStrategies } from '../core/strategy/examples/index';
import type { BarRequest } from '../backtest/bars';
import type { SweepDeflation } from '../backtest/sweep';
import type { ResearchTally, TrialQuestion } from '../backtest/trials';
import { SeriesMemo, runTargets, targetsUnsupported } from '../core/backtest/targets';
import type { Metrics } from '../core/metrics/metrics';
// DuckDB, Arrow and the strategy compiler load on first use (dynamic imports, split into their own
// chunks by the build): a kernel whose cells never touch the lake starts ~250 ms sooner.

export type Rows = Record<string, Plain>[] & { columns: QueryResult['columns'] };

export interface NotebookBarRequest extends Omit<BarRequest, 'timeframe'> {
  /** Default '1Day'. */
  timeframe?: string;
}

export interface NotebookBacktest extends NotebookBarRequest {
  /** A definition (e.g. from defineStrategy in an earlier cell), or a name: a shipped example or a file in the workspace's strategies/. */
  strategy: StrategyDefinition | string;
  params?: Record<string, unknown>;
  config?: BacktestConfig;
}

export interface NotebookSweep extends NotebookBacktest {
  /** The values to try for each parameter: every combination runs (the other parameters from `params`). */
  grid: Record<string, readonly unknown[]>;
  /** What ranks the combinations, higher first (default sharpe). */
  objective?: 'sharpe' | 'sortino' | 'totalReturn' | 'cagr' | 'calmar' | 'profitFactor' | 'expectancy';
  /**
   * auto (default): a strategy with a targets() form is screened with it (one symbol, bars only)
   * and its best two combinations re-run through onBar, which must agree to the bit; events:
   * every combination through onBar.
   */
  mode?: 'auto' | 'events';
  /** Guided search: this many combinations of the grid, each proposed by TPE from the ones scored before (seeded by `seed`, default 1). */
  tpe?: number;
  seed?: number;
}

/** One combination of a sweep: its parameters and figures (null when its run failed, with the reason). */
export interface SweepRow {
  params: Record<string, unknown>;
  metrics: Metrics | null;
  error: string | null;
  /** Which loop gave the figures: the strategy's targets() form or the event loop (onBar). */
  via: 'targets' | 'events';
}

/** The research question a notebook run belongs to in the trial log: strategy, symbols, timeframe. */
function questionOf(strategy: StrategyDefinition, req: NotebookBarRequest): TrialQuestion {
  return { strategy: strategy.name, symbols: [...req.symbols], timeframe: req.timeframe ?? '1Day' };
}

/** A backtest that could not run (bad parameters, no data, a strategy that threw): the message says which. */
export class BacktestFailed extends Error {
  override name = 'BacktestFailed';
}

export interface StudioApi {
  /** Runs SQL on the lake. As a tag, interpolated values become bound parameters: sql`… where symbol = ${s}`. */
  sql(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows>;
  /** Like `sql`, but the result is an Apache Arrow table (what a `%%sql NAME` cell binds to NAME). */
  sqlTable(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Table>;
  /** The workspace's lake (DuckDB over its Parquet files). */
  lake(): Promise<Lake>;
  /** Bars of each symbol as typed-array columns, stamped at their close times (what a backtest runs on). */
  bars(req: NotebookBarRequest): Promise<BarData>;
  /** Runs a backtest on the lake's bars; throws BacktestFailed with the reason when it cannot. */
  backtest(req: NotebookBacktest): Promise<BacktestResult>;
  /**
   * Runs every combination of `grid` on the lake's bars (read once) in this kernel, best first by
   * the objective; `deflated` is the best Sharpe ratio deflated for the combinations tried.
   */
  sweep(req: NotebookSweep): Promise<SweepRow[] & { deflated: SweepDeflation | null; research: ResearchTally }>;
  /** Streaming indicators (Sma, Ema, Rsi, Macd, Bollinger, Atr, …): O(1) per update. */
  indicators: typeof indicators;
  /** The shipped example strategies, by name. */
  strategies: Readonly<Record<string, StrategyDefinition>>;
  defineStrategy: typeof defineStrategy;
  /** zod, for strategy parameters. */
  z: typeof z;
  workspaceDir: string;
}

export function createStudioApi(workspaceDir: string, lakeDir: string): { api: StudioApi; close(): void } {
  let lakePromise: Promise<Lake> | null = null;
  const lake = () => (lakePromise ??= import('../lake/lake').then((m) => m.Lake.open(lakeDir)));
  const args = (query: string | TemplateStringsArray, params: unknown[]): [string, unknown[]] =>
    typeof query === 'string'
      ? [query, Array.isArray(params[0]) ? (params[0] as unknown[]) : params]
      : [placeholders(query), params];
  const sql = async (query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows> => {
    const [text, values] = args(query, params);
    const res = await (await lake()).query(text, values.map(bindable));
    return Object.assign(res.rows, { columns: res.columns });
  };
  const sqlTable = async (query: string | TemplateStringsArray, ...params: unknown[]): Promise<Table> => {
    const [text, values] = args(query, params);
    const { queryArrow } = await import('./sql-query');
    return queryArrow((await lake()).connection, text, values);
  };
  const bars = async (req: NotebookBarRequest): Promise<BarData> => {
    if (!Array.isArray(req?.symbols) || req.symbols.length === 0) throw new BacktestFailed('bars: expected { symbols: [at least one symbol], timeframe?, from?, to? }');
    const { checkTimeframe, readLakeBars } = await import('../backtest/bars');
    return readLakeBars(lakeDir, { ...req, timeframe: checkTimeframe(req.timeframe ?? '1Day') });
  };
  const backtest = async (req: NotebookBacktest): Promise<BacktestResult> => {
    const { loadStrategy } = await import('../backtest/strategies');
    const strategy = typeof req.strategy === 'string' ? (await loadStrategy(req.strategy, workspaceDir, workspaceDir)).definition : req.strategy;
    const outcome = runBacktest({
      strategy,
      params: req.params,
      data: await bars(req),
      // Loop timing is wall-clock and kept out of results; a notebook asks for it like the CLI.
      config: { stopwatch: () => performance.now(), ...req.config },
    });
    if (!outcome.ok) {
      const e = outcome.error;
      const where = e.handler ? ` (in ${e.handler})` : '';
      throw new BacktestFailed(`${strategy.name}: ${e.kind}: ${e.message}${where}`);
    }
    // A backtest in a notebook is a trial of its question too (runs/trials.jsonl), like a saved run.
    const { recordBacktest } = await import('../backtest/trials');
    recordBacktest(workspaceDir, strategy, questionOf(strategy, req), req, outcome.result.params as Record<string, unknown>, outcome.result.metrics);
    return outcome.result;
  };
  const sweep = async (req: NotebookSweep): Promise<SweepRow[] & { deflated: SweepDeflation | null; research: ResearchTally }> => {
    const { loadStrategy } = await import('../backtest/strategies');
    const { GuidedProposer, checkCombinations, gridCombinations, score, screenMismatch } = await import('../backtest/sweep');
    const { recordSweep } = await import('../backtest/trials');
    const strategy = typeof req.strategy === 'string' ? (await loadStrategy(req.strategy, workspaceDir, workspaceDir)).definition : req.strategy;
    if (typeof req.grid !== 'object' || req.grid === null || Object.keys(req.grid).length === 0) throw new BacktestFailed('sweep: expected grid: { param: [values…], … }');
    for (const [name, values] of Object.entries(req.grid)) if (!Array.isArray(values) || values.length === 0) throw new BacktestFailed(`sweep: grid.${name}: expected a non-empty array of values`);
    const objective = req.objective ?? 'sharpe';
    const axes = Object.entries(req.grid).map(([name, values]) => ({ name, values: [...values] }));
    if (req.tpe !== undefined && !(Number.isInteger(req.tpe) && req.tpe > 0)) throw new BacktestFailed(`sweep: tpe: expected a positive whole number of combinations, got ${String(req.tpe)}`);
    // A guided search picks its combinations as it goes: each value of each axis is checked on its own.
    const combos = req.tpe !== undefined ? axes.flatMap((a) => a.values.map((v) => ({ ...(req.params ?? {}), [a.name]: v }))) : gridCombinations(axes, req.params ?? {});
    try {
      checkCombinations(strategy, combos);
    } catch (e) {
      throw new BacktestFailed((e as Error).message);
    }
    const data = await bars(req);
    const bad = checkBarData(data);
    if (bad !== null) throw new BacktestFailed(`sweep: ${bad}`);
    // Each combination's curve goes to one reused column; only the figures are kept.
    let total = 0;
    for (const c of Object.values(data)) total += c.ts.length;
    const equityScratch = new Float64Array(total);
    const onBar = (params: Record<string, unknown>): SweepRow => {
      const out = runBacktest({ strategy, params, data, equityScratch, dataChecked: true, config: { ...req.config, keepOrderLog: false } });
      return out.ok ? { params, metrics: out.result.metrics, error: null, via: 'events' } : { params, metrics: null, error: `${out.error.kind}: ${out.error.message}`, via: 'events' };
    };
    const screen = req.mode !== 'events' && targetsUnsupported(strategy, data, req.config) === null;
    const memo = new SeriesMemo();
    const evaluate = (params: Record<string, unknown>): SweepRow => {
      if (!screen) return onBar(params);
      const t = runTargets({ strategy, params, data, memo, equityScratch, dataChecked: true, config: req.config });
      if (t.kind === 'figures') return { params, metrics: t.metrics, error: null, via: 'targets' };
      if (t.kind === 'error') return { params, metrics: null, error: `${t.error.kind}: ${t.error.message}`, via: 'targets' };
      return onBar(params);
    };
    let rows: SweepRow[];
    if (req.tpe === undefined) rows = combos.map(evaluate);
    else {
      // One proposal at a time: each from every combination scored before it.
      const search = new GuidedProposer({ axes, base: req.params ?? {}, trials: req.tpe, seed: req.seed ?? 1 });
      rows = [];
      while (rows.length < search.budget) {
        const [next] = search.propose(1);
        if (next === undefined) break;
        const row = evaluate(next.params);
        rows.push(row);
        search.record(next.at, score(row.metrics, objective));
      }
    }
    // Deflated for every trial of the question in the workspace's log, and logged itself.
    const { deflated, research } = recordSweep(workspaceDir, strategy, questionOf(strategy, req), req, rows);
    const ranked = rows.map((r, i) => ({ r, i })).sort((a, b) => score(b.r.metrics, objective) - score(a.r.metrics, objective) || a.i - b.i).map((x) => x.r);
    // The best two the array form scored, again through onBar: every figure must be the same.
    for (const r of ranked.filter((x) => x.via === 'targets' && x.metrics !== null).slice(0, 2)) {
      const again = onBar(r.params);
      const mismatch = screenMismatch(strategy, r.params, r.metrics as Metrics, again.metrics, again.error);
      if (mismatch !== null) throw new BacktestFailed(mismatch);
    }
    return Object.assign(ranked, { deflated, research });
  };
  return {
    api: { sql, sqlTable, lake, bars, backtest, sweep, indicators, strategies: exampleStrategies, defineStrategy, z, workspaceDir },
    close() {
      void lakePromise?.then((l) => l.close());
    },
  };
}
