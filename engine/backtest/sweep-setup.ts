// One preparation of a sweep or walk-forward for both front doors (the host contract and the
// CLI): load the strategy and bars, enumerate and check the parameter combinations, and share the
// bars with the workers.
import { BacktestInputError, type BacktestSpec, type PreparedBacktest, prepareBacktest } from './job';
import type { Metrics } from '../core/metrics/metrics';
import { paramLocation } from './strategies';
import { recordSweep } from './trials';
import { OBJECTIVES, type Objective, SWEEP_MODES, type SweepMode, type SweepRequest, checkCombinations, gridCombinations, parseGrid, randomCombinations } from './sweep';
import { type PortableConfig, portableConfig, shareBarData, shareTickData } from './task';

export interface SweepArgs {
  grid: readonly string[];
  /** Draw this many combinations from the grid's ranges instead of trying all. */
  random?: number;
  seed: number;
  objective: string;
  /** auto (default) or events: see SweepMode. */
  mode?: string;
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
  const prepared = await prepareBacktest(workspaceDir, spec);
  // File strategies: errors point at the params declaration (file:line).
  const label = paramLocation(prepared.strategy.source, null);
  const axes = parseGrid(prepared.strategy.definition, args.grid, label);
  const combos = args.random !== undefined ? randomCombinations(axes, args.random, args.seed, prepared.params) : gridCombinations(axes, prepared.params);
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
      combos,
      objective: args.objective as Objective,
      mode: (args.mode ?? 'auto') as SweepMode,
    },
  };
}

/** The finished part of a sweep, deflated for every trial of its question and logged (see trials.ts). */
export function recordPreparedSweep(workspaceDir: string, prepared: PreparedBacktest, spec: BacktestSpec, results: readonly { params: Record<string, unknown>; metrics: Metrics | null }[]) {
  return recordSweep(workspaceDir, prepared.strategy.definition, { strategy: prepared.strategy.definition.name, symbols: prepared.symbols, timeframe: spec.timeframe }, { from: spec.from, to: spec.to }, results);
}
