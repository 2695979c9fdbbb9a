// The flat summary of one backtest: what `studio backtest --json` prints, what runs/<id>/summary.json
// holds and what the host returns. Timing fields are the only ones that differ between two runs
// of the same inputs; non-finite numbers become null so the JSON stays standard.
import { lowerBoundTs } from '../core/backtest/data';
import type { Adjustment } from '../lake/read';
import type { BacktestResult } from '../core/backtest/runner';
import { newYorkDateOfNs, newYorkToUtcNs } from '../core/calendar/newYork';
import { monteCarloTrades } from '../core/metrics/montecarlo';

export interface BacktestSummary {
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: string;
  /** How the bars were adjusted for splits and dividends (absent in runs stored before it was recorded). */
  adjustment?: Adjustment;
  firstBar: string | null;
  lastBar: string | null;
  initialCash: number;
  bars: number;
  orders: number;
  fills: number;
  trades: number;
  openTrades: number;
  finalEquity: number;
  totalReturn: number | null;
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  /** Of the per-step returns (absent in runs stored before they were recorded). */
  skewness?: number | null;
  excessKurtosis?: number | null;
  maxDrawdown: number | null;
  maxDrawdownDurationDays: number | null;
  winRate: number | null;
  profitFactor: number | null;
  expectancy: number | null;
  exposure: number | null;
  turnover: number | null;
  fees: number;
  /** Cash dividends booked on ex-dates (raw or split-adjusted runs); 0 when prices are dividend-adjusted. */
  dividends: number;
  benchmarkReturn: number | null;
  benchmarkCagr: number | null;
  /** Wall-clock milliseconds of the whole command (load, run, save). */
  elapsedMs: number;
  /** Bars per second of the engine loop alone. */
  barsPerSecond: number;
}

export const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** ISO instant of a ns timestamp (whole ms precision is enough for a summary). */
export function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export function summarize(result: BacktestResult, extra: { timeframe: string; adjustment?: Adjustment; elapsedMs: number }): BacktestSummary {
  const m = result.metrics;
  const ts = result.equity.ts;
  return {
    strategy: result.strategy,
    params: { ...result.params },
    symbols: [...result.symbols],
    timeframe: extra.timeframe,
    ...(extra.adjustment !== undefined ? { adjustment: extra.adjustment } : {}),
    firstBar: ts.length > 0 ? isoOfNs(ts[0]) : null,
    lastBar: ts.length > 0 ? isoOfNs(ts[ts.length - 1]) : null,
    initialCash: result.config.initialCash,
    bars: result.bars,
    orders: result.orderCount,
    fills: result.fills,
    trades: result.metrics.trades,
    openTrades: result.openTrades.length,
    finalEquity: m.finalEquity,
    totalReturn: finite(m.totalReturn),
    cagr: finite(m.cagr),
    volatility: finite(m.volatility),
    sharpe: finite(m.sharpe),
    sortino: finite(m.sortino),
    calmar: finite(m.calmar),
    skewness: finite(m.skewness),
    excessKurtosis: finite(m.excessKurtosis),
    maxDrawdown: finite(m.maxDrawdown),
    maxDrawdownDurationDays: finite(m.maxDrawdownDurationDays),
    winRate: finite(m.winRate),
    profitFactor: finite(m.profitFactor),
    expectancy: finite(m.expectancy),
    exposure: finite(m.exposure),
    turnover: finite(m.turnover),
    fees: result.fees,
    dividends: result.dividends,
    benchmarkReturn: finite(result.benchmark.totalReturn),
    benchmarkCagr: finite(result.benchmark.cagr),
    elapsedMs: extra.elapsedMs,
    barsPerSecond: result.timing?.barsPerSecond ?? 0,
  };
}

export interface BacktestDetail {
  equity: { ts: string[]; equity: number[]; drawdown: number[] };
  /** Return of each calendar month (New York), from the last equity of the month before (or the starting cash). */
  monthly: { month: string; return: number }[];
  trades: {
    symbol: string;
    side: 'long' | 'short';
    qty: number;
    entryTs: string;
    exitTs: string;
    entryPrice: number;
    exitPrice: number;
    pnl: number;
    returnPct: number | null;
    bars: number;
    mae: number;
    mfe: number;
  }[];
  tradesTotal: number;
}

/** At most this many of the last closed trades go into a detail. */
export const MAX_DETAIL_TRADES = 1000;

/**
 * Chart data for a UI: the equity curve and its drawdown (a fraction below the running peak,
 * <= 0), cut to at most `maxPoints` by keeping, per bucket of steps, the step deepest under water
 * — so the chart's worst drawdown is the run's — and the last closed trades.
 */
export function runDetail(result: BacktestResult, maxPoints: number): BacktestDetail {
  const closed = result.trades;
  const trades = closed.slice(Math.max(0, closed.length - MAX_DETAIL_TRADES)).map((t) => ({
    symbol: t.symbol,
    side: t.side,
    qty: t.qty,
    entryTs: isoOfNs(t.entryTs),
    exitTs: isoOfNs(t.exitTs),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    pnl: t.pnl,
    returnPct: finite(t.returnPct),
    bars: t.bars,
    mae: t.mae,
    mfe: t.mfe,
  }));
  const { ts, equity } = result.equity;
  return { equity: equityDetail(ts, equity, maxPoints), monthly: monthlyReturns(ts, equity, result.config.initialCash), trades, tradesTotal: closed.length };
}

/**
 * Each calendar month's return (New York months), from the last equity of the month before, the
 * first from `initialCash`. Months are found by binary search on the step times, so a long
 * minute-bar curve costs a few lookups per month rather than a date per step.
 */
export function monthlyReturns(ts: BigInt64Array, equity: Float64Array, initialCash: number): { month: string; return: number }[] {
  const out: { month: string; return: number }[] = [];
  let prev = initialCash;
  for (let i = 0; i < ts.length; ) {
    const month = newYorkDateOfNs(ts[i]).slice(0, 7);
    const y = Number(month.slice(0, 4));
    const m = Number(month.slice(5, 7));
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const j = lowerBoundTs(ts, newYorkToUtcNs(next), i + 1);
    const last = equity[j - 1];
    out.push({ month, return: last / prev - 1 });
    prev = last;
    i = j;
  }
  return out;
}

/** The chart half of runDetail: the curve cut to `maxPoints`, each bucket's deepest step kept. */
export function equityDetail(ts: BigInt64Array, equity: Float64Array, maxPoints: number): BacktestDetail['equity'] {
  const n = ts.length;
  const dd = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    if (equity[i] > peak) peak = equity[i];
    dd[i] = peak > 0 ? equity[i] / peak - 1 : 0;
  }
  const out: BacktestDetail['equity'] = { ts: [], equity: [], drawdown: [] };
  const buckets = Math.max(1, Math.min(n, Math.floor(maxPoints)));
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    if (hi <= lo) continue;
    let pick = hi - 1;
    for (let i = lo; i < hi; i++) if (dd[i] < dd[pick]) pick = i;
    out.ts.push(isoOfNs(ts[pick]));
    out.equity.push(equity[pick]);
    out.drawdown.push(dd[pick]);
  }
  return out;
}

export interface MonteCarloSummary {
  iterations: number;
  method: 'bootstrap' | 'shuffle';
  confidence: number;
  trades: number;
  totalReturn: { low: number | null; median: number | null; high: number | null };
  maxDrawdown: { low: number | null; median: number | null; high: number | null };
  probabilityOfLoss: number | null;
}

/** Bootstrap of the closed trades' P&L (seed 1, 90% intervals), JSON-safe: what the CLI's --monte-carlo prints. */
export function monteCarloSummary(result: BacktestResult, iterations: number): MonteCarloSummary {
  const mc = monteCarloTrades(
    result.trades.map((t) => t.pnl),
    { initialCash: result.config.initialCash, iterations, seed: 1 },
  );
  const iv = (x: { low: number; median: number; high: number }) => ({ low: finite(x.low), median: finite(x.median), high: finite(x.high) });
  return { iterations: mc.iterations, method: mc.method, confidence: mc.confidence, trades: mc.trades, totalReturn: iv(mc.totalReturn), maxDrawdown: iv(mc.maxDrawdown), probabilityOfLoss: finite(mc.probabilityOfLoss) };
}
