// The event-driven backtest loop. Per distinct bar time T, in this order:
//   1. timers due at or before T fire (onTimer);
//   2. the clock moves to T; every symbol with a bar closing at T has its working orders matched
//      against that bar, then is marked to its close;
//   3. fill events are delivered (onOrderEvent);
//   4. histories and registered indicators take in the bars closing at T;
//   5. onBar runs for each of those symbols (sorted by name);
//   6. with fill.market = 'signal-close', orders placed in step 5 meet the close of T;
//   7. equity is recorded for T (cash and exposure as changes: see curve.ts).
// Orders placed at time t only meet bars that start at or after t (a bar starts at the previous
// bar's close), so no fill can use a price from before the decision. The loop allocates nothing
// per bar — timestamps are compared as 32-bit words, never read as bigints unless a strategy or
// an order event asks for the time — and order events allocate only as they happen.
//
// The loop is a generator (runBars): over all the bars at once it runs to the end in one step;
// streamed (runBacktestStream), it yields when its window of bars is used up, takes the next
// chunk, keeps the last `lookback` bars for history windows and moves every bar index it holds
// with the window. Runs with ticks, latency or half-spread slippage take ticks.ts's event loop.

import { withRoom } from '../growable';
import { NEVER_NS } from '../clock';
import type { OrderEvent } from '../events';
import type { BarIndicator } from '../indicators/index';
import { type Metrics, MetricsStream, computeMetrics } from '../metrics/metrics';
import type { Order } from '../orders/types';
import type { Position } from '../portfolio/portfolio';
import { type ParamIssue, resolveParams } from '../strategy/define';
import { ColumnHistory, advanceHistory, rebindHistory } from '../strategy/history';
import type { ParamsSchema, StrategyDefinition, StrategyHandlers } from '../strategy/types';
import { type BacktestConfig, type ResolvedConfig, resolveConfig } from './config';
import { createBacktestContext } from './context';
import { type BarColumns, type BarData, checkBarData } from './data';
import { type CurveRows, CurveLog, ThinCurve } from './curve';
import type { BarInput } from './exchange';
import { BarView, actionsBySymbol, applyActionsDue, engineParts, resultOf, strategyFailure } from './parts';
import type { TradeRecord } from './trades';
import { type TickData, needsEventLoop, runEventBacktest } from './ticks';

export interface BacktestRequest<S extends ParamsSchema = ParamsSchema> {
  strategy: StrategyDefinition<S>;
  /** Raw parameter values; defaults fill the rest. */
  params?: Readonly<Record<string, unknown>>;
  data: BarData;
  config?: BacktestConfig;
  /**
   * The caller has validated this very data with checkBarData and will not change it (a sweep
   * checks its shared bars once instead of once per combination: ~15 ms per million bars).
   */
  dataChecked?: boolean;
  /**
   * Trades and/or quotes per symbol, next to (or instead of: pass `data: {}`) the bars. Such a
   * run, or one with latency or half-spread slippage, takes the event loop in ticks.ts.
   */
  ticks?: TickData;
  /**
   * A column the run may write its equity curve into instead of a fresh one, for a caller that
   * reads only the figures and then starts the next run (a sweep worker reuses one): a fresh
   * column per run costs its page faults, ~10 ns a bar. The result's curve is then a view of it,
   * valid until the buffer is reused.
   */
  equityScratch?: Float64Array;
}

export interface EquityCurve {
  /** One entry per distinct bar time across all symbols. */
  readonly ts: BigInt64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  /** Gross market value of open positions. */
  readonly exposure: Float64Array;
}

export interface BacktestResult {
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly config: ResolvedConfig;
  readonly symbols: readonly string[];
  /** Bars processed, all symbols together. */
  readonly bars: number;
  readonly equity: EquityCurve;
  /** Closed round trips, in the order they closed. */
  readonly trades: readonly TradeRecord[];
  /** Positions still open at the end, valued at the last close. */
  readonly openTrades: readonly TradeRecord[];
  readonly orders: readonly Order[];
  /** Orders submitted, legs included: the length of `orders` when the run keeps them. */
  readonly orderCount: number;
  readonly orderEvents: readonly OrderEvent[];
  readonly fills: number;
  readonly finalPositions: readonly Position[];
  readonly fees: number;
  readonly borrowCost: number;
  /** Cash dividends from config.corporateActions (negative when paid on shorts). */
  readonly dividends: number;
  readonly metrics: Metrics;
  /** Equal-weight buy-and-hold of the symbols from their first to last close. */
  readonly benchmark: { readonly totalReturn: number; readonly cagr: number };
  /** Present only with `config.stopwatch`; never part of the deterministic output. */
  readonly timing: { readonly loopMs: number; readonly barsPerSecond: number } | null;
}

export interface BacktestError {
  readonly kind: 'params' | 'data' | 'config' | 'strategy';
  readonly message: string;
  readonly issues?: readonly ParamIssue[];
  /** For strategy errors: the handler that threw and the clock time. */
  readonly handler?: string;
  readonly tsNs?: bigint;
  readonly stack?: string;
}

export type BacktestOutcome = { ok: true; result: BacktestResult } | { ok: false; error: BacktestError };

/** A strategy that keeps reacting to its own events without end is a bug, not a workload. */
const MAX_EVENTS_PER_DISPATCH = 1_000_000;
const NS_PER_DAY = 86_400e9;
/** Steps a streamed run buffers before handing them on (to metrics, the thinned curve, onRows). */
const STREAM_BUFFER_STEPS = 1 << 16;

/** Every supported platform is little-endian; checked rather than assumed. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;


/** The bar the exchange matches against, with its session flags computed on first read. */
class LoopBar implements BarInput {
  sym = 0;
  barIndex = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  barStartNs = 0n;
  constructor(
    private readonly dayAt: (s: number, i: number) => number,
    private readonly len: Int32Array,
  ) {}

  get sessionFirst(): boolean {
    const i = this.barIndex;
    return i === 0 || this.dayAt(this.sym, i - 1) !== this.dayAt(this.sym, i);
  }

  get sessionLast(): boolean {
    const i = this.barIndex;
    return i + 1 === this.len[this.sym] || this.dayAt(this.sym, i + 1) !== this.dayAt(this.sym, i);
  }
}

export function runBacktest<S extends ParamsSchema>(request: BacktestRequest<S>): BacktestOutcome {
  // Decided once per run: bar-only runs never pay for ticks or latency.
  if (needsEventLoop(request as BacktestRequest)) return runEventBacktest(request);
  const dataError = request.dataChecked === true ? null : checkBarData(request.data);
  if (dataError !== null) return { ok: false, error: { kind: 'data', message: `data: ${dataError}` } };
  // Sorted so the run does not depend on the caller's key order.
  const symbols = Object.keys(request.data).sort();
  // With all the bars at hand the loop never asks for more: one step of the generator is the run.
  return runBars(request, symbols, symbols.map((s) => request.data[s]), null).next().value as BacktestOutcome;
}

/** What a streamed run needs besides the request: see runBacktestStream. */
interface StreamState {
  lookback: number;
  keep: 'all' | 'figures';
  curvePoints: number;
  onRows: ((rows: CurveRows) => void) | undefined;
  totalBars: number;
}

/**
 * The loop over bars. Given all bars (`stream` null) it runs to the end; streamed, it yields when
 * its window of bars is used up and takes the next chunk (or null at the end) from `next()`.
 */
function* runBars<S extends ParamsSchema>(request: Omit<BacktestRequest<S>, 'data'>, symbols: readonly string[], cols: BarColumns[], stream: StreamState | null): Generator<void, BacktestOutcome, BarData | null> {
  const { strategy } = request;
  const cfgResult = resolveConfig(request.config);
  if (!cfgResult.ok) return { ok: false, error: { kind: 'config', message: cfgResult.message } };
  const cfg = cfgResult.config;
  const paramsResult = resolveParams(strategy, request.params ?? {});
  if (!paramsResult.ok) return { ok: false, error: { kind: 'params', message: paramsResult.message, issues: paramsResult.issues } };
  const params = paramsResult.params;
  const nSym = symbols.length;
  let firstTs = NEVER_NS;
  let totalBars = 0;
  for (const c of cols) {
    if (c.ts.length > 0 && c.ts[0] < firstTs) firstTs = c.ts[0];
    totalBars += c.ts.length;
  }
  if (stream !== null && Number.isFinite(stream.totalBars)) totalBars = stream.totalBars;
  const startNs = firstTs - 1n;
  // First and last close of each symbol, for the buy-and-hold benchmark (a streamed run lets go of its bars).
  const firstClose = cols.map((c) => (c.close.length > 0 ? c.close[0] : NaN));

  // A streamed run that keeps only its figures forgets finished orders and closed trades too.
  const parts = engineParts(symbols, cfg, startNs, stream?.keep === 'figures');
  const { clock, portfolio, trades, exchange, benchmark } = parts;
  /**
   * An open trade's excursions are brought up to bar `upTo` only before its position changes
   * (fills, splits) and at the end: the trade tracker scans the bars in one go (see scanTo).
   */
  const scanTrade = (s: number, upTo: number): void => {
    if (trades.hasOpen(s)) trades.scanTo(s, upTo, cols[s].high, cols[s].low, portfolio.qtys, portfolio.avgPrices);
  };
  const histories = symbols.map((s, i) => new ColumnHistory(s, cols[i]));
  const indicators: BarIndicator[][] = symbols.map(() => []);
  const views = symbols.map((s, i) => new BarView(s, cols[i]));
  const ctx = createBacktestContext({ symbols, clock, portfolio, exchange, histories, indicators });

  // Per-symbol loop state. Timestamps are compared through 32-bit views of the BigInt64Array
  // columns (high word signed, low word unsigned), because every bigint read allocates.
  const hiAt = LITTLE_ENDIAN ? 1 : 0;
  const loAt = 1 - hiAt;
  const wordsOf = (c: BarColumns) => new Int32Array(c.ts.buffer, c.ts.byteOffset, c.ts.length * 2);
  const words = cols.map(wordsOf);
  const len = new Int32Array(nSym);
  const cursor = new Int32Array(nSym);
  const lastIndex = new Int32Array(nSym).fill(-1);
  const nextHi = new Int32Array(nSym);
  const nextLo = new Float64Array(nSym);
  const offset = Number(cfg.sessionOffsetNs);
  // Session days are worked out only when an order meets a bar (day, opg and cls orders need
  // them), from the bar's neighbours in its own symbol, so the loop pays nothing for them.
  const dayAt = (s: number, i: number): number => {
    const w = words[s];
    return Math.floor((w[2 * i + hiAt] * 4294967296 + (w[2 * i + loAt] >>> 0) + offset) / NS_PER_DAY);
  };
  const loadNext = (s: number, i: number): void => {
    const w = words[s];
    nextHi[s] = w[2 * i + hiAt];
    nextLo[s] = w[2 * i + loAt] >>> 0;
  };
  for (let s = 0; s < nSym; s++) {
    len[s] = cols[s].ts.length;
    if (len[s] > 0) loadNext(s, 0);
  }
  const stepSyms = new Int32Array(nSym);

  // Corporate actions per symbol, in ex-date order; those at or before a symbol's first bar are
  // already in its prices. The loop compares the next one's time as 32-bit words, like bar times.
  const actions = actionsBySymbol(
    symbols,
    request.config?.corporateActions,
    cols.map((c) => (c.ts.length > 0 ? c.ts[0] : null)),
  );
  const hasActions = actions.some((a) => a.length > 0);
  const actPtr = new Int32Array(nSym);
  const actHi = new Int32Array(nSym).fill(0x7fffffff);
  const actLo = new Float64Array(nSym);
  const loadAction = (s: number): void => {
    const a = actions[s][actPtr[s]];
    if (a === undefined) {
      actHi[s] = 0x7fffffff;
      actLo[s] = 0;
      return;
    }
    actHi[s] = Number(BigInt.asIntN(32, a.exNs >> 32n));
    actLo[s] = Number(BigInt.asUintN(32, a.exNs));
  };
  for (let s = 0; s < nSym; s++) loadAction(s);
  /** Applies the actions of symbol s whose ex-date has begun by bar i, before that bar trades. */
  const applyActions = (s: number, i: number): void => {
    scanTrade(s, i - 1);
    actPtr[s] = applyActionsDue(parts, s, actions[s], actPtr[s], cols[s].ts[i]);
    loadAction(s);
  };
  // Session flags are worked out only when an order asks (day, opg and cls orders): three
  // calendar-day computations per matched bar were ~130 ns of every market order's round trip.
  const bar = new LoopBar((s, i) => dayAt(s, i), len);
  const setBar = (s: number, i: number): void => {
    const c = cols[s];
    bar.sym = s;
    bar.barIndex = i;
    bar.open = c.open[i];
    bar.high = c.high[i];
    bar.low = c.low[i];
    bar.close = c.close[i];
    bar.volume = c.volume[i];
    bar.barStartNs = i > 0 ? c.ts[i - 1] : startNs;
  };

  let capacity = 16;
  for (const c of cols) capacity = Math.max(capacity, c.ts.length);
  // Steps never outnumber bars: a scratch column that holds them all never has to grow.
  const scratch = request.equityScratch !== undefined && request.equityScratch.length >= totalBars ? request.equityScratch : null;
  if (scratch !== null) capacity = Math.max(capacity, scratch.length);
  // With one symbol the step times are that symbol's bar times: copied once at the end.
  const oneSymbol = nSym === 1;
  // A streamed run writes every step's time, cash and exposure into buffers it hands on when full.
  const streamed = stream !== null;
  if (streamed) capacity = STREAM_BUFFER_STEPS;
  const writeTs = !oneSymbol || streamed;
  let outTs: BigInt64Array = new BigInt64Array(writeTs ? capacity : 0);
  let outTsWords = new Int32Array(outTs.buffer);
  let outEquity: Float64Array = scratch ?? new Float64Array(capacity);
  const outCash = new Float64Array(streamed ? capacity : 0);
  const outExposure = new Float64Array(streamed ? capacity : 0);
  const curveLog = new CurveLog(nSym);
  const metricsStream = streamed ? new MetricsStream(cfg.initialCash, cfg.riskFreeRate, cfg.periodsPerYear ?? undefined) : null;
  const thin = streamed ? new ThinCurve(stream.curvePoints) : null;
  let streamedSteps = 0;
  let inMarketSteps = 0;
  let steps = 0;
  /** Hands the buffered steps on (streamed runs only) and empties the buffers. */
  const flushSteps = (): void => {
    if (steps === 0 || metricsStream === null || thin === null) return;
    metricsStream.push(outTs, outEquity, steps);
    thin.push(streamedSteps, outTs, outEquity, outCash, outExposure, steps);
    stream?.onRows?.({ firstStep: streamedSteps, count: steps, ts: outTs.subarray(0, steps), equity: outEquity.subarray(0, steps), cash: outCash.subarray(0, steps), exposure: outExposure.subarray(0, steps) });
    streamedSteps += steps;
    steps = 0;
  };
  /**
   * Moves each symbol's window on to the next chunk: the last `lookback` bars stay (for history
   * windows), the rest go. Everything that holds a bar index into a window moves with it.
   */
  const slide = (chunk: BarData): string | null => {
    for (let s = 0; s < nSym; s++) {
      const c = cols[s];
      const add = chunk[symbols[s]];
      const n = add === undefined ? 0 : add.ts.length;
      const keep = Math.min(len[s], (stream as StreamState).lookback);
      const dropped = len[s] - keep;
      if (n > 0 && len[s] > 0) {
        const prevTs = c.ts[len[s] - 1];
        if (add.ts[0] <= prevTs) return `${symbols[s]}: the chunk starts at ${add.ts[0]}, not after the previous chunk's last bar (${prevTs})`;
        if (dayAt(s, len[s] - 1) === Math.floor((Number(add.ts[0]) + offset) / NS_PER_DAY)) {
          return `${symbols[s]}: the chunk starting at ${add.ts[0]} splits a session day with the previous chunk: cut chunks between session days`;
        }
      }
      if (n === 0 && dropped === 0) continue;
      scanTrade(s, lastIndex[s]);
      const w: BarColumns = {
        ts: joinTs(c.ts, dropped, len[s], add?.ts, n),
        open: joinF(c.open, dropped, len[s], add?.open, n),
        high: joinF(c.high, dropped, len[s], add?.high, n),
        low: joinF(c.low, dropped, len[s], add?.low, n),
        close: joinF(c.close, dropped, len[s], add?.close, n),
        volume: joinF(c.volume, dropped, len[s], add?.volume, n),
      };
      if (len[s] === 0 && n > 0 && Number.isNaN(firstClose[s])) firstClose[s] = w.close[0];
      cols[s] = w;
      words[s] = wordsOf(w);
      views[s] = new BarView(symbols[s], w);
      rebindHistory(histories[s], w, dropped);
      trades.shiftBars(s, dropped);
      if (lastStepSym === s && lastStep >= 0) lastStep -= dropped;
      lastIndex[s] -= dropped;
      cursor[s] = keep;
      len[s] = keep + n;
      if (n > 0) loadNext(s, keep);
    }
    return null;
  };

  let phase = 'create';
  let handlers: StrategyHandlers = {};
  const drain = (): void => {
    const q = exchange.pending;
    if (q.length === 0) return;
    const onEvent = handlers.onOrderEvent;
    if (onEvent !== undefined) {
      const saved = phase;
      phase = 'onOrderEvent';
      for (let k = 0; k < q.length; k++) {
        if (k >= MAX_EVENTS_PER_DISPATCH) throw new Error(`more than ${MAX_EVENTS_PER_DISPATCH} order events in one dispatch: is onOrderEvent submitting orders in a loop?`);
        onEvent.call(handlers, q[k]);
      }
      phase = saved;
    }
    q.length = 0;
  };

  const watch = request.config?.stopwatch;
  let loopMs = 0;
  let lastStep = -1;
  let lastStepSym = 0;
  let barsDoneAll = 0;
  try {
    handlers = strategy.create(ctx, params);
    // Without a listener, order events are not built per order; the log still has them all.
    exchange.deliver = handlers.onOrderEvent !== undefined;
    phase = 'onStart';
    handlers.onStart?.();
    drain();

    let t0 = watch !== undefined ? watch() : 0;
    const signalClose = cfg.market === 'signal-close';
    const borrow = cfg.borrowRateAnnual > 0;
    const onProgress = request.config?.onProgress;
    const progressEvery = Math.max(1, Math.floor(totalBars / 100));
    let barsDone = 0;
    let nextProgress = onProgress !== undefined ? progressEvery : Infinity;
    for (;;) {
    for (;;) {
      // The earliest next bar across symbols defines this step's time T = ts of (tSym, tIdx).
      // One symbol (the common case) needs no search: its next bar is the step.
      let tSym = -1;
      let tHi = 0;
      let tLo = 0;
      if (oneSymbol) {
        if (cursor[0] < len[0]) tSym = 0;
      } else {
        for (let s = 0; s < nSym; s++) {
          if (cursor[s] >= len[s]) continue;
          const hi = nextHi[s];
          const lo = nextLo[s];
          if (tSym < 0 || hi < tHi || (hi === tHi && lo < tLo)) {
            tSym = s;
            tHi = hi;
            tLo = lo;
          }
        }
      }
      if (tSym < 0) break;
      const tCol = cols[tSym].ts;
      const tIdx = cursor[tSym];

      if (clock.hasTimers) {
        const T = tCol[tIdx];
        if (clock.nextDueNs <= T) {
          phase = 'onTimer';
          for (let ev = clock.popDue(T); ev !== null; ev = clock.popDue(T)) {
            handlers.onTimer?.(ev);
            drain();
          }
        }
      }
      clock.advanceToColumn(tCol, tIdx);

      let k = 0;
      for (let s = 0; s < nSym; s++) {
        if (!oneSymbol && (cursor[s] >= len[s] || nextHi[s] !== tHi || nextLo[s] !== tLo)) continue;
        stepSyms[k++] = s;
        const i = cursor[s];
        cursor[s] = i + 1;
        if (!oneSymbol && i + 1 < len[s]) loadNext(s, i + 1);
        lastIndex[s] = i;
        if (hasActions) {
          const w = words[s];
          const hi = w[2 * i + hiAt];
          if (hi > actHi[s] || (hi === actHi[s] && w[2 * i + loAt] >>> 0 >= actLo[s])) applyActions(s, i);
        }
        // With signal-close the close pass needs this bar's volume budget even with no orders yet.
        if (signalClose || exchange.hasWorkingOrders(s)) {
          scanTrade(s, i - 1);
          setBar(s, i);
          exchange.matchBar(s, bar);
        }
        // Direct store, not portfolio.mark(): a double argument to a call would be boxed.
        portfolio.lastPrices[s] = cols[s].close[i];
      }
      if (borrow && lastStep >= 0) portfolio.accrueBorrow(Number(tCol[tIdx] - cols[lastStepSym].ts[lastStep]));
      drain();

      for (let j = 0; j < k; j++) {
        const s = stepSyms[j];
        const i = cursor[s] - 1;
        advanceHistory(histories[s], i);
        const v = views[s];
        v.index = i;
        const list = indicators[s];
        for (let m = 0; m < list.length; m++) list[m].updateBar(v);
      }
      if (handlers.onBar !== undefined) {
        phase = 'onBar';
        for (let j = 0; j < k; j++) {
          handlers.onBar(views[stepSyms[j]]);
          drain();
        }
      }
      if (signalClose) {
        phase = 'fill at close';
        for (let j = 0; j < k; j++) {
          const s = stepSyms[j];
          if (!exchange.hasWorkingOrders(s)) continue;
          scanTrade(s, cursor[s] - 1);
          setBar(s, cursor[s] - 1);
          exchange.matchAtClose(s, bar, clock.timestampNs());
        }
        drain();
      }

      if (steps === capacity && streamed) flushSteps();
      if (steps === capacity) {
        capacity *= 2;
        outTs = withRoom(outTs, capacity);
        outTsWords = new Int32Array(outTs.buffer);
        outEquity = withRoom(outEquity, capacity);
      }
      if (writeTs) {
        const w = words[tSym];
        outTsWords[2 * steps] = w[2 * tIdx];
        outTsWords[2 * steps + 1] = w[2 * tIdx + 1];
      }
      portfolio.writeRow(steps, outEquity);
      if (streamed) {
        outCash[steps] = portfolio.cash;
        outExposure[steps] = portfolio.gross;
        if (portfolio.gross !== 0) inMarketSteps++;
      } else {
        curveLog.record(steps, portfolio);
      }
      steps++;
      barsDone += k;
      if (barsDone >= nextProgress) {
        nextProgress = barsDone + progressEvery;
        onProgress?.(barsDone, totalBars);
      }
      lastStep = tIdx;
      lastStepSym = tSym;
    }
    if (!streamed) break;
    // The window is used up: take the next chunk, or stop at the end of the stream.
    if (watch !== undefined) loopMs += watch() - t0;
    const chunk = yield;
    if (watch !== undefined) t0 = watch();
    if (chunk === null) break;
    const chunkError = slide(chunk);
    if (chunkError !== null) return { ok: false, error: { kind: 'data', message: `data: ${chunkError}` } };
    }
    if (watch !== undefined && !streamed) loopMs = watch() - t0;
    barsDoneAll = barsDone;
    if (onProgress !== undefined && nextProgress - progressEvery < barsDone) onProgress(barsDone, totalBars);
    // Shared, not copied: with one symbol the step times are exactly its bar times.
    if (!writeTs) outTs = steps === cols[0].ts.length ? cols[0].ts : cols[0].ts.slice(0, steps);

    phase = 'onStop';
    handlers.onStop?.();
    drain();
    flushSteps();
  } catch (err) {
    return strategyFailure(strategy.name, phase, clock, err);
  }

  // Trimmed only when the buffers overshoot; with one symbol (the common case) they fit exactly.
  const fit = <T extends Float64Array | BigInt64Array>(a: T): T => (a.length === steps ? a : (a.slice(0, steps) as T));
  const stepTs = fit(outTs);
  let cashCol: Float64Array | null = null;
  let exposureCol: Float64Array | null = null;
  const equity: EquityCurve =
    thin !== null
      ? thin.curve()
      : {
          ts: stepTs,
          equity: outEquity === scratch ? outEquity.subarray(0, steps) : fit(outEquity),
          get cash() {
            return (cashCol ??= curveLog.cashColumn(steps));
          },
          get exposure() {
            return (exposureCol ??= curveLog.exposureColumn(steps, stepTs, cols));
          },
        };
  const lastTs = thin !== null ? thin.lastTs(startNs) : steps > 0 ? equity.ts[steps - 1] : startNs;
  for (let s = 0; s < nSym; s++) scanTrade(s, lastIndex[s]);
  const log = exchange.detachLog(cfg.keepOrderLog && stream?.keep !== 'figures');
  const metrics =
    metricsStream !== null
      ? metricsStream.finish(inMarketSteps, trades.stats, portfolio.tradedNotional)
      : computeMetrics({
          ts: equity.ts,
          equity: equity.equity,
          inMarketSteps: curveLog.inMarketSteps,
          initialCash: cfg.initialCash,
          tradeStats: trades.stats,
          tradedNotional: portfolio.tradedNotional,
          riskFreeRate: cfg.riskFreeRate,
          periodsPerYear: cfg.periodsPerYear ?? undefined,
        });
  const bh = benchmark.totalReturn(firstClose, cols.map((c, s) => c.close[len[s] - 1]));
  return {
    ok: true,
    result: resultOf(
      { strategy: strategy.name, params: params as Record<string, unknown>, config: cfg, symbols, bars: barsDoneAll, equity, metrics, buyAndHold: bh, loopMs: watch !== undefined ? loopMs : null, events: barsDoneAll, lastTs, lastIndex },
      parts,
      log,
    ),
  };
}

/** `a[from, to)` followed by `b[0, n)`, as one new column. */
function joinF(a: Float64Array, from: number, to: number, b: Float64Array | undefined, n: number): Float64Array {
  const out = new Float64Array(to - from + n);
  out.set(a.subarray(from, to));
  if (b !== undefined) out.set(b.subarray(0, n), to - from);
  return out;
}

function joinTs(a: BigInt64Array, from: number, to: number, b: BigInt64Array | undefined, n: number): BigInt64Array {
  const out = new BigInt64Array(to - from + n);
  out.set(a.subarray(from, to));
  if (b !== undefined) out.set(b.subarray(0, n), to - from);
  return out;
}

export interface StreamOptions {
  /**
   * Bars of each symbol kept behind the newest when the next chunk comes in, for history windows
   * (default 10,000). Reading further back is an error naming this setting. Indicators are not
   * limited by it: they carry their state.
   */
  lookback?: number;
  /** Points the result's equity curve keeps (default 100,000): every k-th step, k doubling as needed. */
  curvePoints?: number;
  /** Every step's row, in pieces of up to 65,536 steps (views valid during the call): to write the whole curve out. */
  onRows?: (rows: CurveRows) => void;
  /** Bars expected in all, for progress events (without it, progress is not reported). */
  totalBars?: number;
  /**
   * all (default): the result has every closed trade and, with config.keepOrderLog, every order
   * and event. figures: only the figures: finished orders are forgotten (`orders.get` of one gives
   * undefined) and closed trades counted, not kept, so memory does not grow with the run at all.
   */
  keep?: 'all' | 'figures';
}

export interface BacktestStreamRequest<S extends ParamsSchema = ParamsSchema> extends Omit<BacktestRequest<S>, 'data' | 'dataChecked' | 'equityScratch' | 'ticks'> {
  /** Every symbol of the run, known up front (the strategy is told them at the start). */
  symbols: readonly string[];
  /**
   * Consecutive time windows of bars: every bar of a chunk is later than every bar of the chunk
   * before, and no chunk splits a session day (cut between days, as the lake reader does), so
   * day, opening and closing orders behave as in a run over all the bars. A chunk may leave out
   * symbols that have no bars in its window.
   */
  chunks: AsyncIterable<BarData> | Iterable<BarData>;
  stream?: StreamOptions;
}

/**
 * A backtest over bars that arrive in chunks and are let go of as the run moves on, so its memory
 * does not grow with its length: the loop, orders, fills, trades and metrics are the ones of
 * runBacktest over the same bars (the metrics to rounding: their variance is computed in one
 * pass); the result's equity curve is thinned to `curvePoints` (every step goes to `onRows`).
 */
export async function runBacktestStream<S extends ParamsSchema>(request: BacktestStreamRequest<S>): Promise<BacktestOutcome> {
  const symbols = [...new Set(request.symbols)].sort();
  if (symbols.length === 0) return { ok: false, error: { kind: 'data', message: 'data: a streamed run needs at least one symbol' } };
  const lookback = request.stream?.lookback ?? 10_000;
  const curvePoints = request.stream?.curvePoints ?? 100_000;
  if (!(Number.isInteger(lookback) && lookback >= 1)) return { ok: false, error: { kind: 'config', message: `config: stream.lookback must be an integer >= 1, got ${lookback}` } };
  if (!(Number.isInteger(curvePoints) && curvePoints >= 2)) return { ok: false, error: { kind: 'config', message: `config: stream.curvePoints must be an integer >= 2, got ${curvePoints}` } };
  if ((request.config?.latencyMs ?? 0) > 0 || request.config?.slippage?.kind === 'half-spread') {
    return { ok: false, error: { kind: 'config', message: 'config: latency and half-spread slippage run on the event loop (ticks.ts), which does not stream yet' } };
  }
  if ((request.config?.riskFreeRate ?? 0) !== 0 && request.config?.periodsPerYear === undefined) {
    return { ok: false, error: { kind: 'config', message: 'config: a streamed run with riskFreeRate needs periodsPerYear (the downside deviation is summed as the run goes)' } };
  }
  const keep = request.stream?.keep ?? 'all';
  if (keep !== 'all' && keep !== 'figures') return { ok: false, error: { kind: 'config', message: `config: stream.keep must be all or figures, got '${String(keep)}'` } };
  const state: StreamState = { lookback, keep, curvePoints, onRows: request.stream?.onRows, totalBars: request.stream?.totalBars ?? NaN };
  const empty = (): BarColumns => ({ ts: new BigInt64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) });
  const checked = (chunk: BarData, k: number): string | null => {
    for (const sym of Object.keys(chunk)) if (!symbols.includes(sym)) return `chunk ${k}: symbol '${sym}' is not one of the run's symbols (${symbols.join(', ')})`;
    const nonEmpty: Record<string, BarColumns> = {};
    for (const [sym, c] of Object.entries(chunk)) if (c.ts.length > 0) nonEmpty[sym] = c;
    const err = Object.keys(nonEmpty).length > 0 ? checkBarData(nonEmpty) : null;
    return err === null ? null : `chunk ${k}: ${err}`;
  };
  const iterator = Symbol.asyncIterator in request.chunks ? request.chunks[Symbol.asyncIterator]() : request.chunks[Symbol.iterator]();
  let k = 0;
  let first = await iterator.next();
  // The run starts with the first chunk that has bars: its first bar sets the clock's start.
  while (!first.done && Object.values(first.value).every((c) => c.ts.length === 0)) first = await iterator.next();
  if (first.done) return { ok: false, error: { kind: 'data', message: 'data: the stream has no bars' } };
  const firstError = checked(first.value, k);
  if (firstError !== null) return { ok: false, error: { kind: 'data', message: `data: ${firstError}` } };
  const run = runBars(request, symbols, symbols.map((s) => first.value[s] ?? empty()), state);
  try {
    let step = run.next();
    while (!step.done) {
      const next = await iterator.next();
      k++;
      const chunk = next.done ? null : next.value;
      const error = chunk === null ? null : checked(chunk, k);
      if (error !== null) {
        run.return({ ok: false, error: { kind: 'data', message: `data: ${error}` } });
        return { ok: false, error: { kind: 'data', message: `data: ${error}` } };
      }
      step = run.next(chunk);
    }
    return step.value;
  } finally {
    await iterator.return?.();
  }
}
