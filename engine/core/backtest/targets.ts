// The array form of a strategy (StrategyDefinition.targets) run as a backtest: the strategy hands
// back the position it wants after each bar of each symbol, and this loop turns every change into
// the market order the event-driven run would send, filled by the same rules and booked by the
// same Portfolio and TradeTracker, so its equity curve and figures are the event-driven run's to
// the bit. It exists for sweeps: a combination costs a few ns a bar instead of ~100.
//
// What it models, and nothing more (anything else makes the run "unsupported" and a sweep runs
// that combination through the event loop instead):
// - bars only (no ticks, no latency), no corporate actions; one symbol, or several stepped on the
//   union of their bar times as the event loop steps them;
// - market orders (gtc, as `orders.submit` sends them by default) for target − position, sent
//   when the target differs from the position after the bar's fills; filled at the next bar's
//   open, or with fill.market 'signal-close' at the signal bar's close;
// - slippage (fixed bps, volume share) and fees as the exchange applies them, fill prices clamped
//   to the bar's range;
// - whole-share orders that are accepted and fill at once: a fractional quantity, an order the
//   bar's volume cap would split, or one the exchange would reject (buying power, shorting) is
//   unsupported, because what a strategy does next may depend on it.

import { Portfolio } from '../portfolio/portfolio';
import { computeFee, slippedPrice } from '../orders/costs';
import { validateOrderRequest } from '../orders/validate';
import { type Metrics, computeMetrics } from '../metrics/metrics';
import { type BarIndicator, Ema, type PriceSource, RegressionSlope, Rsi, Sma, Wma, ZScore } from '../indicators/index';
import { resolveParams } from '../strategy/define';
import type { ParamsSchema, StrategyDefinition, TargetInput } from '../strategy/types';
import { type BacktestConfig, type ResolvedConfig, resolveConfig } from './config';
import { type BarColumns, type BarData, checkBarData } from './data';
import { SubmitCheck } from './exchange';
import { BarView } from './parts';
import type { BacktestError, BacktestRequest } from './runner';
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
  if (Object.keys(data).length === 0) return 'the run has no bars';
  if ((config.latencyMs ?? 0) > 0) return 'the run has latency';
  if (config.slippage?.kind === 'half-spread') return 'half-spread slippage needs quotes';
  if ((config.corporateActions?.length ?? 0) > 0) return 'the run applies corporate actions';
  return null;
}

/** Indicator columns computed once per key over one stretch of bars; dropped whole past a budget. */
export class SeriesMemo {
  private readonly columns = new Map<string, Float64Array>();
  private bytes = 0;
  private timeline: { cols: readonly BarColumns[]; value: unknown } | null = null;

  /** The several-symbol timeline of these very columns, worked out once. */
  schedule<T>(cols: readonly BarColumns[], compute: () => T): T {
    const t = this.timeline;
    // The same columns: a sweep task's slice is a new view of the same memory.
    const same = (a: BigInt64Array, b: BigInt64Array) => a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
    if (t !== null && t.cols.length === cols.length && t.cols.every((c, k) => same(c.ts, cols[k].ts))) return t.value as T;
    const value = compute();
    this.timeline = { cols, value };
    return value;
  }
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

/** Each symbol's reused column for positions(), per thread. */
const positionsScratch = new Map<string, Float64Array>();

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
    readonly symbols: readonly string[],
    private readonly inputOf: (symbol: string) => TargetInput,
  ) {
    this.length = cols.close.length;
    this.open = cols.open;
    this.high = cols.high;
    this.low = cols.low;
    this.close = cols.close;
    this.volume = cols.volume;
  }

  of(symbol: string): TargetInput {
    return this.inputOf(symbol);
  }

  series(key: string, make: () => BarIndicator, read: (indicator: BarIndicator) => number = (x) => x.value): Float64Array {
    return this.memo.get(`${this.symbol}|${key}`, this.length, () => {
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
    return this.memo.get(`${this.symbol}|${key}`, this.length, () => {
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
    let col = positionsScratch.get(this.symbol);
    if (col === undefined || col.length < this.length) positionsScratch.set(this.symbol, (col = new Float64Array(this.length)));
    const out = col.subarray(0, this.length);
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

/** A backtest request (bars only), with what the array form shares between runs. */
export interface TargetsRequest<S extends ParamsSchema = ParamsSchema> extends Omit<BacktestRequest<S>, 'ticks'> {
  /** Indicator columns shared across runs over this same data (a sweep worker keeps one per range). */
  memo?: SeriesMemo;
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
  const symbols = Object.keys(request.data).sort();
  const memo = request.memo ?? new SeriesMemo();
  const inputs = new Map<string, TargetInput>();
  const inputOf = (sym: string): TargetInput => {
    let input = inputs.get(sym);
    if (input === undefined) {
      const c = request.data[sym];
      if (c === undefined) throw new RangeError(`bars.of('${sym}'): not one of the run's symbols (${symbols.join(', ')})`);
      inputs.set(sym, (input = new Input(sym, c, memo, symbols, inputOf)));
    }
    return input;
  };

  const watch = request.config?.stopwatch;
  const t0 = watch !== undefined ? watch() : 0;
  let raw: unknown;
  try {
    raw = (def.targets as NonNullable<StrategyDefinition<S>['targets']>)(paramsResult.params, inputOf(symbols[0]));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { kind: 'error', error: { kind: 'strategy', message: `strategy '${def.name}' threw in targets: ${e.message}`, handler: 'targets', stack: e.stack } };
  }
  const columns = targetColumns(def.name, symbols, request.data, raw);
  if (typeof columns === 'string') return { kind: 'error', error: { kind: 'strategy', message: columns } };

  const pf = new Portfolio(symbols, cfg.initialCash, { marginMultiplier: cfg.marginMultiplier, borrowRateAnnual: cfg.borrowRateAnnual });
  const trades = new TradeTracker(symbols, false);
  const book = new Booker(pf, trades, cfg);
  const run =
    symbols.length === 1
      ? simulateOne(book, request.data[symbols[0]], columns[0] ?? new Float64Array(request.data[symbols[0]].ts.length).fill(NaN), request.equityScratch)
      : simulateMany(book, symbols.map((sym) => request.data[sym]), columns, memo, request.equityScratch);
  if (typeof run === 'string') return { kind: 'unsupported', reason: run };
  const loopMs = watch !== undefined ? watch() - t0 : null;
  const metrics = computeMetrics({
    ts: run.ts,
    equity: run.equity,
    inMarketSteps: run.inMarket,
    initialCash: cfg.initialCash,
    tradeStats: trades.stats,
    tradedNotional: pf.tradedNotional,
    riskFreeRate: cfg.riskFreeRate,
    periodsPerYear: cfg.periodsPerYear ?? undefined,
  });
  return { kind: 'figures', bars: run.bars, metrics, loopMs };
}

/**
 * targets()'s answer as one column per symbol (null: never traded), or what is wrong with it. One
 * Float64Array is the first symbol's (the one a single-symbol strategy trades: ctx.symbols[0]).
 */
function targetColumns(name: string, symbols: readonly string[], data: BarData, raw: unknown): (Float64Array | null)[] | string {
  // By tag, not instanceof: a notebook cell's Float64Array comes from another realm.
  const isF64 = (x: unknown): x is Float64Array => Object.prototype.toString.call(x) === '[object Float64Array]';
  const out: (Float64Array | null)[] = symbols.map(() => null);
  const expect = `a Float64Array with one entry per bar of ${symbols[0]}${symbols.length > 1 ? ', or { symbol: Float64Array } for several' : ''}`;
  if (isF64(raw)) {
    const n = data[symbols[0]].ts.length;
    if (raw.length !== n) return `strategy '${name}': targets() must return ${expect} (${n}), got a Float64Array of ${raw.length}`;
    out[0] = raw;
    return out;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `strategy '${name}': targets() must return ${expect}, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`;
  for (const [sym, col] of Object.entries(raw as Record<string, unknown>)) {
    const k = symbols.indexOf(sym);
    if (k < 0) return `strategy '${name}': targets() returned a column for '${sym}', which is not one of the run's symbols (${symbols.join(', ')})`;
    const n = data[sym].ts.length;
    if (!isF64(col) || col.length !== n) return `strategy '${name}': targets().${sym} must be a Float64Array with one entry per bar of ${sym} (${n}), got ${isF64(col) ? `one of ${col.length}` : typeof col}`;
    out[k] = col;
  }
  return out;
}

/** Turns targets into the orders onBar would send and books their fills, as the exchange does. */
class Booker {
  /** Why the run cannot be modelled here, once it cannot. */
  why: string | null = null;
  private readonly atClose: boolean;
  private readonly check: SubmitCheck;
  constructor(
    readonly pf: Portfolio,
    private readonly trades: TradeTracker,
    private readonly cfg: ResolvedConfig,
  ) {
    this.atClose = cfg.market === 'signal-close';
    this.check = new SubmitCheck(pf, cfg.allowShort, cfg.enforceTickSize);
  }

  /** "bar i", and the symbol when the run has several. */
  private where(s: number, i: number): string {
    return `bar ${i}${this.pf.symbols.length > 1 ? ` of ${this.pf.symbols[s]}` : ''}`;
  }

  get fillsAtClose(): boolean {
    return this.atClose;
  }

  /** The market order for `signed` shares of symbol s at `price` in bar i, as execute() and bookFill() fill it. */
  fill(s: number, c: BarColumns, i: number, signed: number, price: number): boolean {
    const side = signed > 0 ? 'buy' : 'sell';
    const qty = signed > 0 ? signed : -signed;
    const v = c.volume[i];
    const cap = this.cfg.maxVolumeShare;
    const budget = cap === Infinity || !(v >= 0) ? Infinity : cap * v;
    if (Math.floor(Math.min(qty, budget) + QTY_EPS) < qty) {
      this.why = `${this.where(s, i)}: the volume cap splits the order for ${qty}`;
      return false;
    }
    let px = slippedPrice(this.cfg.slippage, side, price, qty, v);
    if (px > c.high[i]) px = c.high[i];
    if (px < c.low[i]) px = c.low[i];
    const fee = computeFee(this.cfg.fees, side, qty, px);
    const qtys = this.pf.qtys;
    const before = qtys[s];
    const realized = this.pf.applyFill(s, side, qty, px, fee);
    this.trades.onFill(s, qty, px, fee, realized, before, qtys[s], 0n, i);
    return true;
  }

  /** The order for target − position of symbol s, 0 when there is none or validation would reject it, NaN when unsupported. */
  orderFor(s: number, i: number, want: number): number {
    const held = this.pf.qtys[s];
    const d = want - held;
    if (d === 0) return 0;
    if (!Number.isInteger(d)) {
      this.why = `${this.where(s, i)}: the target ${want} asks for an order of ${d} shares, not a whole number`;
      return NaN;
    }
    // The exchange's own check of the market order onBar would submit: a rejection means the
    // event loop goes another way, and a strategy may act on that (try again, skip a signal),
    // depending on a position its targets() could not see.
    const check = this.check;
    check.knownSymbol = true;
    check.lastPrice = this.pf.lastPrices[s];
    check.positionQty = held;
    const reason = validateOrderRequest({ symbol: this.pf.symbols[s], side: d > 0 ? 'buy' : 'sell', qty: d > 0 ? d : -d, type: 'market' }, check);
    if (reason !== null) {
      this.why = `${this.where(s, i)}: the order for ${d} would be rejected (${reason.split(':')[0]}), which targets() cannot see`;
      return NaN;
    }
    return d;
  }
}

interface Simulated {
  ts: BigInt64Array;
  equity: Float64Array;
  inMarket: number;
  bars: number;
}

/** One symbol: a step per bar, and between orders only the marks move. */
function simulateOne(book: Booker, cols: BarColumns, target: Float64Array, scratch: Float64Array | undefined): Simulated | string {
  const { open, close, ts } = cols;
  const n = close.length;
  const pf = book.pf;
  const qtys = pf.qtys;
  const marks = pf.lastPrices;
  const equity = scratch !== undefined && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  const atClose = book.fillsAtClose;
  const borrow = pf.borrowRateAnnual > 0;
  let pending = 0;
  let inMarket = 0;
  for (let i = 0; i < n; ) {
    if (pending !== 0) {
      if (!book.fill(0, cols, i, pending, open[i])) return book.why as string;
      pending = 0;
    }
    marks[0] = close[i];
    if (borrow && i > 0) pf.accrueBorrow(Number(ts[i] - ts[i - 1]));
    const want = target[i];
    if (want === want) {
      const d = book.orderFor(0, i, want);
      if (d !== d) return book.why as string;
      if (d !== 0) {
        if (!atClose) pending = d;
        else if (!book.fill(0, cols, i, d, close[i])) return book.why as string;
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
  return { ts, equity, inMarket, bars: n };
}

/** When each step happens and which symbols' bars close then (sorted): the event loop's timeline. */
interface Schedule {
  ts: BigInt64Array;
  /** Step j's entries are [start[j], start[j + 1]) of sym and bar. */
  start: Int32Array;
  sym: Int32Array;
  bar: Int32Array;
}

/** Every supported platform is little-endian (checked in runner.ts): word 2i is the low half. */
function scheduleOf(cols: readonly BarColumns[]): Schedule {
  const m = cols.length;
  // Times compared as (high, low) 32-bit words: reading a bigint per bar would allocate.
  const words = cols.map((c) => new Int32Array(c.ts.buffer, c.ts.byteOffset, c.ts.length * 2));
  const cursor = new Int32Array(m);
  let total = 0;
  for (const c of cols) total += c.ts.length;
  const ts = new BigInt64Array(total);
  const start = new Int32Array(total + 1);
  const sym = new Int32Array(total);
  const bar = new Int32Array(total);
  let e = 0;
  let steps = 0;
  while (e < total) {
    let hi = 0;
    let lo = 0;
    let first = -1;
    for (let s = 0; s < m; s++) {
      const i = cursor[s];
      if (i >= cols[s].ts.length) continue;
      const h = words[s][2 * i + 1];
      const l = words[s][2 * i] >>> 0;
      if (first < 0 || h < hi || (h === hi && l < lo)) {
        first = s;
        hi = h;
        lo = l;
      }
    }
    start[steps] = e;
    ts[steps++] = cols[first].ts[cursor[first]];
    for (let s = first; s < m; s++) {
      const i = cursor[s];
      if (i >= cols[s].ts.length || words[s][2 * i + 1] !== hi || words[s][2 * i] >>> 0 !== lo) continue;
      sym[e] = s;
      bar[e] = i;
      e++;
      cursor[s] = i + 1;
    }
  }
  start[steps] = total;
  return { ts: ts.slice(0, steps), start: start.slice(0, steps + 1), sym, bar };
}

/**
 * Several symbols on the union of their bar times, as the event loop steps: at each time, every
 * symbol with a bar there fills what it has pending at that bar's open and is marked to its close
 * (in symbol order), borrow is charged, the targets become orders (and, at the close, fills), and
 * Portfolio.writeRow records the equity.
 */
function simulateMany(book: Booker, cols: readonly BarColumns[], targets: readonly (Float64Array | null)[], memo: SeriesMemo, scratch: Float64Array | undefined): Simulated | string {
  const sched = memo.schedule(cols, () => scheduleOf(cols));
  const steps = sched.ts.length;
  const pf = book.pf;
  const marks = pf.lastPrices;
  const equity = scratch !== undefined && scratch.length >= steps ? scratch.subarray(0, steps) : new Float64Array(steps);
  const atClose = book.fillsAtClose;
  const borrow = pf.borrowRateAnnual > 0;
  const pending = new Float64Array(cols.length);
  const atCloseQty = new Float64Array(cols.length);
  let inMarket = 0;
  for (let j = 0; j < steps; j++) {
    const a = sched.start[j];
    const b = sched.start[j + 1];
    for (let e = a; e < b; e++) {
      const s = sched.sym[e];
      const i = sched.bar[e];
      if (pending[s] !== 0) {
        if (!book.fill(s, cols[s], i, pending[s], cols[s].open[i])) return book.why as string;
        pending[s] = 0;
      }
      marks[s] = cols[s].close[i];
    }
    if (borrow && j > 0) pf.accrueBorrow(Number(sched.ts[j] - sched.ts[j - 1]));
    for (let e = a; e < b; e++) {
      const s = sched.sym[e];
      const t = targets[s];
      if (t === null) continue;
      const i = sched.bar[e];
      const want = t[i];
      if (want !== want) continue;
      const d = book.orderFor(s, i, want);
      if (d !== d) return book.why as string;
      if (d === 0) continue;
      if (atClose) atCloseQty[s] = d;
      else pending[s] = d;
    }
    if (atClose) {
      for (let e = a; e < b; e++) {
        const s = sched.sym[e];
        if (atCloseQty[s] === 0) continue;
        const i = sched.bar[e];
        if (!book.fill(s, cols[s], i, atCloseQty[s], cols[s].close[i])) return book.why as string;
        atCloseQty[s] = 0;
      }
    }
    pf.writeRow(j, equity);
    if (pf.gross !== 0) inMarket++;
  }
  return { ts: sched.ts, equity, inMarket, bars: sched.sym.length };
}
