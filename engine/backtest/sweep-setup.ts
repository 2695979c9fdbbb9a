// One preparation of a sweep or walk-forward for both front doors (the host contract and the
// CLI): load the strategy and bars, enumerate and check the parameter combinations, and share the
// bars with the workers.
import { BacktestInputError, type BacktestSpec, type PreparedBacktest, prepareBacktest } from './job';
import type { Metrics } from '../core/metrics/metrics';
import { paramLocation } from './strategies';
import { recordSweep } from './trials';
import { saveSweep, sweptNames } from './stored-sweeps';
import { finite, isoOfNs } from './summary';
import { OBJECTIVES, type Objective, SWEEP_MODES, type SweepMode, type SweepOutcome, type SweepRequest, type WalkForwardOutcome, screenSummary, checkCombinations, gridCombinations, parseGrid, randomCombinations } from './sweep';
import { type PortableConfig, portableConfig, shareBarData, shareTickData } from './task';

export interface SweepArgs {
  grid: readonly string[];
  /** Draw this many combinations from the grid's ranges instead of trying all. */
  random?: number;
  /** Guided search: this many combinations of the grid, each batch proposed by TPE from the ones scored before. */
  tpe?: number;
  seed: number;
  objective: string;
  /** auto (default) or events: see SweepMode. */
  mode?: string;
  /** With the array form: the best combinations re-run through onBar (default 2, at least 1). */
  verify?: number;
}

export interface PreparedSweep {
  prepared: PreparedBacktest;
  /** What runSweep takes; a walk-forward adds its folds, in-sample share and initial cash. */
  request: SweepRequest;
}

export async function prepareSweep(workspaceDir: string, spec: BacktestSpec, args: SweepArgs): Promise<PreparedSweep> {
  if (!OBJECTIVES.includes(args.objective as Objective)) throw new BacktestInputError(`objective ${args.objective}: expected one of ${OBJECTIVES.join(', ')}`);
  if (args.mode !== undefined && !SWEEP_MODES.includes(args.mode as SweepMode)) throw new BacktestInputError(`mode ${args.mode}: expected one of ${SWEEP_MODES.join(', ')}`);
  if (args.grid.length === 0) throw new BacktestInputError('give at least one grid axis NAME=FROM:TO:STEP');
  if (args.random !== undefined && !(Number.isInteger(args.random) && args.random > 0)) throw new BacktestInputError(`random ${args.random}: expected a positive integer`);
  if (args.tpe !== undefined && !(Number.isInteger(args.tpe) && args.tpe > 0)) throw new BacktestInputError(`tpe ${args.tpe}: expected a positive integer`);
  if (args.verify !== undefined && !(Number.isInteger(args.verify) && args.verify >= 1)) throw new BacktestInputError(`verify ${args.verify}: expected a whole number >= 1 (the best combinations re-run through onBar)`);
  if (args.tpe !== undefined && args.random !== undefined) throw new BacktestInputError('random and tpe are two ways to pick combinations: give one');
  const prepared = await prepareBacktest(workspaceDir, spec);
  // File strategies: errors point at the params declaration (file:line).
  const label = paramLocation(prepared.strategy.source, null);
  const axes = parseGrid(prepared.strategy.definition, args.grid, label);
  // A guided search picks its combinations as it goes: each value of each axis is checked on its own.
  const combos =
    args.tpe !== undefined
      ? axes.flatMap((a) => a.values.map((v) => ({ ...prepared.params, [a.name]: v })))
      : args.random !== undefined
        ? randomCombinations(axes, args.random, args.seed, prepared.params)
        : gridCombinations(axes, prepared.params);
  checkCombinations(prepared.strategy.definition, combos, label);
  // Workers get plain data: no functions cross the thread boundary.
  const config = portableConfig(prepared.config);
  return {
    prepared,
    request: {
      strategy: prepared.strategy.source,
      definition: prepared.strategy.definition,
      data: shareBarData(prepared.data),
      ...(prepared.ticks !== undefined ? { ticks: shareTickData(prepared.ticks) } : {}),
      config: config as PortableConfig,
      combos: args.tpe !== undefined ? [] : combos,
      objective: args.objective as Objective,
      mode: (args.mode ?? 'auto') as SweepMode,
      ...(args.verify !== undefined ? { verify: args.verify } : {}),
      ...(args.tpe !== undefined ? { guided: { axes, base: prepared.params, trials: args.tpe, seed: args.seed } } : {}),
    },
  };
}

/** The figures a sweep row shows (finite or null: JSON has no Infinity). */
export function sweepMetricRow(m: Metrics | null) {
  return m === null
    ? null
    : { totalReturn: finite(m.totalReturn), cagr: finite(m.cagr), sharpe: finite(m.sharpe), sortino: finite(m.sortino), calmar: finite(m.calmar), maxDrawdown: finite(m.maxDrawdown), winRate: finite(m.winRate), profitFactor: finite(m.profitFactor), expectancy: finite(m.expectancy), trades: m.trades };
}

/**
 * A finished (or canceled) sweep for both front doors: deflated for every trial of its question
 * and logged (trials.ts), ranked into rows, and, with `save`, kept under runs/sweeps/ to reopen.
 */
export function finishSweep(workspaceDir: string, prepared: PreparedBacktest, spec: BacktestSpec, args: SweepArgs, combinations: number, out: SweepOutcome, elapsedMs: number, save: boolean) {
  const def = prepared.strategy.definition;
  const { deflated, research } = recordSweep(workspaceDir, def, { strategy: def.name, symbols: prepared.symbols, timeframe: spec.timeframe }, { from: spec.from, to: spec.to }, out.results);
  const result = {
    canceled: out.canceled,
    combinations,
    completed: out.results.length,
    workers: out.workers,
    results: out.ranking.map((i) => ({ params: out.results[i].params, metrics: sweepMetricRow(out.results[i].metrics), error: out.results[i].error })),
    deflated,
    research,
    screen: screenSummary(out),
    barEvaluations: out.barEvaluations,
    elapsedMs,
  };
  // A canceled sweep is kept too: what finished, marked canceled.
  const sweepId =
    save && out.results.length > 0
      ? saveSweep(workspaceDir, {
          strategy: def.name,
          symbols: prepared.symbols,
          timeframe: spec.timeframe,
          objective: args.objective,
          swept: sweptNames(args.grid),
          request: { ...spec, grid: args.grid, objective: args.objective, mode: args.mode ?? 'auto', ...(args.random !== undefined ? { random: args.random, seed: args.seed } : {}), ...(args.tpe !== undefined ? { tpe: args.tpe, seed: args.seed } : {}) },
          result,
        })
      : null;
  return { result, sweepId };
}

/**
 * A walk-forward's in-sample combinations are trials of its question too: each fold's are logged
 * with the fold's window as their date range (so they are told apart from whole-range sweeps).
 */
export function recordWalkForwardTrials(workspaceDir: string, prepared: PreparedBacktest, spec: BacktestSpec, wf: WalkForwardOutcome): void {
  const def = prepared.strategy.definition;
  for (const fold of wf.inSampleTrials) {
    recordSweep(workspaceDir, def, { strategy: def.name, symbols: prepared.symbols, timeframe: spec.timeframe }, { from: isoOfNs(fold.fromNs), to: isoOfNs(fold.toNs) }, fold.results);
  }
}
