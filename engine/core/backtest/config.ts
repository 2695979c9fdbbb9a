// Backtest settings, their defaults, and the check that turns a bad setting into a message.

import { type FeeModel, type SlippageModel, checkCostModels } from '../orders/costs';
import type { IntrabarRule } from './exchange';

/**
 * - next-open (default, Backtrader's convention): a market order fills at the next bar's open.
 * - signal-close (OPTIMISTIC): it fills at the close of the bar that triggered it — a price the
 *   strategy could not have traded at after seeing that close. For comparison only.
 */
export type MarketFillRule = 'next-open' | 'signal-close';

export interface FillConfig {
  market?: MarketFillRule;
  intrabar?: IntrabarRule;
  /** Share of a bar's volume one symbol's fills may take in that bar (default 1); null for no cap. */
  maxVolumeShare?: number | null;
}

/**
 * A split or cash dividend to apply to positions on its ex-date, for prices that are not adjusted
 * for it (a raw run). `exNs`: the ex-date's start (midnight New York) in ns.
 */
export interface CorporateAction {
  symbol: string;
  exNs: bigint;
  kind: 'split' | 'dividend';
  /** Split: new shares per old share (4 for a 4-for-1). */
  ratio: number;
  /** Dividend: cash per share. */
  cash: number;
}

export interface BacktestConfig {
  initialCash?: number;
  fill?: FillConfig;
  slippage?: SlippageModel;
  fees?: FeeModel;
  /** 1 (default) = cash account; 2 = Reg T; 4 = intraday pattern-day-trader margin. */
  marginMultiplier?: number;
  /** Default true. */
  allowShort?: boolean;
  /** Annual borrow fee on short market value, e.g. 0.03. Default 0. */
  borrowRateAnnual?: number;
  /** Alpaca's tick-size rule for order prices. Default true. */
  enforceTickSize?: boolean;
  /**
   * Offset added to bar times before taking the calendar date that defines a session (for day,
   * opg and cls orders). Default −5 h: US equity trading (04:00–20:00 ET) never crosses midnight
   * at a fixed UTC−5, in summer or winter, so no DST table is needed. Use 0n for UTC days.
   */
  sessionOffsetNs?: bigint;
  /** Annual risk-free rate for Sharpe/Sortino. Default 0. */
  riskFreeRate?: number;
  /**
   * Keep the order list and event log in the result (default true). Sweeps set false: they read
   * only the figures, and a retained log of millions of events costs garbage-collection time.
   */
  keepOrderLog?: boolean;
  /**
   * Applied to positions, open orders and open trades at the first bar on or after each ex-date
   * (splits resize, dividends pay cash). Only for prices not already adjusted for them: with
   * adjusted bars (the default read) pass none. Actions before a symbol's first bar are history.
   */
  corporateActions?: readonly CorporateAction[];
  /** Default: inferred from the data. */
  periodsPerYear?: number;
  /**
   * Order latency in milliseconds (default 0): an order submitted at engine time t reaches the
   * simulated exchange at t + latencyMs, and meets only ticks at or after that time and bars that
   * start at or after it (a bar starts at the previous bar's close). Cancels and replaces travel
   * as long; until one arrives the order can still fill. See ticks.ts.
   */
  latencyMs?: number;
  /**
   * Monotonic milliseconds (e.g. performance.now), injected because engine/core may not read
   * time itself. Only used to report loop timing, which is kept out of the deterministic result.
   */
  stopwatch?: () => number;
  /**
   * Called with (bars done, bars in all) about every 1% of the run, for progress bars. Outside
   * the deterministic result, like the stopwatch.
   */
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedConfig {
  initialCash: number;
  market: MarketFillRule;
  intrabar: IntrabarRule;
  maxVolumeShare: number;
  slippage: SlippageModel;
  fees: FeeModel;
  marginMultiplier: number;
  allowShort: boolean;
  borrowRateAnnual: number;
  enforceTickSize: boolean;
  sessionOffsetNs: bigint;
  riskFreeRate: number;
  periodsPerYear: number | null;
  keepOrderLog: boolean;
  /** config.latencyMs in ns, rounded to whole ns. */
  latencyNs: bigint;
}

const HOUR_NS = 3_600_000_000_000n;

export function resolveConfig(config: BacktestConfig = {}): { ok: true; config: ResolvedConfig } | { ok: false; message: string } {
  const fill = config.fill ?? {};
  const r: ResolvedConfig = {
    initialCash: config.initialCash ?? 100_000,
    market: fill.market ?? 'next-open',
    intrabar: fill.intrabar ?? 'adaptive',
    maxVolumeShare: fill.maxVolumeShare === null ? Infinity : (fill.maxVolumeShare ?? 1),
    slippage: config.slippage ?? { kind: 'none' },
    fees: config.fees ?? { kind: 'none' },
    marginMultiplier: config.marginMultiplier ?? 1,
    allowShort: config.allowShort ?? true,
    borrowRateAnnual: config.borrowRateAnnual ?? 0,
    enforceTickSize: config.enforceTickSize ?? true,
    sessionOffsetNs: config.sessionOffsetNs ?? -5n * HOUR_NS,
    riskFreeRate: config.riskFreeRate ?? 0,
    periodsPerYear: config.periodsPerYear ?? null,
    keepOrderLog: config.keepOrderLog ?? true,
    latencyNs: 0n,
  };
  const fail = (message: string) => ({ ok: false as const, message: `config: ${message}` });
  if (!(Number.isFinite(r.initialCash) && r.initialCash > 0)) return fail(`initialCash must be a positive number, got ${r.initialCash}`);
  if (r.market !== 'next-open' && r.market !== 'signal-close') return fail(`fill.market must be next-open or signal-close, got '${String(r.market)}'`);
  if (r.intrabar !== 'adaptive' && r.intrabar !== 'conservative') return fail(`fill.intrabar must be adaptive or conservative, got '${String(r.intrabar)}'`);
  if (!(r.maxVolumeShare > 0)) return fail(`fill.maxVolumeShare must be > 0 (or null for no cap), got ${r.maxVolumeShare}`);
  if (!(Number.isFinite(r.marginMultiplier) && r.marginMultiplier >= 1)) return fail(`marginMultiplier must be >= 1, got ${r.marginMultiplier}`);
  if (!(Number.isFinite(r.borrowRateAnnual) && r.borrowRateAnnual >= 0)) return fail(`borrowRateAnnual must be >= 0, got ${r.borrowRateAnnual}`);
  if (!Number.isFinite(r.riskFreeRate)) return fail(`riskFreeRate must be a number, got ${r.riskFreeRate}`);
  if (r.periodsPerYear !== null && !(r.periodsPerYear > 0)) return fail(`periodsPerYear must be positive, got ${r.periodsPerYear}`);
  if (typeof r.sessionOffsetNs !== 'bigint') return fail('sessionOffsetNs must be a bigint (ns)');
  const latency = config.latencyMs ?? 0;
  if (!(typeof latency === 'number' && Number.isFinite(latency) && latency >= 0)) return fail(`latencyMs must be a number of milliseconds >= 0, got ${String(latency)}`);
  r.latencyNs = BigInt(Math.round(latency * 1e6));
  for (const [k, a] of (config.corporateActions ?? []).entries()) {
    const where = `corporateActions[${k}] (${String(a?.symbol)})`;
    if (typeof a?.symbol !== 'string' || typeof a.exNs !== 'bigint') return fail(`${where}: expected { symbol, exNs: bigint, kind, ratio, cash }`);
    if (a.kind === 'split' && !(Number.isFinite(a.ratio) && a.ratio > 0)) return fail(`${where}: a split needs a positive ratio, got ${a.ratio}`);
    if (a.kind === 'dividend' && !Number.isFinite(a.cash)) return fail(`${where}: a dividend needs a cash amount per share, got ${a.cash}`);
    if (a.kind !== 'split' && a.kind !== 'dividend') return fail(`${where}: kind must be split or dividend, got '${String(a.kind)}'`);
  }
  const costError = checkCostModels(r.fees, r.slippage);
  if (costError) return fail(costError);
  return { ok: true, config: r };
}
