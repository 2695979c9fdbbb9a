// Monaco with its workers bundled by Vite (no CDN), TypeScript set up for notebook cells: every
// code cell is a script model in one program (see views/notebook/cellModels.ts), so names and
// types declared by one cell are known in the others, and the engine API is declared below.
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

window.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    return new EditorWorker();
  },
};

/**
 * Diagnostics that are wrong for notebook cells, where the kernel's semantics differ from one
 * TypeScript file: a `const` may be declared again in a later cell or on re-run (DevTools
 * semantics), and top-level `await` works in every cell.
 */
export const IGNORED_DIAGNOSTICS = [
  2451, // Cannot redeclare block-scoped variable
  2300, // Duplicate identifier
  2393, // Duplicate function implementation
  2567, // Enum declarations can only merge with namespace or other enum declarations
  1375, // 'await' expressions are only allowed at the top level of a file when that file is a module
  1378, // Top-level 'await' expressions are only allowed when the 'module' option is set to …
  1431, // 'for await' loops are only allowed at the top level of a file when that file is a module
  1432, // Top-level 'for await' loops are only allowed when the 'module' option is set to …
  2528, // A module cannot have multiple default exports
  1208, // cannot be compiled under '--isolatedModules'
];

const ts = monaco.typescript;
ts.typescriptDefaults.setCompilerOptions({
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  strict: true,
  noImplicitAny: false,
  allowNonTsExtensions: true,
  lib: ['es2023'],
});
ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false, diagnosticCodesToIgnore: IGNORED_DIAGNOSTICS });
ts.typescriptDefaults.setEagerModelSync(true);

/** The engine API as cells see it (globals, and `import … from 'studio'`), plus the Node globals the kernel has. */
export const STUDIO_GLOBALS = `type Plain = null | boolean | number | string | bigint | Plain[] | { [k: string]: Plain };
/** Rows of a SQL result: row objects, plus the column names and DuckDB types. */
type Rows = Record<string, Plain>[] & { columns: { name: string; type: string }[] };
/** A result bound by a \`%%sql NAME\` cell (an Apache Arrow table). */
interface SqlTable {
  readonly numRows: number;
  readonly numCols: number;
  readonly schema: { fields: { name: string; type: unknown }[] };
  toArray(): Record<string, Plain>[];
  getChild(name: string): { toArray(): ArrayLike<unknown>; get(i: number): unknown } | null;
  slice(begin?: number, end?: number): SqlTable;
  [Symbol.iterator](): IterableIterator<Record<string, Plain>>;
}
/** Runs SQL on the workspace lake (views: bars, trades, quotes, corporate_actions). As a tag, values are bound parameters. */
declare function sql(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows>;
/** Like sql, but the result as an Apache Arrow table (what %%sql NAME binds). */
declare function sqlTable(query: string | TemplateStringsArray, ...params: unknown[]): Promise<SqlTable>;
/** The workspace's lake: DuckDB over its Parquet files (views bars, trades, quotes, corporate_actions). */
declare var lake: {
  readonly dir: string;
  query(sql: string, params?: unknown[]): Promise<{ columns: { name: string; type: string }[]; rows: Record<string, Plain>[] }>;
  /** Re-points the views at the files now on disk. */
  refreshViews(): Promise<void>;
};
interface Display {
  /** Shows a value: Plotly figures ({data, layout}), row arrays and Arrow tables as tables, strings, images. With an id, update: true replaces that output in place. */
  (value: unknown, opts?: { id?: string; update?: boolean }): void;
  html(html: string): void;
  markdown(md: string): void;
  svg(svg: string): void;
  json(value: unknown): void;
}
declare var display: Display;
/** The workspace folder. */
declare var workspaceDir: string;
/** Aborted when the cell is interrupted: pass it to fetch and long async work. */
declare const signal: AbortSignal;
type Timeframe = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
/** One symbol's bars as columns; ts are close times in Unix nanoseconds. */
interface BarColumns { ts: BigInt64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }
interface BarRequest { symbols: string[]; timeframe?: Timeframe; from?: string; to?: string; adjustment?: 'raw' | 'split' | 'dividend' | 'all' }
/** Bars of each symbol as typed-array columns, stamped at their close times (what a backtest runs on). */
declare function bars(req: BarRequest): Promise<Record<string, BarColumns>>;
type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume' | 'hl2' | 'hlc3' | 'ohlc4';
interface BarValues { readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number }
interface BarIndicator { readonly name: string; readonly ready: boolean; readonly value: number; updateBar(bar: BarValues): void; reset(): void }
interface PriceIndicator extends BarIndicator { update(x: number): number }
/** Streaming indicators, O(1) per update: new indicators.Sma(20).update(close). */
declare var indicators: {
  Sma: new (period: number, source?: PriceSource) => PriceIndicator;
  Ema: new (period: number, source?: PriceSource) => PriceIndicator;
  Wma: new (period: number, source?: PriceSource) => PriceIndicator;
  Rsi: new (period?: number, source?: PriceSource) => PriceIndicator;
  Macd: new (fast?: number, slow?: number, signal?: number, source?: PriceSource) => PriceIndicator & { readonly signal: number; readonly histogram: number };
  Bollinger: new (period?: number, stdDevs?: number, source?: PriceSource) => PriceIndicator & { readonly upper: number; readonly middle: number; readonly lower: number };
  Atr: new (period?: number) => BarIndicator & { update(high: number, low: number, close: number): number };
  ZScore: new (period: number, source?: PriceSource) => PriceIndicator;
  [name: string]: new (...args: any[]) => BarIndicator;
};
interface StrategyBar extends BarValues { readonly symbol: string; readonly tsEvent: bigint }
interface StrategyContext {
  readonly symbols: readonly string[];
  history(symbol: string): { readonly length: number; close(ago?: number): number; ts(ago?: number): bigint };
  readonly indicators: { sma(symbol: string, period: number, source?: PriceSource): PriceIndicator; ema(symbol: string, period: number, source?: PriceSource): PriceIndicator; rsi(symbol: string, period?: number): PriceIndicator; zscore(symbol: string, period: number): PriceIndicator; register<T extends BarIndicator>(symbol: string, indicator: T): T };
  readonly portfolio: { qty(symbol: string): number; readonly cash: number; equity(): number; buyingPower(): number };
  readonly orders: { submit(request: { symbol: string; side: 'buy' | 'sell'; qty: number; type: 'market' | 'limit' | 'stop' | 'stop_limit'; limitPrice?: number; stopPrice?: number }): string; closePosition(symbol: string): string | null; cancelAll(symbol?: string): number };
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
interface StrategyDefinition<P = any> { readonly name: string; readonly description?: string; readonly params: unknown; create(ctx: StrategyContext, params: P): StrategyHandlers; targets?(params: P, bars: TargetInput): Float64Array | Readonly<Record<string, Float64Array>> }
/** Declares a strategy: zod parameters (with defaults) and the handlers it runs in backtest, paper and live. */
declare function defineStrategy<P = Record<string, any>>(def: { name: string; description?: string; params: any; create(ctx: StrategyContext, params: P): StrategyHandlers; targets?(params: P, bars: TargetInput): Float64Array | Readonly<Record<string, Float64Array>> }): StrategyDefinition<P>;
/** The shipped example strategies: 'sma-cross', 'breakout-bracket', 'zscore-reversion'. */
declare var strategies: Record<string, StrategyDefinition>;
/** zod, for strategy parameters. */
declare var z: any;
interface BacktestTrade { symbol: string; side: 'long' | 'short'; qty: number; entryTs: bigint; exitTs: bigint; entryPrice: number; exitPrice: number; pnl: number; fees: number; returnPct: number }
interface BacktestResult {
  strategy: string; params: Record<string, unknown>; symbols: string[]; bars: number;
  /** One entry per bar time: ts in Unix nanoseconds. */
  equity: { ts: BigInt64Array; equity: Float64Array; cash: Float64Array; exposure: Float64Array };
  trades: BacktestTrade[]; openTrades: BacktestTrade[]; fills: number; fees: number;
  metrics: { totalReturn: number; cagr: number; volatility: number; sharpe: number; sortino: number; maxDrawdown: number; trades: number; winRate: number; profitFactor: number; [k: string]: number };
  benchmark: { totalReturn: number; cagr: number };
}
interface SweepRow { params: Record<string, unknown>; metrics: BacktestResult['metrics'] | null; error: string | null; via: 'targets' | 'events' }
/** Runs every combination of \`grid\` on the lake's bars in this kernel, best first by the objective (default sharpe); \`deflated\`: the best Sharpe deflated for the trials, earlier ones of the question in runs/trials.jsonl included. */
declare function sweep(req: BarRequest & { strategy: StrategyDefinition | string; grid: Record<string, readonly unknown[]>; params?: Record<string, unknown>; objective?: 'sharpe' | 'sortino' | 'totalReturn' | 'cagr' | 'calmar' | 'profitFactor' | 'expectancy'; mode?: 'auto' | 'events'; tpe?: number; seed?: number; config?: { initialCash?: number; allowShort?: boolean; [k: string]: unknown } }): Promise<SweepRow[] & { deflated: { trials: number; earlierTrials: number; bestSharpe: number; expectedMaxSharpe: number; probability: number } | null; research: { backtests: number; sweeps: number; since: string | null; combinations: number; problems: string[] } }>;
/** Runs a backtest on the lake's bars; throws BacktestFailed naming the reason when it cannot. */
declare function backtest(req: BarRequest & { strategy: StrategyDefinition | string; params?: Record<string, unknown>; config?: { initialCash?: number; allowShort?: boolean; [k: string]: unknown } }): Promise<BacktestResult>;
// The kernel's own declarations (engine/kernel/api-types.ts) are the fuller twin of these.
declare module 'studio' {
  export const sql: typeof globalThis.sql;
  export const sqlTable: typeof globalThis.sqlTable;
  export const lake: typeof globalThis.lake;
  export const display: typeof globalThis.display;
  export const workspaceDir: typeof globalThis.workspaceDir;
  export const bars: typeof globalThis.bars;
  export const backtest: typeof globalThis.backtest;
  export const sweep: typeof globalThis.sweep;
  export const indicators: typeof globalThis.indicators;
  export const strategies: typeof globalThis.strategies;
  export const defineStrategy: typeof globalThis.defineStrategy;
  export const z: typeof globalThis.z;
}

interface Console { log(...a: unknown[]): void; info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void; debug(...a: unknown[]): void; table(data: unknown, columns?: string[]): void; time(label?: string): void; timeEnd(label?: string): void; }
declare var console: Console;
declare function setTimeout(cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
declare function clearTimeout(id: unknown): void;
declare function setInterval(cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
declare function clearInterval(id: unknown): void;
declare function setImmediate(cb: (...a: unknown[]) => void, ...args: unknown[]): unknown;
declare function queueMicrotask(cb: () => void): void;
declare function structuredClone<T>(value: T): T;
interface AbortSignal { readonly aborted: boolean; readonly reason: unknown; throwIfAborted(): void; addEventListener(type: 'abort', cb: () => void): void; }
declare var AbortSignal: { timeout(ms: number): AbortSignal; abort(reason?: unknown): AbortSignal };
declare class AbortController { readonly signal: AbortSignal; abort(reason?: unknown): void; }
declare var performance: { now(): number };
declare class TextEncoder { encode(s: string): Uint8Array; }
declare class TextDecoder { constructor(label?: string); decode(b: ArrayBufferView | ArrayBuffer): string; }
declare class URL { constructor(url: string, base?: string); href: string; pathname: string; searchParams: { get(k: string): string | null }; }
interface Response { ok: boolean; status: number; json(): Promise<any>; text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer>; }
declare function fetch(url: string | URL, init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal }): Promise<Response>;
declare var process: { env: Record<string, string | undefined>; argv: string[]; platform: string; memoryUsage(): { heapUsed: number; rss: number }; hrtime: { bigint(): bigint } };
`;

ts.typescriptDefaults.addExtraLib(STUDIO_GLOBALS, 'file:///studio-globals.d.ts');

export { monaco };
