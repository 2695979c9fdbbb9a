// The engine API as a notebook cell sees it, in TypeScript declarations: the kernel's language
// service checks cells against it, and an editor can load it as an extra lib. Keep it in step
// with api.ts and runtime.ts (a test checks that every API member is declared here).

export const KERNEL_GLOBALS_DTS = `
type __ArrowTableBase<T extends import('apache-arrow').TypeMap> = import('apache-arrow').Table<T>;
/** An Apache Arrow table (apache-arrow's Table): what %%sql NAME binds and sqlTable returns. */
interface ArrowTable<T extends import('apache-arrow').TypeMap = any> extends __ArrowTableBase<T> {}
/** A value SQL can bind: interpolations in sql\`…\` and %%sql cells become these parameters. */
type SqlParam = string | number | boolean | bigint | null | undefined | Date;
/** A JSON-friendly cell value: numbers, ISO strings for time, strings for the rest. */
type SqlPlain = null | boolean | number | string | SqlPlain[] | { [k: string]: SqlPlain };
/** Query rows: one plain object per row, plus the column names and DuckDB types. */
interface Rows extends Array<Record<string, SqlPlain>> {
  columns: { name: string; type: string }[];
}
/** The workspace's lake: DuckDB over its Parquet files (views bars, trades, quotes, corporate_actions). */
interface StudioLake {
  readonly dir: string;
  readonly connection: import('@duckdb/node-api').DuckDBConnection;
  query(sql: string, params?: unknown[]): Promise<{ columns: { name: string; type: string }[]; rows: Record<string, SqlPlain>[] }>;
  /** Re-points the views at the files now on disk. */
  refreshViews(): Promise<void>;
}
interface DisplayOptions {
  /** A display id: display(value, { id }) again with update: true replaces that output in place. */
  id?: string;
  update?: boolean;
}
interface Display {
  /** Shows a value as a Jupyter mime bundle: Plotly figures ({data, layout}), Arrow tables and row arrays as tables, PNG bytes, or text. */
  (value: unknown, options?: DisplayOptions): void;
  html(html: string): void;
  markdown(markdown: string): void;
  svg(svg: string): void;
  json(value: unknown): void;
}
/**
 * Runs SQL on the lake with DuckDB. As a tag, interpolated values become bound parameters:
 * sql\`select * from bars where symbol = \${symbol}\`.
 */
declare function sql(query: TemplateStringsArray, ...params: SqlParam[]): Promise<Rows>;
declare function sql(query: string, params?: SqlParam[]): Promise<Rows>;
/** Like sql, but the result is an Apache Arrow table (what a %%sql NAME cell binds to NAME). */
declare function sqlTable(query: TemplateStringsArray, ...params: SqlParam[]): Promise<ArrowTable>;
declare function sqlTable(query: string, params?: SqlParam[]): Promise<ArrowTable>;
/** Opens (once) and returns the workspace's lake. */
declare function lake(): Promise<StudioLake>;
type Timeframe = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
/** One symbol's bars as columns; ts are close times in Unix nanoseconds. */
interface BarColumns { ts: BigInt64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }
interface BarRequest {
  symbols: string[];
  /** Default '1Day'. */
  timeframe?: Timeframe;
  /** Inclusive, YYYY-MM-DD (New York date) or an ISO instant. */
  from?: string;
  to?: string;
  /** Default 'all' (split- and dividend-adjusted). */
  adjustment?: 'raw' | 'split' | 'dividend' | 'all';
}
/** Bars of each symbol as typed-array columns, stamped at their close times (what a backtest runs on). */
declare function bars(req: BarRequest): Promise<Record<string, BarColumns>>;
type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume' | 'hl2' | 'hlc3' | 'ohlc4';
interface BarValues { readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number }
interface BarIndicator {
  readonly name: string;
  /** True once enough inputs arrived for value to mean something. */
  readonly ready: boolean;
  /** NaN until ready. */
  readonly value: number;
  updateBar(bar: BarValues): void;
  reset(): void;
}
interface PriceIndicator extends BarIndicator { update(x: number): number }
/** Streaming indicators, O(1) per update: new indicators.Sma(20).update(close). */
declare var indicators: {
  Sma: new (period: number, source?: PriceSource) => PriceIndicator;
  Ema: new (period: number, source?: PriceSource) => PriceIndicator;
  Wma: new (period: number, source?: PriceSource) => PriceIndicator;
  WilderMa: new (period: number, source?: PriceSource) => PriceIndicator;
  Rsi: new (period?: number, source?: PriceSource) => PriceIndicator;
  Macd: new (fast?: number, slow?: number, signal?: number, source?: PriceSource) => PriceIndicator & { readonly signal: number; readonly histogram: number };
  Bollinger: new (period?: number, stdDevs?: number, source?: PriceSource) => PriceIndicator & { readonly upper: number; readonly middle: number; readonly lower: number; readonly percentB: number };
  Atr: new (period?: number) => BarIndicator & { update(high: number, low: number, close: number): number };
  Stochastic: new (period?: number, signalPeriod?: number) => BarIndicator & { readonly signal: number };
  Vwap: new (period?: number) => BarIndicator;
  ZScore: new (period: number, source?: PriceSource) => PriceIndicator;
  RegressionSlope: new (period: number, source?: PriceSource) => PriceIndicator;
};
interface StrategyBar extends BarValues { readonly symbol: string; readonly tsEvent: bigint }
interface StrategyContext {
  readonly symbols: readonly string[];
  readonly clock: { now(): bigint };
  history(symbol: string): { readonly length: number; close(ago?: number): number; open(ago?: number): number; high(ago?: number): number; low(ago?: number): number; volume(ago?: number): number; ts(ago?: number): bigint };
  readonly indicators: {
    sma(symbol: string, period: number, source?: PriceSource): PriceIndicator;
    ema(symbol: string, period: number, source?: PriceSource): PriceIndicator;
    rsi(symbol: string, period?: number, source?: PriceSource): PriceIndicator;
    bollinger(symbol: string, period?: number, stdDevs?: number, source?: PriceSource): PriceIndicator & { readonly upper: number; readonly lower: number };
    atr(symbol: string, period?: number): BarIndicator;
    zscore(symbol: string, period: number, source?: PriceSource): PriceIndicator;
    register<T extends BarIndicator>(symbol: string, indicator: T): T;
  };
  readonly portfolio: { qty(symbol: string): number; readonly cash: number; equity(): number; buyingPower(): number };
  readonly orders: {
    submit(request: { symbol: string; side: 'buy' | 'sell'; qty: number; type: 'market' | 'limit' | 'stop' | 'stop_limit'; limitPrice?: number; stopPrice?: number; timeInForce?: string }): string;
    cancel(orderId: string): boolean;
    cancelAll(symbol?: string): number;
    closePosition(symbol: string): string | null;
  };
}
interface StrategyHandlers { onStart?(): void; onBar?(bar: StrategyBar): void; onOrderEvent?(event: unknown): void; onStop?(): void }
/** One symbol's bars as whole columns, for a strategy's array form (targets). */
interface TargetInput {
  readonly symbol: string; readonly length: number;
  /** Every symbol of the run, sorted (this input is the first one's); of(s): another symbol's input. */
  readonly symbols: readonly string[]; of(symbol: string): TargetInput;
  readonly open: Float64Array; readonly high: Float64Array; readonly low: Float64Array; readonly close: Float64Array; readonly volume: Float64Array;
  /** An indicator fed bar by bar as ctx.indicators feeds it, as a column (NaN until ready); computed once per key. */
  series(key: string, make: () => { readonly ready: boolean; readonly value: number; updateBar(bar: { open: number; high: number; low: number; close: number; volume: number }): void }, read?: (indicator: any) => number): Float64Array;
  sma(period: number, source?: string): Float64Array; ema(period: number, source?: string): Float64Array; wma(period: number, source?: string): Float64Array;
  rsi(period?: number, source?: string): Float64Array; zscore(period: number, source?: string): Float64Array; slope(period: number, source?: string): Float64Array;
  /** A column of NaN ("leave the position") to write the wanted positions into. */
  positions(): Float64Array;
}
interface StrategyDefinition<P = any> {
  readonly name: string;
  readonly description?: string;
  readonly params: unknown;
  create(ctx: StrategyContext, params: P): StrategyHandlers;
  /** Optional array form for fast sweeps: the position wanted after each bar (NaN: leave it); must decide what onBar decides. */
  targets?(params: P, bars: TargetInput): Float64Array | Readonly<Record<string, Float64Array>>;
}
/** Declares a strategy: zod parameters (with defaults) and the handlers it runs in backtest, paper and live; optionally its array form for fast sweeps. */
declare function defineStrategy<S extends import('zod').ZodObject<any>>(def: { name: string; description?: string; params: S; create(ctx: StrategyContext, params: import('zod').output<S>): StrategyHandlers; targets?(params: import('zod').output<S>, bars: TargetInput): Float64Array | Readonly<Record<string, Float64Array>> }): StrategyDefinition<import('zod').output<S>>;
/** The shipped example strategies: 'sma-cross', 'breakout-bracket', 'zscore-reversion'. */
declare var strategies: Record<string, StrategyDefinition>;
/** zod, for strategy parameters. */
declare var z: typeof import('zod').z;
interface BacktestTrade { symbol: string; side: 'long' | 'short'; qty: number; entryTs: bigint; exitTs: bigint; entryPrice: number; exitPrice: number; pnl: number; fees: number; returnPct: number }
interface BacktestMetrics { totalReturn: number; cagr: number; volatility: number; sharpe: number; sortino: number; calmar: number; maxDrawdown: number; trades: number; winRate: number; profitFactor: number; [k: string]: number }
interface BacktestResult {
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  bars: number;
  /** One entry per bar time: ts in Unix nanoseconds. */
  equity: { ts: BigInt64Array; equity: Float64Array; cash: Float64Array; exposure: Float64Array };
  trades: BacktestTrade[];
  openTrades: BacktestTrade[];
  fills: number;
  fees: number;
  metrics: BacktestMetrics;
  benchmark: { totalReturn: number; cagr: number };
  timing: { loopMs: number; barsPerSecond: number } | null;
}
/** Runs a backtest on the lake's bars; throws BacktestFailed naming the reason when it cannot. */
declare function backtest(req: BarRequest & { strategy: StrategyDefinition | string; params?: Record<string, unknown>; config?: { initialCash?: number; allowShort?: boolean; [k: string]: unknown } }): Promise<BacktestResult>;
interface SweepRow { params: Record<string, unknown>; metrics: BacktestMetrics | null; error: string | null; via: 'targets' | 'events' }
/** The best Sharpe ratio deflated for the combinations tried (Bailey & López de Prado), annualised. */
interface SweepDeflation { trials: number; earlierTrials: number; bestSharpe: number; expectedMaxSharpe: number; probability: number }
/** The question's history in runs/trials.jsonl: saved backtests and sweeps before, distinct combinations tried, since when, unreadable lines. */
interface ResearchTally { backtests: number; sweeps: number; since: string | null; combinations: number; problems: string[] }
/** Runs every combination of the grid on the lake's bars in this kernel, best first by the objective (default sharpe). */
declare function sweep(req: BarRequest & { strategy: StrategyDefinition | string; grid: Record<string, readonly unknown[]>; params?: Record<string, unknown>; objective?: 'sharpe' | 'sortino' | 'totalReturn' | 'cagr' | 'calmar' | 'profitFactor' | 'expectancy'; mode?: 'auto' | 'events'; tpe?: number; seed?: number; config?: { initialCash?: number; allowShort?: boolean; [k: string]: unknown } }): Promise<SweepRow[] & { deflated: SweepDeflation | null; research: ResearchTally }>;
/** The workspace folder this kernel works in. */
declare var workspaceDir: string;
declare var display: Display;
/** Aborted when the running cell is interrupted: pass it to fetch() and other cancellable work. */
declare var signal: AbortSignal;
/** Reads a line from the notebook's user (Jupyter's input_request), when the front end allows stdin. */
declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
declare function __studio_sql_cell(query: TemplateStringsArray, ...params: SqlParam[]): Promise<ArrowTable>;
declare module 'studio' {
  export const sql: typeof globalThis.sql;
  export const sqlTable: typeof globalThis.sqlTable;
  export const lake: typeof globalThis.lake;
  export const bars: typeof globalThis.bars;
  export const backtest: typeof globalThis.backtest;
  export const sweep: typeof globalThis.sweep;
  export const indicators: typeof globalThis.indicators;
  export const strategies: typeof globalThis.strategies;
  export const defineStrategy: typeof globalThis.defineStrategy;
  export const z: typeof globalThis.z;
  export const workspaceDir: string;
}
declare module '@strategy-studio/engine' {
  export * from 'studio';
}
`;

/** API members a cell can use; api.ts's object must not grow members that are missing above. */
export const DECLARED_API_MEMBERS = ['sql', 'sqlTable', 'lake', 'bars', 'backtest', 'sweep', 'indicators', 'strategies', 'defineStrategy', 'z', 'workspaceDir'] as const;
