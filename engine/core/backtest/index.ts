// Event-driven backtests over per-symbol bar columns.

export { runBacktest } from './runner';
export type { BacktestRequest, BacktestResult, BacktestOutcome, BacktestError, EquityCurve } from './runner';
export type { BacktestConfig, FillConfig, MarketFillRule, ResolvedConfig } from './config';
export { resolveConfig } from './config';
export type { BarColumns, BarData, BarRow } from './data';
export { barColumns, checkBarData, closeTimesFromOpen, closeTimesForTimeframe } from './data';
export type { IntrabarRule } from './exchange';
export { SimulatedExchange } from './exchange';
export { BarPath } from './intrabar';
export type { TradeRecord } from './trades';
export { serializeBacktestResult, jsonReplacer } from './serialize';
