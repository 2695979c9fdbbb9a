// One unit of sweep work: run a strategy with one parameter set over a time range of shared bar
// data, and reply with figures small enough to post between threads (no orders, no event log).
// Worker threads and the calling thread run the same function, so results do not depend on where
// a task ran.
import type { BacktestConfig } from '../core/backtest/config';
import { type BarColumns, type BarData, lowerBoundTs } from '../core/backtest/data';
import { type BacktestError, type BacktestResult, runBacktest } from '../core/backtest/runner';
import { SeriesMemo, runTargets } from '../core/backtest/targets';
import type { Metrics } from '../core/metrics/metrics';
import type { StrategyDefinition } from '../core/strategy/types';
import type { QuoteColumns, SymbolTicks, TickData, TradeColumns } from '../core/backtest/ticks';

/** Config without the stopwatch function, so it can be posted to a worker. */
export type PortableConfig = Omit<BacktestConfig, 'stopwatch' | 'onProgress'>;

/** The config without its callbacks, which cannot cross to a worker thread (the worker sets its own). */
export function portableConfig(config: BacktestConfig): PortableConfig {
  const { stopwatch: _omit, onProgress: _none, ...rest } = config;
  return rest;
}

export interface SweepTask {
  /** Position in the caller's task list. */
  index: number;
  params: Record<string, unknown>;
  /** Inclusive close-time range in ns; absent = all bars. */
  fromNs?: bigint;
  toNs?: bigint;
  /** Also return the equity curve and trade P&Ls (walk-forward out-of-sample runs). */
  detail?: boolean;
  /** Return the whole result (a single backtest run off the host's thread). */
  full?: boolean;
  /** Starting cash instead of the pool's config (walk-forward carries capital from fold to fold). */
  initialCash?: number;
  /**
   * targets: the strategy's array form (StrategyDefinition.targets) where the run allows it, the
   * event loop where it does not; events (default): always the event loop. Only for figure-only
   * tasks: a task with `detail` or `full` always runs the event loop.
   */
  mode?: SweepMode;
}

export type SweepMode = 'targets' | 'events';

export interface TaskResult {
  index: number;
  params: Record<string, unknown>;
  ok: boolean;
  error: string | null;
  /** The engine's error as is (with the strategy's stack) when the run failed. */
  failure?: BacktestError;
  full?: BacktestResult;
  bars: number;
  trades: number;
  metrics: Metrics | null;
  loopMs: number;
  /** Which loop produced the figures. */
  via: SweepMode;
  /** With mode targets, why this task ran the event loop instead (null when it did not). */
  fallback?: string | null;
  equityTs?: BigInt64Array;
  equity?: Float64Array;
  tradePnls?: number[];
}

/** Views (no copies) of the bars whose close time lies in [fromNs, toNs]; symbols left with no bars are dropped. */
export function sliceBarData(data: BarData, fromNs?: bigint, toNs?: bigint): BarData {
  if (fromNs === undefined && toNs === undefined) return data;
  const out: Record<string, BarColumns> = {};
  for (const [sym, c] of Object.entries(data)) {
    const a = fromNs === undefined ? 0 : lowerBoundTs(c.ts, fromNs);
    const b = toNs === undefined ? c.ts.length : lowerBoundTs(c.ts, toNs + 1n);
    if (b <= a) continue;
    out[sym] = {
      ts: c.ts.subarray(a, b),
      open: c.open.subarray(a, b),
      high: c.high.subarray(a, b),
      low: c.low.subarray(a, b),
      close: c.close.subarray(a, b),
      volume: c.volume.subarray(a, b),
    };
  }
  return out;
}

/** Views (no copies) of the trades and quotes whose time lies in [fromNs, toNs]; streams left empty are dropped. */
export function sliceTickData(ticks: TickData, fromNs?: bigint, toNs?: bigint): TickData {
  if (fromNs === undefined && toNs === undefined) return ticks;
  const range = (ts: BigInt64Array): [number, number] => [fromNs === undefined ? 0 : lowerBoundTs(ts, fromNs), toNs === undefined ? ts.length : lowerBoundTs(ts, toNs + 1n)];
  const out: Record<string, SymbolTicks> = {};
  for (const [sym, t] of Object.entries(ticks)) {
    const trades = t.trades;
    const quotes = t.quotes;
    const [ta, tb] = trades !== undefined ? range(trades.ts) : [0, 0];
    const [qa, qb] = quotes !== undefined ? range(quotes.ts) : [0, 0];
    const slice: { trades?: TradeColumns; quotes?: QuoteColumns } = {};
    if (trades !== undefined && tb > ta) slice.trades = { ts: trades.ts.subarray(ta, tb), price: trades.price.subarray(ta, tb), size: trades.size.subarray(ta, tb) };
    if (quotes !== undefined && qb > qa) {
      slice.quotes = { ts: quotes.ts.subarray(qa, qb), bid: quotes.bid.subarray(qa, qb), ask: quotes.ask.subarray(qa, qb), bidSize: quotes.bidSize.subarray(qa, qb), askSize: quotes.askSize.subarray(qa, qb) };
    }
    if (slice.trades !== undefined || slice.quotes !== undefined) out[sym] = slice;
  }
  return out;
}

let scratch = new Float64Array(0);
/** Indicator columns of the array form, per data and time range (one range at a time: a walk-forward moves on and does not come back). */
const memos = new WeakMap<BarData, { range: string; memo: SeriesMemo }>();

/** This thread's equity scratch column, large enough for any run over `data` (steps <= bars). */
function scratchFor(data: BarData): Float64Array {
  let bars = 0;
  for (const c of Object.values(data)) bars += c.ts.length;
  if (scratch.length < bars) scratch = new Float64Array(bars);
  return scratch;
}

export function runTask(
  strategy: StrategyDefinition,
  data: BarData,
  config: PortableConfig,
  task: SweepTask,
  now: () => number,
  onProgress?: (done: number, total: number) => void,
  /** `data` passed checkBarData already (a worker checks its shared bars once); slices of it stay valid. */
  dataChecked = false,
  /** Trades and quotes next to the bars (a ranged task takes the ticks of its range). */
  ticks?: TickData,
): TaskResult {
  const slice = sliceBarData(data, task.fromNs, task.toNs);
  const base = { index: task.index, params: task.params };
  const tickSlice = ticks !== undefined ? sliceTickData(ticks, task.fromNs, task.toNs) : undefined;
  if (tickSlice !== undefined && Object.keys(slice).length === 0 && Object.keys(tickSlice).length === 0) return { ...base, ok: false, error: 'no bars or ticks in the range', bars: 0, trades: 0, metrics: null, loopMs: 0, via: 'events' };
  if (Object.keys(slice).length === 0 && ticks === undefined) return { ...base, ok: false, error: 'no bars in the range', bars: 0, trades: 0, metrics: null, loopMs: 0, via: 'events' };
  // Only a full run hands back its orders and event log; the rest need not keep them.
  const keepOrderLog = task.full === true && config.keepOrderLog !== false;
  // A run whose curve is not handed back writes it into this thread's reused scratch column.
  const keepsCurve = task.detail === true || task.full === true;
  const equityScratch = keepsCurve ? undefined : scratchFor(slice);
  const cash = task.initialCash !== undefined ? { initialCash: task.initialCash } : {};
  let fallback: string | null = null;
  if (task.mode === 'targets' && !keepsCurve) {
    const range = `${task.fromNs ?? ''}:${task.toNs ?? ''}`;
    let kept = memos.get(data);
    if (kept === undefined || kept.range !== range) memos.set(data, (kept = { range, memo: new SeriesMemo() }));
    const memo = kept.memo;
    const t = runTargets({ strategy, params: task.params, data: slice, dataChecked, memo, equityScratch, config: { ...config, ...cash, stopwatch: now }, hasTicks: tickSlice !== undefined });
    if (t.kind === 'figures') return { ...base, ok: true, error: null, bars: t.bars, trades: t.metrics.trades, metrics: t.metrics, loopMs: t.loopMs ?? 0, via: 'targets', fallback: null };
    if (t.kind === 'error') return { ...base, ok: false, error: t.error.message, failure: t.error, bars: 0, trades: 0, metrics: null, loopMs: 0, via: 'targets', fallback: null };
    fallback = t.reason;
  }
  const out = runBacktest({ strategy, params: task.params, data: slice, ticks: tickSlice, dataChecked, equityScratch, config: { ...config, ...cash, keepOrderLog, stopwatch: now, onProgress } });
  const via = { via: 'events' as const, ...(task.mode === 'targets' ? { fallback: fallback ?? 'the task keeps its curve or trades' } : {}) };
  if (!out.ok) return { ...base, ok: false, error: out.error.message, failure: out.error, bars: 0, trades: 0, metrics: null, loopMs: 0, ...via };
  const r = out.result;
  // The metrics' count, not r.trades.length: reading r.trades builds every trade object.
  const res: TaskResult = { ...base, ok: true, error: null, bars: r.bars, trades: r.metrics.trades, metrics: r.metrics, loopMs: r.timing?.loopMs ?? 0, ...via };
  if (task.detail) {
    res.equityTs = r.equity.ts;
    res.equity = r.equity.equity;
    res.tradePnls = r.trades.map((t) => t.pnl);
  }
  if (task.full) res.full = r;
  return res;
}

/** Copies tick columns into SharedArrayBuffers, like shareBarData. */
export function shareTickData(ticks: TickData): TickData {
  const out: Record<string, SymbolTicks> = {};
  for (const [sym, t] of Object.entries(ticks)) {
    out[sym] = {
      ...(t.trades !== undefined ? { trades: { ts: sharedTs(t.trades.ts), price: sharedF(t.trades.price), size: sharedF(t.trades.size) } } : {}),
      ...(t.quotes !== undefined
        ? { quotes: { ts: sharedTs(t.quotes.ts), bid: sharedF(t.quotes.bid), ask: sharedF(t.quotes.ask), bidSize: sharedF(t.quotes.bidSize), askSize: sharedF(t.quotes.askSize) } }
        : {}),
    };
  }
  return out;
}

function sharedF(src: Float64Array): Float64Array {
  const dst = new Float64Array(new SharedArrayBuffer(src.length * 8));
  dst.set(src);
  return dst;
}

function sharedTs(src: BigInt64Array): BigInt64Array {
  const dst = new BigInt64Array(new SharedArrayBuffer(src.length * 8));
  dst.set(src);
  return dst;
}

/** Copies bar columns into SharedArrayBuffers once, so every worker reads them without a copy. */
export function shareBarData(data: BarData): BarData {
  const out: Record<string, BarColumns> = {};
  for (const [sym, c] of Object.entries(data)) {
    const n = c.ts.length;
    const f = (src: Float64Array) => {
      const dst = new Float64Array(new SharedArrayBuffer(n * 8));
      dst.set(src);
      return dst;
    };
    const ts = new BigInt64Array(new SharedArrayBuffer(n * 8));
    ts.set(c.ts);
    out[sym] = { ts, open: f(c.open), high: f(c.high), low: f(c.low), close: f(c.close), volume: f(c.volume) };
  }
  return out;
}
