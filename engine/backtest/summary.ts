// The flat summary of one backtest: what `studio backtest --json` prints, what runs/<id>/summary.json
// holds and what the host returns. Timing fields are the only ones that differ between two runs
// of the same inputs; non-finite numbers become null so the JSON stays standard.
import type { BacktestResult } from '../core/backtest/runner';

export interface BacktestSummary {
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: string;
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
  maxDrawdown: number | null;
  maxDrawdownDurationDays: number | null;
  winRate: number | null;
  profitFactor: number | null;
  expectancy: number | null;
  exposure: number | null;
  turnover: number | null;
  fees: number;
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

export function summarize(result: BacktestResult, extra: { timeframe: string; elapsedMs: number }): BacktestSummary {
  const m = result.metrics;
  const ts = result.equity.ts;
  return {
    strategy: result.strategy,
    params: { ...result.params },
    symbols: [...result.symbols],
    timeframe: extra.timeframe,
    firstBar: ts.length > 0 ? isoOfNs(ts[0]) : null,
    lastBar: ts.length > 0 ? isoOfNs(ts[ts.length - 1]) : null,
    initialCash: result.config.initialCash,
    bars: result.bars,
    orders: result.orders.length,
    fills: result.fills,
    trades: result.trades.length,
    openTrades: result.openTrades.length,
    finalEquity: m.finalEquity,
    totalReturn: finite(m.totalReturn),
    cagr: finite(m.cagr),
    volatility: finite(m.volatility),
    sharpe: finite(m.sharpe),
    sortino: finite(m.sortino),
    calmar: finite(m.calmar),
    maxDrawdown: finite(m.maxDrawdown),
    maxDrawdownDurationDays: finite(m.maxDrawdownDurationDays),
    winRate: finite(m.winRate),
    profitFactor: finite(m.profitFactor),
    expectancy: finite(m.expectancy),
    exposure: finite(m.exposure),
    turnover: finite(m.turnover),
    fees: result.fees,
    benchmarkReturn: finite(result.benchmark.totalReturn),
    benchmarkCagr: finite(result.benchmark.cagr),
    elapsedMs: extra.elapsedMs,
    barsPerSecond: result.timing?.barsPerSecond ?? 0,
  };
}
