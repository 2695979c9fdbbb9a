// Parameter sweeps over a strategy's declared parameters (grid and seeded random search) and
// walk-forward optimisation, both run on the worker pool. Every parameter set is checked against
// the strategy's schema before any work starts, so a typo fails fast with the param's name.
import type { BarData } from '../core/backtest/data';
import type { TickData } from '../core/backtest/ticks';
import { targetsUnsupported } from '../core/backtest/targets';
import { deflatedSharpe } from '../core/metrics/deflated';
import { computeMetrics, type Metrics } from '../core/metrics/metrics';
import { type Rng, createRng } from '../core/random';
import { type TpeAxis, type TpeTrial, gridSize, proposeTpe } from '../core/metrics/tpe';
import { paramsJsonSchema, resolveParams } from '../core/strategy/define';
import type { StrategyDefinition } from '../core/strategy/types';
import { BacktestInputError } from './job';
import { type PoolOptions, WorkerPool, defaultWorkers } from './pool';
import type { StrategySource } from './strategies';
import type { PortableConfig, SweepTask, TaskResult } from './task';

/** A parameter's values to try: an explicit list, or a range a:b:step (inclusive). */
export interface ParamAxis {
  name: string;
  values: unknown[];
  /** For random search: the range the values came from (numbers only). */
  range?: { min: number; max: number; step: number | null };
}

interface PropertySchema {
  type?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

function properties(def: StrategyDefinition): Record<string, PropertySchema> {
  return ((paramsJsonSchema(def) as { properties?: Record<string, PropertySchema> }).properties ?? {}) as Record<string, PropertySchema>;
}

const where = (def: StrategyDefinition, label: string | null) => (label !== null ? `${label}: strategy '${def.name}'` : `strategy '${def.name}'`);

/** Parses `k=a:b:step` or `k=v1,v2,…` against the strategy's declared parameters. */
export function parseGrid(def: StrategyDefinition, specs: readonly string[], label: string | null = null): ParamAxis[] {
  const props = properties(def);
  const axes: ParamAxis[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new BacktestInputError(`--grid ${spec}: expected NAME=FROM:TO:STEP or NAME=V1,V2,…`);
    const name = spec.slice(0, eq);
    const body = spec.slice(eq + 1);
    const prop = props[name];
    if (prop === undefined) throw new BacktestInputError(`${where(def, label)}: parameter '${name}': unknown parameter (known: ${Object.keys(props).join(', ') || 'none'})`);
    if (axes.some((a) => a.name === name)) throw new BacktestInputError(`--grid: parameter '${name}' is given twice`);
    const range = /^(-?[\d.e+-]+):(-?[\d.e+-]+)(?::([\d.e+-]+))?$/.exec(body);
    if (range !== null) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      const isInt = prop.type === 'integer';
      const step = range[3] !== undefined ? Number(range[3]) : isInt ? 1 : NaN;
      if (!(Number.isFinite(a) && Number.isFinite(b) && b >= a)) throw new BacktestInputError(`--grid ${spec}: expected FROM <= TO`);
      if (!(step > 0)) throw new BacktestInputError(`--grid ${spec}: give a positive STEP (FROM:TO:STEP)`);
      const values: number[] = [];
      // Counting steps instead of adding them keeps 0.1-steps free of drift.
      for (let k = 0; a + k * step <= b + step * 1e-9; k++) values.push(Number((a + k * step).toPrecision(12)));
      if (values.length > 100_000) throw new BacktestInputError(`--grid ${spec}: ${values.length} values is too many`);
      axes.push({ name, values, range: { min: a, max: b, step } });
    } else {
      const values = body.split(',').map((v) => {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      });
      axes.push({ name, values });
    }
  }
  return axes;
}

/** Every combination of the axes (the first axis varies slowest), on top of `base` params. */
export function gridCombinations(axes: readonly ParamAxis[], base: Record<string, unknown> = {}): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{ ...base }];
  for (const axis of axes) {
    const next: Record<string, unknown>[] = [];
    for (const c of combos) for (const v of axis.values) next.push({ ...c, [axis.name]: v });
    combos = next;
  }
  return combos;
}

/** `count` seeded draws: numeric ranges uniformly (on their step grid), lists by index. */
export function randomCombinations(axes: readonly ParamAxis[], count: number, seed: number, base: Record<string, unknown> = {}): Record<string, unknown>[] {
  const rng = createRng(seed);
  const out: Record<string, unknown>[] = [];
  for (let k = 0; k < count; k++) {
    const c: Record<string, unknown> = { ...base };
    for (const axis of axes) c[axis.name] = axis.values[rng.int(0, axis.values.length)];
    out.push(c);
  }
  return out;
}

/** Every combination must pass the schema; the first that does not is the error. */
export function checkCombinations(def: StrategyDefinition, combos: readonly Record<string, unknown>[], label: string | null = null): void {
  for (const c of combos) {
    const r = resolveParams(def, c);
    if (!r.ok) throw new BacktestInputError(`${label !== null ? `${label}: ` : ''}${r.message} (in combination ${JSON.stringify(c)})`);
  }
}

export const OBJECTIVES = ['sharpe', 'sortino', 'totalReturn', 'cagr', 'calmar', 'profitFactor', 'expectancy'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Higher is better; runs with no value (no trades, a failed run) sort last. */
export function score(m: Metrics | null, objective: Objective): number {
  if (m === null) return -Infinity;
  const v = m[objective];
  return Number.isFinite(v) ? v : v === Infinity ? Number.MAX_VALUE : -Infinity;
}

/**
 * auto (default): where the strategy has an array form (StrategyDefinition.targets) and the run
 * allows it, every combination is screened with it and the best `verify` are run again through
 * onBar, which must give every figure to the bit; elsewhere, and with events, every combination
 * runs the event loop.
 */
export type SweepMode = 'auto' | 'events';
export const SWEEP_MODES: readonly SweepMode[] = ['auto', 'events'];

export interface SweepRequest {
  strategy: StrategySource;
  definition: StrategyDefinition;
  data: BarData;
  /** Trades and quotes (shared, see shareTickData): a sweep over ticks runs each combination whole. */
  ticks?: TickData;
  config: PortableConfig;
  combos: Record<string, unknown>[];
  objective: Objective;
  fromNs?: bigint;
  toNs?: bigint;
  mode?: SweepMode;
  /** With the array form: how many of the best combinations to re-run through onBar (default 2). */
  verify?: number;
  /**
   * Guided search instead of trying `combos`: `trials` combinations of the axes' values (on top of
   * `base`), proposed batch by batch by TPE from the ones scored so far (seeded, so repeatable).
   */
  guided?: GuidedSearch;
}

export interface GuidedSearch {
  axes: ParamAxis[];
  base: Record<string, unknown>;
  trials: number;
  seed: number;
}

/** How a sweep screened its combinations with the strategy's array form. */
export interface SweepScreen {
  /** Combinations whose figures came from the array form. */
  viaTargets: number;
  /** Combinations the array form could not model (run through onBar instead), and the first reason. */
  fallbacks: number;
  firstFallback: string | null;
  /** Indexes into results of the combinations re-run through onBar, all identical to the bit. */
  verified: number[];
}

export interface SweepOutcome {
  results: TaskResult[];
  /** Indexes into results, best first. */
  ranking: number[];
  canceled: boolean;
  workers: number;
  /** Bars evaluated across all finished tasks (bars × combinations). */
  barEvaluations: number;
  /** Sum of the tasks' engine-loop times. */
  loopMs: number;
  /** Set when the array form screened the combinations. */
  screen: SweepScreen | null;
}

/** The sweep's best Sharpe ratio deflated for the number of combinations tried (annualised figures). */
export interface SweepDeflation {
  /** Trials the best is judged against: this sweep's combinations and the earlier ones. */
  trials: number;
  /** Of those, distinct combinations from earlier sweeps and backtests of the same question (runs/trials.jsonl). */
  earlierTrials: number;
  /** The best combination's Sharpe ratio. */
  bestSharpe: number;
  /** The Sharpe ratio the best of that many combinations with no edge would show by luck. */
  expectedMaxSharpe: number;
  /** P(the best combination's true Sharpe ratio exceeds that), with its returns' skewness and kurtosis. */
  probability: number;
}

/**
 * The deflated Sharpe ratio of a sweep (Bailey & López de Prado): every finished combination's
 * Sharpe ratio counts as a trial, and the best one's return skewness and kurtosis widen or narrow
 * its estimate's spread; null when fewer than two steps or no Sharpe ratio.
 */
export function deflateSweep(results: readonly { readonly metrics: Metrics | null }[], earlier: readonly number[] = []): SweepDeflation | null {
  const done = results.filter((r) => r.metrics !== null && Number.isFinite(r.metrics.sharpe));
  if (done.length === 0) return null;
  const m0 = done[0].metrics as Metrics;
  const ppy = m0.periodsPerYear;
  const steps = Math.round(m0.years * ppy) + 1;
  if (!(ppy > 0) || !(steps > 1)) return null;
  const perStep = done.map((r) => (r.metrics as Metrics).sharpe / Math.sqrt(ppy));
  // The estimate's spread widens with the best combination's skew and fat tails (normal if unknown).
  const bestPerStep = Math.max(...perStep);
  const best = done[perStep.indexOf(bestPerStep)].metrics as Metrics;
  const skew = Number.isFinite(best.skewness) ? best.skewness : 0;
  const kurtosis = Number.isFinite(best.excessKurtosis) ? best.excessKurtosis + 3 : 3;
  // Earlier trials of the same question widen the field the best is judged against; it stays this sweep's best.
  const prior = earlier.filter(Number.isFinite);
  const d = deflatedSharpe([...perStep, ...prior], steps, skew, kurtosis, bestPerStep);
  if (d === null) return null;
  return { trials: d.trials, earlierTrials: prior.length, bestSharpe: bestPerStep * Math.sqrt(ppy), expectedMaxSharpe: d.expectedMax * Math.sqrt(ppy), probability: d.probability };
}

/** How many combinations a sweep will run: its list, or a guided search's budget (at most the grid). */
export function plannedCount(req: Pick<SweepRequest, 'combos' | 'guided'>): number {
  const g = req.guided;
  return g === undefined ? req.combos.length : Math.min(g.trials, g.axes.reduce((n, a) => n * a.values.length, 1));
}

/** `pool`: run on these workers (started for this strategy, data and config) instead of a pool of its own. */
export async function runSweep(req: SweepRequest, opts: PoolOptions & { pool?: WorkerPool } = {}): Promise<SweepOutcome> {
  const mode = req.mode ?? 'auto';
  if (!SWEEP_MODES.includes(mode)) throw new BacktestInputError(`--mode ${String(mode)}: expected one of ${SWEEP_MODES.join(', ')}`);
  const screening = mode === 'auto' && targetsUnsupported(req.definition, req.data, req.config, req.ticks !== undefined) === null;
  const tasks: SweepTask[] = req.combos.map((params, index) => ({ index, params, fromNs: req.fromNs, toNs: req.toNs, ...(screening ? { mode: 'targets' as const } : {}) }));
  const planned = plannedCount(req);
  if (planned === 0 || opts.signal?.aborted) return { results: [], ranking: [], canceled: opts.signal?.aborted === true, workers: 0, barEvaluations: 0, loopMs: 0, screen: null };
  // The re-runs go to the same workers, so a sweep without a pool keeps its own until they are done.
  const pool = opts.pool ?? (await WorkerPool.start({ strategy: req.strategy, data: req.data, ticks: req.ticks, config: req.config }, Math.min(opts.workers ?? defaultWorkers(), planned)));
  try {
    const out = req.guided !== undefined ? await runGuided(req, req.guided, screening, pool, opts) : await pool.run(tasks, opts);
    const results = out.results.filter((r): r is TaskResult => r !== undefined);
    const ranking = results.map((_, i) => i).sort((a, b) => score(results[b].metrics, req.objective) - score(results[a].metrics, req.objective) || a - b);
    let barEvaluations = 0;
    let loopMs = 0;
    for (const r of results) {
      barEvaluations += r.bars;
      loopMs += r.loopMs;
    }
    const screen = screening && !out.canceled ? await verifyScreen(req, results, ranking, pool, opts) : null;
    return { results, ranking, canceled: out.canceled, workers: out.workers, barEvaluations, loopMs, screen };
  } finally {
    if (opts.pool === undefined) await pool.close();
  }
}

/**
 * A guided search's state: TPE over the axes' values (on top of the base parameters), proposed
 * from the combinations scored so far. The first trials (a fifth of the budget, 4 to 10) are random.
 */
export class GuidedProposer {
  /** The trials to run: the budget, at most the whole grid. */
  readonly budget: number;
  private readonly axes: TpeAxis[];
  private readonly startup: number;
  private readonly rng: Rng;
  private readonly history: TpeTrial[] = [];

  constructor(private readonly g: GuidedSearch) {
    this.axes = g.axes.map((a) => ({ size: a.values.length, ordered: a.values.every((v) => typeof v === 'number') }));
    this.budget = Math.min(g.trials, gridSize(this.axes));
    this.startup = Math.max(4, Math.min(10, Math.ceil(this.budget / 5)));
    this.rng = createRng(g.seed);
  }

  /** Up to `count` untried combinations: their value indexes and their parameters. */
  propose(count: number): { at: number[]; params: Record<string, unknown> }[] {
    return proposeTpe(this.axes, this.history, count, this.rng, { startup: this.startup }).map((at) => {
      const params: Record<string, unknown> = { ...this.g.base };
      this.g.axes.forEach((a, d) => (params[a.name] = a.values[at[d]]));
      return { at, params };
    });
  }

  /** A proposed combination's score (higher is better; -Infinity for a failed run). */
  record(at: number[], value: number): void {
    this.history.push({ at, score: value });
  }
}

/** A guided search batch by batch on the pool: two proposals per worker, each batch from every combination scored before it. */
async function runGuided(req: SweepRequest, g: GuidedSearch, screening: boolean, pool: WorkerPool, opts: PoolOptions): Promise<{ results: TaskResult[]; canceled: boolean; workers: number }> {
  const search = new GuidedProposer(g);
  const budget = search.budget;
  const results: TaskResult[] = [];
  const batch = 2 * pool.size;
  while (results.length < budget) {
    const proposals = search.propose(Math.min(batch, budget - results.length));
    if (proposals.length === 0) break;
    const first = results.length;
    const tasks: SweepTask[] = proposals.map(({ params }, k) => ({ index: k, params, fromNs: req.fromNs, toNs: req.toNs, ...(screening ? { mode: 'targets' as const } : {}) }));
    const out = await pool.run(tasks, { ...opts, onProgress: opts.onProgress ? (d, _n, last) => opts.onProgress?.(first + d, budget, last) : undefined });
    out.results.forEach((r, k) => {
      if (r === undefined) return;
      results.push({ ...r, index: first + k });
      search.record(proposals[k].at, score(r.metrics, req.objective));
    });
    if (out.canceled) return { results, canceled: true, workers: out.workers };
  }
  return { results, canceled: false, workers: pool.size };
}

/** The screen as the CLI and the host report it: the verified combinations by their params. */
export function screenSummary(out: SweepOutcome): { viaTargets: number; fallbacks: number; firstFallback: string | null; verified: Record<string, unknown>[] } | null {
  const s = out.screen;
  return s === null ? null : { viaTargets: s.viaTargets, fallbacks: s.fallbacks, firstFallback: s.firstFallback, verified: s.verified.map((i) => out.results[i].params) };
}

/** The first figure two runs disagree on, or null (NaN equals NaN; 0 and −0 differ). */
function firstDifference(a: Metrics, b: Metrics): string | null {
  for (const k of Object.keys(a) as (keyof Metrics)[]) if (!Object.is(a[k], b[k])) return `${k} ${a[k]} (targets) vs ${b[k]} (onBar)`;
  return null;
}

/**
 * Null when the array form's figures for `params` are the event loop's to the bit; otherwise the
 * message that names the strategy, the combination and the first figure that differs.
 */
export function screenMismatch(def: StrategyDefinition, params: Record<string, unknown>, viaTargets: Metrics, viaEvents: Metrics | null, eventsError: string | null): string | null {
  const diff = viaEvents === null ? `onBar failed: ${eventsError}` : firstDifference(viaTargets, viaEvents);
  return diff === null
    ? null
    : `strategy '${def.name}': its targets() form and its onBar disagree for ${JSON.stringify(params)}: ${diff}. Make targets() decide exactly what onBar decides, or sweep with --mode events.`;
}

/** Re-runs the best combinations the array form scored through onBar: every figure must be the same. */
async function verifyScreen(req: SweepRequest, results: TaskResult[], ranking: number[], pool: WorkerPool, opts: PoolOptions): Promise<SweepScreen> {
  const viaTargets = results.filter((r) => r.via === 'targets');
  const fallbacks = results.filter((r) => r.via === 'events' && r.fallback);
  const picked = ranking.filter((i) => results[i].via === 'targets' && results[i].ok).slice(0, Math.max(0, req.verify ?? 2));
  const check = await pool.run(
    picked.map((i, k) => ({ index: k, params: results[i].params, fromNs: req.fromNs, toNs: req.toNs })),
    { signal: opts.signal, workers: opts.workers },
  );
  picked.forEach((i, k) => {
    const again = check.results[k];
    if (again === undefined) return;
    const mismatch = screenMismatch(req.definition, results[i].params, results[i].metrics as Metrics, again.metrics, again.error);
    if (mismatch !== null) throw new BacktestInputError(mismatch);
  });
  return { viaTargets: viaTargets.length, fallbacks: fallbacks.length, firstFallback: fallbacks[0]?.fallback ?? null, verified: check.canceled ? [] : picked };
}

/** The sorted distinct close times across symbols (and tick times, with ticks): the timeline walk-forward windows are cut on. */
export function unionTimeline(data: BarData, ticks?: TickData): BigInt64Array {
  const columns: BigInt64Array[] = Object.values(data).map((c) => c.ts);
  for (const t of Object.values(ticks ?? {})) {
    if (t.trades !== undefined) columns.push(t.trades.ts);
    if (t.quotes !== undefined) columns.push(t.quotes.ts);
  }
  let total = 0;
  for (const ts of columns) total += ts.length;
  const all = new BigInt64Array(total);
  let at = 0;
  for (const ts of columns) {
    all.set(ts, at);
    at += ts.length;
  }
  all.sort();
  let w = 0;
  for (let r = 0; r < all.length; r++) if (r === 0 || all[r] !== all[w - 1]) all[w++] = all[r];
  return all.slice(0, w);
}

export interface WalkForwardFold {
  fold: number;
  inSample: { fromNs: bigint; toNs: bigint; bars: number };
  outOfSample: { fromNs: bigint; toNs: bigint; bars: number };
  bestParams: Record<string, unknown> | null;
  inSampleScore: number | null;
  /** The in-sample figures of the winning combination. */
  inSampleMetrics: Metrics | null;
  outOfSampleMetrics: Metrics | null;
}

export interface WalkForwardOutcome {
  folds: WalkForwardFold[];
  /** Out-of-sample equity of every fold chained: each fold starts from the previous fold's end. */
  stitched: { ts: BigInt64Array; equity: Float64Array };
  stitchedMetrics: Metrics | null;
  canceled: boolean;
  barEvaluations: number;
  /** Every in-sample combination tried, per fold window: trials of the question like a sweep's. */
  inSampleTrials: { fromNs: bigint; toNs: bigint; results: { params: Record<string, unknown>; metrics: Metrics | null }[] }[];
}

export interface WalkForwardRequest extends Omit<SweepRequest, 'fromNs' | 'toNs'> {
  folds: number;
  /** Share of each window used in-sample, e.g. 0.6 (windows roll forward by the out-of-sample length). */
  inSampleFraction: number;
  initialCash: number;
  /** Anchored: every in-sample window starts at the first bar and grows fold by fold (rolling: fixed length). */
  anchored?: boolean;
}

/**
 * Walk-forward: the out-of-sample segments tile the last (1 − f) of the timeline in `folds` equal
 * pieces; each is preceded by an in-sample window of fixed length (rolling) or by everything
 * before it (anchored). Each fold's best in-sample parameters run out of sample from a fresh
 * start (indicators warm up again).
 */
export async function runWalkForward(req: WalkForwardRequest, opts: PoolOptions = {}): Promise<WalkForwardOutcome> {
  // Windows are cut on the times of the run's events: its bars and, with ticks, its trades and quotes.
  const t = unionTimeline(req.data, req.ticks);
  const unit = req.ticks !== undefined ? 'event times' : 'bars';
  const total = t.length;
  if (!(req.folds >= 1 && Number.isInteger(req.folds))) throw new BacktestInputError(`--folds ${req.folds}: expected a positive integer`);
  if (!(req.inSampleFraction > 0 && req.inSampleFraction < 1)) throw new BacktestInputError(`--in-sample ${req.inSampleFraction}: expected a fraction in (0, 1)`);
  // The epsilon keeps 1560 × (1 − 0.55) = 701.9999… from losing a bar.
  const oosLen = Math.floor((total * (1 - req.inSampleFraction)) / req.folds + 1e-9);
  const isLen = total - req.folds * oosLen;
  if (oosLen < 2 || isLen < 2) throw new BacktestInputError(`walk-forward: ${total} ${unit} are too few for ${req.folds} folds`);

  // One pool for every fold's sweep and out-of-sample run: the workers load the strategy and the
  // shared bars once, instead of twice per fold.
  const pool = await WorkerPool.start({ strategy: req.strategy, data: req.data, ticks: req.ticks, config: req.config }, Math.min(opts.workers ?? defaultWorkers(), plannedCount(req)));
  try {
    return await walkFolds(req, t, oosLen, isLen, pool, opts);
  } finally {
    await pool.close();
  }
}

async function walkFolds(req: WalkForwardRequest, t: BigInt64Array, oosLen: number, isLen: number, pool: WorkerPool, opts: PoolOptions): Promise<WalkForwardOutcome> {
  const planned = plannedCount(req);
  const inSampleTrials: WalkForwardOutcome['inSampleTrials'] = [];
  const folds: WalkForwardFold[] = [];
  const stitchedTs: bigint[] = [];
  const stitchedEq: number[] = [];
  const pnls: number[] = [];
  let capital = req.initialCash;
  let barEvaluations = 0;
  let canceled = false;
  for (let k = 0; k < req.folds; k++) {
    const isFrom = req.anchored === true ? 0 : k * oosLen;
    const isTo = k * oosLen + isLen - 1;
    const oosFrom = isTo + 1;
    const oosTo = oosFrom + oosLen - 1;
    const fold: WalkForwardFold = {
      fold: k + 1,
      inSample: { fromNs: t[isFrom], toNs: t[isTo], bars: isTo - isFrom + 1 },
      outOfSample: { fromNs: t[oosFrom], toNs: t[oosTo], bars: oosLen },
      bestParams: null,
      inSampleScore: null,
      inSampleMetrics: null,
      outOfSampleMetrics: null,
    };
    folds.push(fold);
    const progress = opts.onProgress;
    const sweep = await runSweep(
      { ...req, fromNs: t[isFrom], toNs: t[isTo] },
      { ...opts, pool, onProgress: progress ? (d, _n, last) => progress(k * (planned + 1) + d, req.folds * (planned + 1), last) : undefined },
    );
    barEvaluations += sweep.barEvaluations;
    inSampleTrials.push({ fromNs: t[isFrom], toNs: t[isTo], results: sweep.results.map((r) => ({ params: r.params, metrics: r.metrics })) });
    if (sweep.canceled) {
      canceled = true;
      break;
    }
    const best = sweep.results[sweep.ranking[0]];
    if (best === undefined || best.metrics === null) continue;
    fold.bestParams = best.params;
    fold.inSampleScore = score(best.metrics, req.objective);
    fold.inSampleMetrics = best.metrics;
    const oos = await pool.run([{ index: 0, params: best.params, fromNs: t[oosFrom], toNs: t[oosTo], detail: true, initialCash: capital }], {
      ...opts,
      onProgress: progress ? (_d, _n, last) => progress((k + 1) * (planned + 1), req.folds * (planned + 1), last) : undefined,
    });
    if (oos.canceled) {
      canceled = true;
      break;
    }
    const r = oos.results[0];
    if (r === undefined || !r.ok || r.equityTs === undefined || r.equity === undefined) continue;
    barEvaluations += r.bars;
    fold.outOfSampleMetrics = r.metrics;
    for (let i = 0; i < r.equityTs.length; i++) {
      stitchedTs.push(r.equityTs[i]);
      stitchedEq.push(r.equity[i]);
    }
    pnls.push(...(r.tradePnls ?? []));
    if (r.equity.length > 0) capital = r.equity[r.equity.length - 1];
  }
  const stitched = { ts: BigInt64Array.from(stitchedTs), equity: Float64Array.from(stitchedEq) };
  const stitchedMetrics =
    stitched.ts.length > 1 ? computeMetrics({ ts: stitched.ts, equity: stitched.equity, initialCash: req.initialCash, tradePnls: pnls, riskFreeRate: req.config.riskFreeRate }) : null;
  return { folds, stitched, stitchedMetrics, canceled, barEvaluations, inSampleTrials };
}
