// The strategy API: what a strategy declares and what it is given. Backtest, paper and live all
// implement StrategyContext, so strategy code never knows which one it runs in.

import type { z } from 'zod';
import type { Clock, TimeEvent, UnixNanos } from '../clock';
import type { Bar, OrderEvent, Quote, Trade } from '../events';
import type {
  Atr,
  BarIndicator,
  Bollinger,
  Ema,
  Macd,
  PriceSource,
  RegressionSlope,
  Rsi,
  Sma,
  Stochastic,
  Vwap,
  Wma,
  ZScore,
} from '../indicators/index';
import type { Order, OrderReplace, OrderRequest } from '../orders/types';
import type { PortfolioView } from '../portfolio/portfolio';

/**
 * Past bars of one symbol, newest first by `ago`. It only ever holds bars whose close time has
 * been reached: there is no index that reaches a later bar. Numeric accessors return NaN for an
 * `ago` outside [0, length).
 */
export interface BarHistory {
  readonly symbol: string;
  /** Bars delivered so far. */
  readonly length: number;
  open(ago?: number): number;
  high(ago?: number): number;
  low(ago?: number): number;
  close(ago?: number): number;
  volume(ago?: number): number;
  /** Close time of the bar `ago` bars back; throws RangeError outside [0, length). */
  ts(ago?: number): UnixNanos;
  /** Copies the last min(n, length) closes, oldest first, into `out` (or a new array). */
  closes(n: number, out?: Float64Array): Float64Array;
}

/**
 * Indicators fed automatically with every bar of `symbol`, before `onBar` sees that bar. Create
 * them in `create` or `onStart` so they warm up from the first bar.
 */
export interface IndicatorRegistry {
  sma(symbol: string, period: number, source?: PriceSource): Sma;
  ema(symbol: string, period: number, source?: PriceSource): Ema;
  wma(symbol: string, period: number, source?: PriceSource): Wma;
  rsi(symbol: string, period?: number, source?: PriceSource): Rsi;
  macd(symbol: string, fast?: number, slow?: number, signal?: number, source?: PriceSource): Macd;
  bollinger(symbol: string, period?: number, stdDevs?: number, source?: PriceSource): Bollinger;
  atr(symbol: string, period?: number): Atr;
  stochastic(symbol: string, period?: number, signalPeriod?: number): Stochastic;
  vwap(symbol: string, period?: number): Vwap;
  zscore(symbol: string, period: number, source?: PriceSource): ZScore;
  slope(symbol: string, period: number, source?: PriceSource): RegressionSlope;
  /** Feeds any BarIndicator, including your own. */
  register<T extends BarIndicator>(symbol: string, indicator: T): T;
}

/**
 * Orders. Commands never throw for a bad order: `submit` always returns an id, and a rejected
 * order arrives as an OrderRejected event (and `get(id).status === 'rejected'`).
 */
export interface OrderApi {
  submit(request: OrderRequest): string;
  cancel(orderId: string): boolean;
  replace(orderId: string, change: OrderReplace): boolean;
  cancelAll(symbol?: string): number;
  /** Submits a market order that flattens the position; null when already flat. */
  closePosition(symbol: string): string | null;
  get(orderId: string): Order | undefined;
  open(symbol?: string): Order[];
}

export interface StrategyContext {
  readonly clock: Clock;
  readonly symbols: readonly string[];
  history(symbol: string): BarHistory;
  readonly indicators: IndicatorRegistry;
  readonly portfolio: PortfolioView;
  readonly orders: OrderApi;
}

/** Every handler is optional. Bars arrive in time order, symbols sorted by name within one time. */
export interface StrategyHandlers {
  onStart?(): void;
  onBar?(bar: Bar): void;
  onTrade?(trade: Trade): void;
  onQuote?(quote: Quote): void;
  onOrderEvent?(event: OrderEvent): void;
  onTimer?(event: TimeEvent): void;
  onStop?(): void;
}

/** A zod object schema; every field should have a default so `{}` is a valid parameter set. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>;

export interface StrategyDefinition<S extends ParamsSchema = ParamsSchema> {
  readonly name: string;
  readonly description?: string;
  readonly params: S;
  /** Called once per run with fresh state: keep all mutable state inside the closure. */
  create(ctx: StrategyContext, params: z.output<S>): StrategyHandlers;
  /**
   * Optional array form of the same strategy, for fast sweeps (vectorbt's "from signals"): given
   * whole columns of bars, the position wanted after each bar of a symbol, or NaN for "leave it"
   * (one column for the first symbol, or { symbol: column } for several). A sweep screens every
   * combination with it and re-runs the best ones through `create`/`onBar`, failing if any figure
   * differs, so it must decide exactly what onBar decides. See engine/core/backtest/targets.ts for
   * what it models (market orders).
   */
  targets?(params: z.output<S>, bars: TargetInput): Float64Array | Readonly<Record<string, Float64Array>>;
}

/**
 * One symbol's bars as whole columns, for a strategy's array form (`of` reaches the run's other
 * symbols). Nothing here is a decision input the event-driven run would not have at the same bar,
 * as long as bar i's target reads only entries 0..i: the sweep's re-run through onBar is the check.
 */
export interface TargetInput {
  readonly symbol: string;
  /** Every symbol of the run, sorted (this input is the first one's: ctx.symbols[0]). */
  readonly symbols: readonly string[];
  /** Another symbol's input. Return { [symbol]: column } to trade several; a lone column is the first symbol's. */
  of(symbol: string): TargetInput;
  readonly length: number;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /**
   * An indicator fed with every bar exactly as ctx.indicators feeds it (so the same bits), as a
   * column of its value after each bar, NaN until it is ready. Computed once per `key` and reused
   * across the combinations a worker runs: give each distinct indicator its own key.
   */
  series(key: string, make: () => BarIndicator, read?: (indicator: BarIndicator) => number): Float64Array;
  sma(period: number, source?: PriceSource): Float64Array;
  ema(period: number, source?: PriceSource): Float64Array;
  wma(period: number, source?: PriceSource): Float64Array;
  rsi(period?: number, source?: PriceSource): Float64Array;
  zscore(period: number, source?: PriceSource): Float64Array;
  slope(period: number, source?: PriceSource): Float64Array;
  /** A column of NaN ("leave the position as it is") to write the targets into; reused between calls. */
  positions(): Float64Array;
}
