// The array form of a strategy (StrategyDefinition.targets) run as a backtest: the strategy hands
// back the position it wants after each bar of one symbol, and this loop turns every change into
// the market order the event-driven run would send, filled by the same rules and booked by the
// same Portfolio and TradeTracker, so its equity curve and figures are the event-driven run's to
// the bit. It exists for sweeps: a combination costs a few ns a bar instead of ~100.
//
// What it models, and nothing more (anything else makes the run "unsupported" and a sweep runs
// that combination through the event loop instead):
// - one symbol, bars only (no ticks, no latency), no corporate actions;
// - market orders (gtc, as `orders.submit` sends them by default) for target − position, sent
//   when the target differs from the position after the bar's fills; filled at the next bar's
//   open, or with fill.market 'signal-close' at the signal bar's close;
// - slippage (fixed bps, volume share) and fees as the exchange applies them, fill prices clamped
//   to the bar's range, buying-power and short-selling rejections (the order is not sent);
// - whole-share orders that fill at once: a fractional quantity, or one the bar's volume cap
//   would split, is unsupported.

import { Portfolio } from '../portfolio/portfolio';
import { computeFee, slippedPrice } from '../orders/costs';
import { type Metrics, computeMetrics } from '../metrics/metrics';
import { type BarIndicator, Ema, type PriceSource, RegressionSlope, Rsi, Sma, Wma, ZScore } from '../indicators/index';
import { resolveParams } from '../strategy/define';
import type { ParamsSchema, StrategyDefinition, TargetInput } from '../strategy/types';
import { type BacktestConfig, resolveConfig } from './config';
import { type BarColumns, type BarData, checkBarData } from './data';
import { BarView } from './parts';
import type { BacktestError } from './runner';
import { TradeTracker } from './trades';

export type TargetsOutcome =
  | { kind: 'figures'; bars: number; metrics: Metrics; loopMs: number | null }
  | { kind: 'error'; error: BacktestError }
  /** The run needs something this loop does not model: run it through the event loop. */
  | { kind: 'unsupported'; reason: string };

/** Why a run cannot take the array form before it starts, or null when it can. */
export function targetsUnsupported(def: StrategyDefinition, data: BarData, config: BacktestConfig = {}, hasTicks = false): string | null {
  if (def.targets === undefined) return `strategy '${def.name}' has no targets() form`;
  if (hasTicks) return 'the run has ticks';
  if (Object.keys(data).length !== 1) return 'the array form runs one symbol';
  if ((config.latencyMs ?? 0) > 0) return 'the run has latency';
  if (config.slippage?.kind === 'half-spread') return 'half-spread slippage needs quotes';
  if ((config.corporateActions?.length ?? 0) > 0) return 'the run applies corporate actions';
  return null;
}

/** Indicator columns computed once per key over one stretch of bars; dropped whole past a budget. */
export class SeriesMemo {
  private readonly columns = new Map<string, Float64Array>();
  private bytes = 0;
  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  get(key: string, n: number, compute: () => Float64Array): Float64Array {
    const hit = this.columns.get(key);
    if (hit !== undefined && hit.length === n) return hit;
    const col = compute();
    if (this.bytes + col.byteLength > this.maxBytes) {
      this.columns.clear();
      this.bytes = 0;
    }
    this.columns.set(key, col);
    this.bytes += col.byteLength;
    return col;
  }
}

let positionsScratch = new Float64Array(0);

class Input implements TargetInput {
  readonly length: number;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  constructor(
    readonly symbol: string,
    private readonly cols: BarColumns,
    private readonly memo: SeriesMemo,
  ) {
    this.length = cols.close.length;
    this.open = cols.open;
    this.high = cols.high;
    this.low = cols.low;
    this.close = cols.close;
    this.volume = cols.volume;
  }

  series(key: string, make: () => BarIndicator, read: (indicator: BarIndicator) => number = (x) => x.value): Float64Array {
    return this.memo.get(key, this.length, () => {
      const ind = make();
      const view = new BarView(this.symbol, this.cols);
      const out = new Float64Array(this.length);
      for (let i = 0; i < out.length; i++) {
        view.index = i;
        ind.updateBar(view);
        out[i] = ind.ready ? read(ind) : NaN;
      }
      return out;
    });
  }

  sma(period: number, source: PriceSource = 'close'): Float64Array {
    const key = `sma:${period}:${source}`;
    if (!(source in this.cols)) return this.series(key, () => new Sma(period, source));
    // A column of the bars: the SMA's own whole-column loop, the same bits as bar by bar.
    return this.memo.get(key, this.length, () => {
      const out = new Float64Array(this.length);
      new Sma(period, source).updateAll(this.cols[source as 'open' | 'high' | 'low' | 'close' | 'volume'], out);
      return out;
    });
  }
  ema(period: number, source: PriceSource = 'close'): Float64Array {
    return this.series(`ema:${period}:${source}`, () => new Ema(period, source));
  }
  wma(period: number, source: PriceSource = 'close'): Float64Array {
    return this.series(`wma:${period}:${source}`, () => new Wma(period, source));
  }
  rsi(period = 14, source: PriceSource = 'close'): Float64Array {
    return this.series(`rsi:${period}:${source}`, () => new Rsi(period, source));
  }
  zscore(period: number, source: PriceSource = 'close'): Float64Array {
    return this.series(`zscore:${period}:${source}`, () => new ZScore(period, source));
  }
  slope(period: number, source: PriceSource = 'close'): Float64Array {
    return this.series(`slope:${period}:${source}`, () => new RegressionSlope(period, source));
  }

  positions(): Float64Array {
    if (positionsScratch.length < this.length) positionsScratch = new Float64Array(this.length);
    const out = positionsScratch.subarray(0, this.length);
    out.fill(NaN);
    return out;
  }
}

const QTY_EPS = 1e-9;

/** The first bar at or after `from` whose target is a number (not NaN), or the length. */
function nextTarget(target: Float64Array, from: number): number {
  let i = from;
  while (i < target.length && target[i] !== target[i]) i++;
  return i;
}

/**
 * Equity of bars [from, to) with the position and cash unchanged (the same arithmetic as
 * Portfolio.writeRow); returns how many of them were in the market.
 */
function markStretch(equity: Float64Array, close: Float64Array, from: number, to: number, cash: number, q: number): number {
  if (q === 0) {
    const flat = cash + 0;
    for (let i = from; i < to; i++) equity[i] = flat;
    return 0;
  }
  let inMarket = 0;
  for (let i = from; i < to; i++) {
    const v = q * close[i];
    equity[i] = cash + v;
    if (v !== 0) inMarket++;
  }
  return inMarket;
}

export interface TargetsRequest<S extends ParamsSchema = ParamsSchema> {
  strategy: StrategyDefinition<S>;
  params?: Readonly<Record<string, unknown>>;
  data: BarData;
  config?: BacktestConfig;
  dataChecked?: boolean;
  /** Indicator columns shared across runs over this same data (a sweep worker keeps one per range). */
  memo?: SeriesMemo;
  /** Where to write the equity curve (a sweep worker reuses one). */
  equityScratch?: Float64Array;
  /** The run has trades or quotes too: unsupported. */
  hasTicks?: boolean;
}

export function runTargets<S extends ParamsSchema>(request: TargetsRequest<S>): TargetsOutcome {
  const def = request.strategy;
  const unsupported = targetsUnsupported(def as StrategyDefinition, request.data, request.config, request.hasTicks === true);
  if (unsupported !== null) return { kind: 'unsupported', reason: unsupported };
  const dataError = request.dataChecked === true ? null : checkBarData(request.data);
  if (dataError !== null) return { kind: 'error', error: { kind: 'data', message: `data: ${dataError}` } };
  const cfgResult = resolveConfig(request.config);
  if (!cfgResult.ok) return { kind: 'error', error: { kind: 'config', message: cfgResult.message } };
  const cfg = cfgResult.config;
  const paramsResult = resolveParams(def, request.params ?? {});
  if (!paramsResult.ok) return { kind: 'error', error: { kind: 'params', message: paramsResult.message, issues: paramsResult.issues } };
  const symbol = Object.keys(request.data)[0];
  const cols = request.data[symbol];
  const n = cols.close.length;
  const { open, high, low, close, volume } = cols;

  const watch = request.config?.stopwatch;
  const t0 = watch !== undefined ? watch() : 0;
  let target: Float64Array;
  try {
    target = (def.targets as NonNullable<StrategyDefinition<S>['targets']>)(paramsResult.params, new Input(symbol, cols, request.memo ?? new SeriesMemo()));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { kind: 'error', error: { kind: 'strategy', message: `strategy '${def.name}' threw in targets: ${e.message}`, handler: 'targets', stack: e.stack } };
  }
  // By tag, not instanceof: a notebook cell's Float64Array comes from another realm.
  const isF64 = Object.prototype.toString.call(target) === '[object Float64Array]';
  if (!isF64 || target.length !== n) {
    const got = isF64 ? `a Float64Array of ${target.length}` : Array.isArray(target) ? 'an array' : typeof target;
    return { kind: 'error', error: { kind: 'strategy', message: `strategy '${def.name}': targets() must return a Float64Array with one entry per bar (${n}), got ${got}` } };
  }

  const pf = new Portfolio([symbol], cfg.initialCash, { marginMultiplier: cfg.marginMultiplier, borrowRateAnnual: cfg.borrowRateAnnual });
  const trades = new TradeTracker([symbol], false);
  const qtys = pf.qtys;
  const marks = pf.lastPrices;
  const equity = request.equityScratch !== undefined && request.equityScratch.length >= n ? request.equityScratch.subarray(0, n) : new Float64Array(n);
  const atClose = cfg.market === 'signal-close';
  const cap = cfg.maxVolumeShare;
  const borrow = cfg.borrowRateAnnual > 0;
  const ts = cols.ts;
  let why: string | null = null;

  /** Books the market order for `signed` shares at `price` in bar i, as the exchange's execute() and bookFill() do. */
  const fill = (i: number, signed: number, price: number): boolean => {
    const side = signed > 0 ? 'buy' : 'sell';
    const qty = signed > 0 ? signed : -signed;
    const v = volume[i];
    const budget = cap === Infinity || !(v >= 0) ? Infinity : cap * v;
    if (Math.floor(Math.min(qty, budget) + QTY_EPS) < qty) {
      why = `bar ${i}: the volume cap splits the order for ${qty}`;
      return false;
    }
    let px = slippedPrice(cfg.slippage, side, price, qty, v);
    if (px > high[i]) px = high[i];
    if (px < low[i]) px = low[i];
    const fee = computeFee(cfg.fees, side, qty, px);
    const before = qtys[0];
    const realized = pf.applyFill(0, side, qty, px, fee);
    trades.onFill(0, qty, px, fee, realized, before, qtys[0], 0n, i);
    return true;
  };
  /** The order for target − position, or 0 when there is none or validation would reject it. */
  const orderFor = (i: number, want: number): number => {
    const held = qtys[0];
    const d = want - held;
    if (d === 0) return 0;
    if (!Number.isInteger(d)) {
      why = `bar ${i}: the target ${want} asks for an order of ${d} shares, not a whole number`;
      return NaN;
    }
    const buy = d > 0;
    const qty = buy ? d : -d;
    // checkExposure in orders/validate.ts: the part of the order that opens or adds exposure.
    const opening = buy ? Math.max(0, qty - Math.max(0, -held)) : Math.max(0, qty - Math.max(0, held));
    if (opening <= 0) return d;
    if (!buy && !cfg.allowShort) return 0;
    const est = marks[0];
    if (Number.isFinite(est) && opening * est > pf.buyingPower() + 1e-9) return 0;
    return d;
  };

  let pending = 0;
  let inMarket = 0;
  for (let i = 0; i < n; ) {
    if (pending !== 0) {
      if (!fill(i, pending, open[i])) break;
      pending = 0;
    }
    marks[0] = close[i];
    if (borrow && i > 0) pf.accrueBorrow(Number(ts[i] - ts[i - 1]));
    const want = target[i];
    if (want === want) {
      const d = orderFor(i, want);
      if (d !== d) break;
      if (d !== 0) {
        if (!atClose) pending = d;
        else if (!fill(i, d, close[i])) break;
      }
    }
    const q = qtys[0];
    if (q !== 0) {
      const v = q * close[i];
      equity[i] = pf.cash + v;
      if (v !== 0) inMarket++;
    } else {
      equity[i] = pf.cash + 0;
    }
    i++;
    // Up to the next bar that has a target (or a fill, or borrow to charge), cash and position
    // stand still: only the marks move.
    if (pending === 0 && !borrow && i < n) {
      const to = nextTarget(target, i);
      inMarket += markStretch(equity, close, i, to, pf.cash, qtys[0]);
      i = to;
    }
  }
  if (why !== null) return { kind: 'unsupported', reason: why };
  const loopMs = watch !== undefined ? watch() - t0 : null;
  const metrics = computeMetrics({
    ts,
    equity,
    inMarketSteps: inMarket,
    initialCash: cfg.initialCash,
    tradeStats: trades.stats,
    tradedNotional: pf.tradedNotional,
    riskFreeRate: cfg.riskFreeRate,
    periodsPerYear: cfg.periodsPerYear ?? undefined,
  });
  return { kind: 'figures', bars: n, metrics, loopMs };
}
