// One backtest from user-level inputs (strategy name or file, symbols, dates, cash, fill and fee
// names): load the strategy, read the bars, run the pure engine, summarise, and store the run.
// The CLI and the host both call this, so both report the same errors the same way.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BacktestConfig } from '../core/backtest/config';
import type { BarData } from '../core/backtest/data';
import { type BacktestOutcome, type BacktestResult, runBacktest, runBacktestStream } from '../core/backtest/runner';
import type { Timeframe } from '../core/data/bars';
import type { FeeModel } from '../core/orders/costs';
import { resolveParams } from '../core/strategy/define';
import type { Adjustment } from '../lake/read';
import { BarRequestError, lakeBarWindows, readCorporateActions, readLakeBars } from './bars';
import { type TickKind, checkLatency, checkTickKind, parseSlippage, readLakeTicks } from './ticks';
import type { TickData } from '../core/backtest/ticks';
import { completeRun, createRun, failRun } from './runs';
import { recordBacktest } from './trials';
import { type LoadedStrategy, loadStrategy, paramLocation, strategyErrorLocation } from './strategies';
import { type BacktestSummary, summarize } from './summary';

export const FILL_NAMES = ['next-open', 'close', 'intrabar'] as const;
export type FillName = (typeof FILL_NAMES)[number];

export interface BacktestSpec {
  strategy: string;
  symbols: string[];
  timeframe: Timeframe;
  from?: string;
  to?: string;
  cash?: number;
  params?: Record<string, unknown>;
  /**
   * next-open (default) and intrabar: market orders fill at the next bar's open and resting
   * orders along the adaptive intrabar path (intrabar names that explicitly). close: market
   * orders fill at the signal bar's close — optimistic, for comparison only.
   */
  fill?: FillName;
  /** conservative: a stop-loss and its take-profit both reachable in one bar → the stop fills. */
  intrabar?: 'adaptive' | 'conservative';
  /** none | alpaca | per-share[:USD per share] | percent[:fraction of notional]. */
  fees?: string;
  slippageBps?: number;
  /**
   * Price adjustment of the lake read (default all: splits and dividends, as LEAN does). A run
   * with ticks reads raw (ticks are stored as printed), the bars next to them too, and applies
   * splits and dividends to positions; asking for another adjustment with ticks is an error.
   */
  adjustment?: Adjustment;
  /**
   * Also read the symbols' trades, quotes or both from the lake: orders then fill from ticks
   * (engine/core/backtest/ticks.ts); bars of the timeframe, where the lake has them, still feed onBar.
   */
  ticks?: TickKind;
  /** Order latency in ms (orders, cancels and replaces reach the exchange that much later). */
  latencyMs?: number;
  /** none | half-spread | fixed-bps[:bps] | volume-share[:impact]; overrides slippageBps. */
  slippage?: string;
  /**
   * Stream the bars from the lake in windows of `chunkDays` dates instead of reading them all
   * first (runBacktestStream): memory stays flat however long the run; history reads reach back
   * `lookback` bars; runs/ keeps a thinned equity curve.
   */
  stream?: { chunkDays?: number; lookback?: number; keep?: 'all' | 'figures' };
}

/** Bad input, named: the CLI prints it and exits 2, the host returns it as a bad_input error. */
export class BacktestInputError extends Error {
  override name = 'BacktestInputError';
}

/** The strategy or the engine failed while running; the run is stored as failed. */
export class BacktestRunError extends Error {
  override name = 'BacktestRunError';
}

export function parseFees(spec: string | undefined): FeeModel {
  const [kind, arg] = (spec ?? 'none').split(/[:=]/, 2);
  const rate = arg === undefined ? undefined : Number(arg);
  if (rate !== undefined && !(Number.isFinite(rate) && rate >= 0)) throw new BacktestInputError(`--fees ${spec}: the rate must be a number >= 0`);
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'alpaca':
      return { kind: 'alpaca' };
    case 'per-share':
      return { kind: 'per-share', perShare: rate ?? 0.005 };
    case 'percent':
      return { kind: 'percent', rate: rate ?? 0.001 };
    default:
      throw new BacktestInputError(`--fees ${spec}: expected none, alpaca, per-share[:USD per share] or percent[:fraction]`);
  }
}

export function backtestConfig(spec: BacktestSpec): BacktestConfig {
  const fill = spec.fill ?? 'next-open';
  if (!FILL_NAMES.includes(fill)) throw new BacktestInputError(`--fill ${fill}: expected ${FILL_NAMES.join(', ')}`);
  const bps = spec.slippageBps ?? 0;
  if (!(Number.isFinite(bps) && bps >= 0)) throw new BacktestInputError(`--slippage-bps ${bps}: expected a number >= 0`);
  return {
    initialCash: spec.cash ?? 100_000,
    fill: { market: fill === 'close' ? 'signal-close' : 'next-open', intrabar: spec.intrabar ?? 'adaptive' },
    fees: parseFees(spec.fees),
    slippage: spec.slippage !== undefined ? parseSlippage(spec.slippage) : bps > 0 ? { kind: 'fixed-bps', bps } : { kind: 'none' },
    ...(spec.latencyMs !== undefined ? { latencyMs: checkLatency(spec.latencyMs) } : {}),
    stopwatch: () => performance.now(),
  };
}

/** `--param k=v` values: JSON where it parses (numbers, booleans), the plain string otherwise. */
export function parseParamValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function parseParamAssignments(list: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new BacktestInputError(`--param ${item}: expected NAME=VALUE`);
    out[item.slice(0, eq)] = parseParamValue(item.slice(eq + 1));
  }
  return out;
}

/** Checks params before any data is read, naming the strategy file (or example) and the param. */
export function checkParams(strategy: LoadedStrategy, params: Record<string, unknown>): void {
  const r = resolveParams(strategy.definition, params);
  if (!r.ok) throw new BacktestInputError(paramsMessage(strategy, r.message, r.issues[0]?.param ?? null));
}

/** Prefixes a parameter problem with the declaring line of the strategy file (unknown names: the params line). */
export function paramsMessage(strategy: LoadedStrategy, message: string, param: string | null): string {
  const at = paramLocation(strategy.source, param);
  return at === null ? message : `${at}: ${message}`;
}

/** Turns a failed outcome into an error whose message names the strategy file and line. */
export function outcomeError(strategy: LoadedStrategy, outcome: Extract<BacktestOutcome, { ok: false }>): Error {
  const e = outcome.error;
  if (e.kind === 'params') return new BacktestInputError(paramsMessage(strategy, e.message, e.issues?.[0]?.param ?? null));
  // A setting the data cannot support (half-spread without quotes): the user's to fix, like a bad flag.
  if (e.kind === 'config') return new BacktestInputError(e.message);
  if (e.kind === 'strategy') {
    const where = strategyErrorLocation(strategy.source, e.stack) ?? strategy.label;
    const when = e.tsNs !== undefined && e.tsNs > 0n ? ` (${new Date(Number(e.tsNs / 1_000_000n)).toISOString()})` : '';
    return new BacktestRunError(`${where}: ${e.message}${when}`);
  }
  return new BacktestRunError(e.message);
}

export interface JobResult {
  summary: BacktestSummary;
  result: BacktestResult;
  runId: string | null;
  prepared: PreparedBacktest;
}

export interface JobOptions {
  /** Store the run under runs/ (default true). */
  save?: boolean;
  cwd?: string;
  /** Preloaded bars (tests, sweeps); otherwise read from the workspace lake. */
  data?: BarData;
  /** Bars done / in all, about every 1% (when the engine runs on this thread). */
  onProgress?: (done: number, total: number) => void;
  /** Runs the engine somewhere else (the host: on a worker, so it stays responsive and can cancel). */
  execute?: (prepared: PreparedBacktest) => Promise<BacktestOutcome>;
  /** The same for a streamed run (BacktestSpec.stream): the chunks come from the lake here. */
  executeStream?: (run: StreamedBacktest) => Promise<BacktestOutcome>;
}

/** A streamed run ready to go: its chunks are read from the lake as they are asked for. */
export interface StreamedBacktest {
  strategy: LoadedStrategy;
  params: Record<string, unknown>;
  symbols: string[];
  config: BacktestConfig;
  chunks: AsyncIterable<BarData>;
  stream: { lookback: number; totalBars: number; keep: 'all' | 'figures' };
}

export interface PreparedBacktest {
  strategy: LoadedStrategy;
  params: Record<string, unknown>;
  symbols: string[];
  data: BarData;
  /** Present when the spec asked for ticks. */
  ticks?: TickData;
  config: BacktestConfig;
}

/** The price adjustment a spec's bars are read with: as asked, else raw next to ticks, else all. */
export function adjustmentOf(spec: BacktestSpec): Adjustment {
  return spec.adjustment ?? (spec.ticks !== undefined ? 'raw' : 'all');
}

/** The spec's symbols and settings, its strategy loaded and its params checked: no data read yet. */
async function loadSpec(workspaceDir: string, spec: BacktestSpec, opts: JobOptions) {
  if (spec.symbols.length === 0) throw new BacktestInputError('--symbols: give at least one symbol');
  const symbols = [...new Set(spec.symbols)];
  const config = backtestConfig(spec);
  const strategy = await loadStrategy(spec.strategy, workspaceDir, opts.cwd);
  const params = spec.params ?? {};
  checkParams(strategy, params);
  if (spec.ticks !== undefined && spec.adjustment !== undefined && spec.adjustment !== 'raw') {
    throw new BacktestInputError(`--adjustment ${spec.adjustment} with --ticks: ticks are stored raw, so a run with ticks reads bars raw too and applies splits and dividends to positions (leave --adjustment out or give raw)`);
  }
  return { symbols, config, strategy, params, lakeDir: path.join(workspaceDir, 'lake'), adjustment: adjustmentOf(spec) };
}

/** Loads the strategy, checks the params and reads the bars: everything short of running. */
export async function prepareBacktest(workspaceDir: string, spec: BacktestSpec, opts: JobOptions = {}): Promise<PreparedBacktest> {
  const { symbols, config, strategy, params, lakeDir, adjustment } = await loadSpec(workspaceDir, spec, opts);
  if (spec.ticks !== undefined) {
    const kind = checkTickKind(spec.ticks);
    const ticks = await readLakeTicks(lakeDir, { symbols, kind, from: spec.from, to: spec.to });
    // Bars are optional next to ticks: a symbol without bars of the timeframe runs on ticks alone.
    const data: Record<string, BarData[string]> = {};
    for (const symbol of symbols) {
      try {
        Object.assign(data, opts.data !== undefined ? { [symbol]: opts.data[symbol] } : await readLakeBars(lakeDir, { symbols: [symbol], timeframe: spec.timeframe, from: spec.from, to: spec.to, adjustment }));
      } catch (e) {
        if (!(e instanceof BarRequestError)) throw e;
      }
    }
    for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
    // Ticks and bars are both raw: the lake's splits and dividends move positions and cash instead.
    if (opts.data === undefined) config.corporateActions = await readCorporateActions(lakeDir, symbols, 'raw');
    return { strategy, params, symbols, data, ticks, config };
  }
  const data = opts.data ?? (await readLakeBars(lakeDir, { symbols, timeframe: spec.timeframe, from: spec.from, to: spec.to, adjustment }));
  // What the read did not fold into prices is applied to positions instead (raw runs).
  if (opts.data === undefined && adjustment !== 'all') config.corporateActions = await readCorporateActions(lakeDir, symbols, adjustment);
  return { strategy, params, symbols, data, config };
}

export async function runBacktestJob(workspaceDir: string, spec: BacktestSpec, opts: JobOptions = {}): Promise<JobResult> {
  if (spec.stream !== undefined) return runStreamedJob(workspaceDir, spec, spec.stream, opts);
  const t0 = performance.now();
  const { strategy, params, symbols, data, ticks, config } = await prepareBacktest(workspaceDir, spec, opts);
  const run = opts.save === false ? null : createRun(workspaceDir, strategy.definition.name, { ...spec, symbols, strategyFile: strategy.source.kind === 'file' ? strategy.source.file : null });
  try {
    const prepared = { strategy, params, symbols, data, ticks, config };
    const outcome = opts.execute !== undefined ? await opts.execute(prepared) : runBacktest({ strategy: strategy.definition, params, data, ticks, config: { ...config, onProgress: opts.onProgress } });
    if (!outcome.ok) throw outcomeError(strategy, outcome);
    const summary = summarize(outcome.result, { timeframe: spec.timeframe, adjustment: adjustmentOf(spec), elapsedMs: 0 });
    if (run !== null) {
      await completeRun(run, outcome.result, summary);
      recordBacktest(workspaceDir, strategy.definition, { strategy: strategy.definition.name, symbols, timeframe: spec.timeframe }, spec, params, outcome.result.metrics);
    }
    summary.elapsedMs = performance.now() - t0;
    return { summary, result: outcome.result, runId: run?.id ?? null, prepared };
  } catch (e) {
    if (run !== null && run.record.status === 'running') failRun(run, (e as Error).message);
    throw e;
  }
}

/** A backtest whose bars come from the lake window by window (BacktestSpec.stream). */
async function runStreamedJob(workspaceDir: string, spec: BacktestSpec, stream: NonNullable<BacktestSpec['stream']>, opts: JobOptions): Promise<JobResult> {
  const t0 = performance.now();
  if (spec.ticks !== undefined) throw new BacktestInputError('--stream reads bars only; it cannot be combined with --ticks yet');
  if (opts.data !== undefined) throw new BacktestInputError('a streamed run reads its bars from the lake');
  const chunkDays = stream.chunkDays ?? 64;
  const lookback = stream.lookback ?? 10_000;
  if (!(Number.isInteger(chunkDays) && chunkDays >= 1)) throw new BacktestInputError(`--chunk-days ${chunkDays}: expected an integer >= 1`);
  if (!(Number.isInteger(lookback) && lookback >= 1)) throw new BacktestInputError(`--lookback ${lookback}: expected an integer >= 1`);
  if (stream.keep !== undefined && stream.keep !== 'all' && stream.keep !== 'figures') throw new BacktestInputError(`--keep ${String(stream.keep)}: expected all or figures`);
  const { symbols, config, strategy, params, lakeDir, adjustment } = await loadSpec(workspaceDir, spec, opts);
  if (adjustment !== 'all') config.corporateActions = await readCorporateActions(lakeDir, symbols, adjustment);
  let source;
  try {
    source = await lakeBarWindows(lakeDir, { symbols, timeframe: spec.timeframe, from: spec.from, to: spec.to, adjustment }, chunkDays);
  } catch (e) {
    throw e instanceof BarRequestError ? new BacktestInputError(e.message) : e;
  }
  const run = opts.save === false ? null : createRun(workspaceDir, strategy.definition.name, { ...spec, symbols, strategyFile: strategy.source.kind === 'file' ? strategy.source.file : null });
  try {
    const streamed: StreamedBacktest = { strategy, params, symbols, config, chunks: source.windows, stream: { lookback, totalBars: source.totalBars, keep: stream.keep ?? 'all' } };
    const outcome =
      opts.executeStream !== undefined
        ? await opts.executeStream(streamed)
        : await runBacktestStream({ strategy: strategy.definition, symbols, chunks: source.windows, params, config: { ...config, onProgress: opts.onProgress }, stream: streamed.stream });
    if (!outcome.ok) throw outcomeError(strategy, outcome);
    const summary = summarize(outcome.result, { timeframe: spec.timeframe, adjustment: adjustmentOf(spec), elapsedMs: 0 });
    if (run !== null) {
      await completeRun(run, outcome.result, summary);
      recordBacktest(workspaceDir, strategy.definition, { strategy: strategy.definition.name, symbols, timeframe: spec.timeframe }, spec, params, outcome.result.metrics);
    }
    summary.elapsedMs = performance.now() - t0;
    return { summary, result: outcome.result, runId: run?.id ?? null, prepared: { strategy, params, symbols, data: {}, config } };
  } catch (e) {
    if (run !== null && run.record.status === 'running') failRun(run, (e as Error).message);
    throw e;
  }
}
