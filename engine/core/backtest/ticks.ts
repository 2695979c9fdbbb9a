// Backtests over trade and quote ticks (with or without bars), and over bars with order latency:
// one event loop that merges every symbol's trades, quotes and bars by time. Runs with bars only
// and no latency never come here; they keep runner.ts's bar loop, bit for bit.
//
// Event order (deterministic): by timestamp; at one timestamp, ticks before bars (a bar closing at
// T contains the ticks stamped T); ticks by symbol name, a symbol's quotes before its trades (the
// quote is the market a trade printed against), each stream in its given order (equal timestamps
// are allowed within a stream: real feeds have them). Timers due at or before T fire first.
//
// Per tick: the clock moves to its time; cancels/replaces that have arrived are delivered; the
// symbol's working orders meet it (SimulatedExchange.matchTick has the fill rules); fill events
// are delivered; then onTrade/onQuote. Orders placed in a handler meet the next event at the
// earliest, never the one the strategy is looking at.
//
// Which data fills a symbol's orders: its ticks if it has any (its bars then only feed onBar,
// histories and indicators), else its bars, with runner.ts's bar rules (next open, the intrabar
// path, volume caps).
//
// Latency (config.latencyMs): an order sent at engine time t reaches the exchange at t + latency.
// It meets only ticks stamped at or after that and bars that start at or after it (a bar starts
// at the previous bar's close). Cancels and replaces are held for as long (latency.ts) and are
// delivered before the symbol's first event at or after their arrival (for a bar: its start),
// so an order can still fill while its cancel travels. Commands still travelling when the data
// ends never arrive.
//
// Splits and dividends (config.corporateActions, for raw prices) apply before a symbol's first
// event on or after their ex-date, as in the bar loop.
//
// Equity is recorded once per distinct bar time when the run has bars, else once per distinct
// tick time. Trade records of tick-filled symbols count their duration in ticks, not bars, and
// take excursions (MAE/MFE) from trade prices and quote mids.

import { NEVER_NS } from '../clock';
import type { OrderEvent, Quote, Trade } from '../events';
import type { BarIndicator } from '../indicators/index';
import { computeMetrics } from '../metrics/metrics';
import { resolveParams } from '../strategy/define';
import { ColumnHistory, advanceHistory } from '../strategy/history';
import type { ParamsSchema, StrategyHandlers } from '../strategy/types';
import { resolveConfig } from './config';
import { createBacktestContext } from './context';
import { type BarColumns, checkBarData } from './data';
import type { BarInput, TickInput } from './exchange';
import { DelayedCommands } from './latency';
import { BarView, actionsBySymbol, applyActionsDue, engineParts, resultOf, strategyFailure } from './parts';
import type { BacktestOutcome, BacktestRequest, EquityCurve } from './runner';

/** Trade prints of one symbol. */
export interface TradeColumns {
  /** ns since the Unix epoch, non-decreasing. */
  readonly ts: BigInt64Array;
  readonly price: Float64Array;
  /** NaN where unknown: such a print does not cap fills. */
  readonly size: Float64Array;
}

/** Top-of-book quotes of one symbol. */
export interface QuoteColumns {
  /** ns since the Unix epoch, non-decreasing. */
  readonly ts: BigInt64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  /** NaN where unknown: no cap on that side. */
  readonly bidSize: Float64Array;
  readonly askSize: Float64Array;
}

export interface SymbolTicks {
  readonly trades?: TradeColumns;
  readonly quotes?: QuoteColumns;
}

/** Per-symbol ticks; a symbol may have ticks, bars, or both. */
export type TickData = Readonly<Record<string, SymbolTicks>>;

export interface TradeRow {
  ts: bigint;
  price: number;
  size?: number;
}

export interface QuoteRow {
  ts: bigint;
  bid: number;
  ask: number;
  bidSize?: number;
  askSize?: number;
}

/** Builds trade columns from rows: convenient for tests and small fixtures. */
export function tradeColumns(rows: readonly TradeRow[]): TradeColumns {
  const n = rows.length;
  const c = { ts: new BigInt64Array(n), price: new Float64Array(n), size: new Float64Array(n) };
  rows.forEach((r, i) => {
    c.ts[i] = r.ts;
    c.price[i] = r.price;
    c.size[i] = r.size ?? NaN;
  });
  return c;
}

/** Builds quote columns from rows. */
export function quoteColumns(rows: readonly QuoteRow[]): QuoteColumns {
  const n = rows.length;
  const c = { ts: new BigInt64Array(n), bid: new Float64Array(n), ask: new Float64Array(n), bidSize: new Float64Array(n), askSize: new Float64Array(n) };
  rows.forEach((r, i) => {
    c.ts[i] = r.ts;
    c.bid[i] = r.bid;
    c.ask[i] = r.ask;
    c.bidSize[i] = r.bidSize ?? NaN;
    c.askSize[i] = r.askSize ?? NaN;
  });
  return c;
}

const badSize = (v: number): boolean => v < 0 || v === Infinity;

/** First problem in the ticks, naming symbol, stream, row and field; null when usable. */
export function checkTickData(ticks: TickData): string | null {
  if (typeof ticks !== 'object' || ticks === null) return 'ticks must map symbols to { trades?, quotes? }';
  for (const sym of Object.keys(ticks)) {
    const t = ticks[sym];
    if (sym.length === 0) return 'ticks have an empty symbol name';
    if (typeof t !== 'object' || t === null) return `${sym}: expected { trades?, quotes? }`;
    const streams: [string, { ts: unknown } | undefined, readonly string[]][] = [
      ['trades', t.trades, ['price', 'size']],
      ['quotes', t.quotes, ['bid', 'ask', 'bidSize', 'askSize']],
    ];
    for (const [name, cols, fields] of streams) {
      if (cols === undefined) continue;
      const c = cols as unknown as Record<string, unknown>;
      if (!(c.ts instanceof BigInt64Array)) return `${sym} ${name}: ts must be a BigInt64Array of ns timestamps`;
      for (const f of fields) {
        const col = c[f];
        if (!(col instanceof Float64Array)) return `${sym} ${name}: ${f} must be a Float64Array`;
        if (col.length !== c.ts.length) return `${sym} ${name}: ${f} has ${col.length} values but ts has ${c.ts.length}`;
      }
      const ts = c.ts;
      for (let i = 1; i < ts.length; i++) {
        if (ts[i] < ts[i - 1]) return `${sym} ${name}[${i}] (ts ${ts[i]}): ts must not decrease (previous ${ts[i - 1]})`;
      }
    }
    const tr = t.trades;
    if (tr !== undefined) {
      for (let i = 0; i < tr.ts.length; i++) {
        if (Number.isFinite(tr.price[i]) && tr.price[i] > 0 && !badSize(tr.size[i])) continue;
        const where = `${sym} trades[${i}] (ts ${tr.ts[i]})`;
        if (!(Number.isFinite(tr.price[i]) && tr.price[i] > 0)) return `${where}: price must be a positive number, got ${tr.price[i]}`;
        if (badSize(tr.size[i])) return `${where}: size must be >= 0 or unknown (NaN), got ${tr.size[i]}`;
      }
    }
    const q = t.quotes;
    if (q !== undefined) {
      for (let i = 0; i < q.ts.length; i++) {
        const fine = Number.isFinite(q.bid[i]) && q.bid[i] > 0 && Number.isFinite(q.ask[i]) && q.ask[i] > 0 && q.bid[i] <= q.ask[i];
        if (fine && !badSize(q.bidSize[i]) && !badSize(q.askSize[i])) continue;
        const where = `${sym} quotes[${i}] (ts ${q.ts[i]})`;
        if (!(Number.isFinite(q.bid[i]) && q.bid[i] > 0)) return `${where}: bid must be a positive number, got ${q.bid[i]}`;
        if (!(Number.isFinite(q.ask[i]) && q.ask[i] > 0)) return `${where}: ask must be a positive number, got ${q.ask[i]}`;
        if (q.bid[i] > q.ask[i]) return `${where}: bid ${q.bid[i]} is above ask ${q.ask[i]} (a crossed quote)`;
        if (badSize(q.bidSize[i])) return `${where}: bidSize must be >= 0 or unknown (NaN), got ${q.bidSize[i]}`;
        if (badSize(q.askSize[i])) return `${where}: askSize must be >= 0 or unknown (NaN), got ${q.askSize[i]}`;
      }
    }
  }
  return null;
}

/** Whether a run must take the event loop here instead of the bar loop. */
export function needsEventLoop(request: BacktestRequest): boolean {
  const c = request.config;
  return request.ticks !== undefined || (c?.latencyMs !== undefined && c.latencyMs !== 0) || c?.slippage?.kind === 'half-spread';
}

const EMPTY_F = new Float64Array(0);
const EMPTY_BARS: BarColumns = { ts: new BigInt64Array(0), open: EMPTY_F, high: EMPTY_F, low: EMPTY_F, close: EMPTY_F, volume: EMPTY_F };
const EMPTY_TRADES: TradeColumns = { ts: new BigInt64Array(0), price: EMPTY_F, size: EMPTY_F };
const EMPTY_QUOTES: QuoteColumns = { ts: new BigInt64Array(0), bid: EMPTY_F, ask: EMPTY_F, bidSize: EMPTY_F, askSize: EMPTY_F };
const NS_PER_DAY = 86_400_000_000_000n;


type MutableTrade = { -readonly [K in keyof Trade]: Trade[K] };
type MutableQuote = { -readonly [K in keyof Quote]: Quote[K] };

const MAX_EVENTS_PER_DISPATCH = 1_000_000;

export function runEventBacktest<S extends ParamsSchema>(request: BacktestRequest<S>): BacktestOutcome {
  const { strategy } = request;
  const cfgResult = resolveConfig(request.config);
  if (!cfgResult.ok) return { ok: false, error: { kind: 'config', message: cfgResult.message } };
  const cfg = cfgResult.config;
  const configError = (message: string): BacktestOutcome => ({ ok: false, error: { kind: 'config', message: `config: ${message}` } });
  const dataError = (message: string): BacktestOutcome => ({ ok: false, error: { kind: 'data', message: `data: ${message}` } });
  if (cfg.market === 'signal-close') return configError('fill.market signal-close cannot be combined with tick data or latency (it fills at a close the order could not have reached)');

  const bars = request.data ?? {};
  const ticks = request.ticks ?? {};
  if (Object.keys(bars).length > 0 || request.ticks === undefined) {
    const e = request.dataChecked === true ? null : checkBarData(bars);
    if (e !== null) return dataError(e);
  }
  const tickProblem = checkTickData(ticks);
  if (tickProblem !== null) return dataError(tickProblem);
  const symbols = [...new Set([...Object.keys(bars), ...Object.keys(ticks)])].sort();
  if (symbols.length === 0) return dataError('no symbols: pass bars, ticks or both');
  const nSym = symbols.length;
  const cols = symbols.map((s) => bars[s] ?? EMPTY_BARS);
  const trd = symbols.map((s) => ticks[s]?.trades ?? EMPTY_TRADES);
  const quo = symbols.map((s) => ticks[s]?.quotes ?? EMPTY_QUOTES);
  const quoted = quo.map((q) => q.ts.length > 0);
  const traded = trd.map((t) => t.ts.length > 0);
  const tickFilled = symbols.map((_, s) => quoted[s] || traded[s]);
  for (let s = 0; s < nSym; s++) {
    if (!tickFilled[s] && cols[s].ts.length === 0) return dataError(`${symbols[s]}: no bars, trades or quotes`);
    if (cfg.slippage.kind === 'half-spread' && !quoted[s]) {
      return configError(`slippage half-spread needs quotes for every symbol; ${symbols[s]} has none (bars and trades carry no spread: add quotes, or use fixed-bps)`);
    }
  }
  const paramsResult = resolveParams(strategy, request.params ?? {});
  if (!paramsResult.ok) return { ok: false, error: { kind: 'params', message: paramsResult.message, issues: paramsResult.issues } };
  const params = paramsResult.params;

  let firstTs = NEVER_NS;
  let totalBars = 0;
  let totalTicks = 0;
  for (let s = 0; s < nSym; s++) {
    for (const ts of [cols[s].ts, trd[s].ts, quo[s].ts]) if (ts.length > 0 && ts[0] < firstTs) firstTs = ts[0];
    totalBars += cols[s].ts.length;
    totalTicks += trd[s].ts.length + quo[s].ts.length;
  }
  const startNs = firstTs - 1n;
  const hasBars = totalBars > 0;

  const parts = engineParts(symbols, cfg, startNs);
  const { clock, portfolio, trades, exchange, benchmark } = parts;
  const delayed = new DelayedCommands(nSym);
  const histories = symbols.map((s, i) => new ColumnHistory(s, cols[i]));
  const indicators: BarIndicator[][] = symbols.map(() => []);
  const views = symbols.map((s, i) => new BarView(s, cols[i]));
  const ctx = createBacktestContext({ symbols, clock, portfolio, exchange, histories, indicators, latencyNs: cfg.latencyNs, delayed });

  // Excursions of tick-filled trades are scanned over each symbol's tick marks (trade price or mid).
  const marks = symbols.map((_, s) => new Float64Array(trd[s].ts.length + quo[s].ts.length));
  const scanTrade = (s: number, upTo: number): void => {
    if (!trades.hasOpen(s)) return;
    if (tickFilled[s]) trades.scanTo(s, upTo, marks[s], marks[s], portfolio.qtys, portfolio.avgPrices);
    else trades.scanTo(s, upTo, cols[s].high, cols[s].low, portfolio.qtys, portfolio.avgPrices);
  };

  const bi = new Int32Array(nSym);
  const ti = new Int32Array(nSym);
  const qi = new Int32Array(nSym);
  const tickCount = new Int32Array(nSym);
  const offset = cfg.sessionOffsetNs;
  const dayOf = (ns: bigint): bigint => (ns + offset) / NS_PER_DAY;
  const bar: BarInput = { barIndex: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, barStartNs: 0n, sessionFirst: false, sessionLast: false };
  const barStart = (s: number, i: number): bigint => (i > 0 ? cols[s].ts[i - 1] : startNs);
  const setBar = (s: number, i: number): void => {
    const c = cols[s];
    bar.barIndex = i;
    bar.open = c.open[i];
    bar.high = c.high[i];
    bar.low = c.low[i];
    bar.close = c.close[i];
    bar.volume = c.volume[i];
    bar.barStartNs = barStart(s, i);
    const day = dayOf(c.ts[i]);
    bar.sessionFirst = i === 0 || dayOf(c.ts[i - 1]) !== day;
    bar.sessionLast = i + 1 === c.ts.length || dayOf(c.ts[i + 1]) !== day;
  };
  const tick: TickInput = {
    kind: 0,
    index: 0,
    tsNs: 0n,
    price: NaN,
    size: NaN,
    bid: NaN,
    ask: NaN,
    bidSize: NaN,
    askSize: NaN,
    quoted: false,
    traded: false,
    sessionOffsetNs: offset,
  };
  const tradeView: MutableTrade = { symbol: '', tsEvent: 0n, tsInit: 0n, price: NaN, size: NaN };
  const quoteView: MutableQuote = { symbol: '', tsEvent: 0n, tsInit: 0n, bidPrice: NaN, bidSize: NaN, askPrice: NaN, askSize: NaN };

  // Growable typed columns: bigints pushed to an array would survive to the end of the run (and
  // be copied by every young-generation collection on the way).
  let rows = 0;
  let outTs = new BigInt64Array(1024);
  let outEquity = new Float64Array(1024);
  let outCash = new Float64Array(1024);
  let outExposure = new Float64Array(1024);
  const lastIndex = new Int32Array(nSym).fill(-1);

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
        onEvent.call(handlers, q[k] as OrderEvent);
      }
      phase = saved;
    }
    q.length = 0;
  };
  const moveClock = (T: bigint): void => {
    if (T > clock.timestampNs()) clock.advanceTo(T);
  };

  const watch = request.config?.stopwatch;
  const onProgress = request.config?.onProgress;
  const totalEvents = totalBars + totalTicks;
  const progressEvery = Math.max(1, Math.floor(totalEvents / 100));
  let eventsDone = 0;
  let nextProgress = onProgress !== undefined ? progressEvery : Infinity;
  let loopMs = 0;
  // Symbols with a bar at this step: a reused typed list (setting an array's length is a runtime call).
  const stepSyms = new Int32Array(nSym);
  let nStep = 0;
  try {
    handlers = strategy.create(ctx, params);
    exchange.deliver = handlers.onOrderEvent !== undefined;
    phase = 'onStart';
    handlers.onStart?.();
    drain();

    const t0 = watch !== undefined ? watch() : 0;
    let lastRowTs = -1n;
    // Each stream's next time, read once per event: every read of a BigInt64Array allocates.
    const first = (ts: BigInt64Array): bigint => (ts.length > 0 ? ts[0] : NEVER_NS);
    const nextQ = quo.map((q) => first(q.ts));
    const nextT = trd.map((t) => first(t.ts));
    const nextB = cols.map((c) => first(c.ts));
    // Corporate actions per symbol in ex-date order; those at or before its first event are
    // already in its prices.
    const actions = actionsBySymbol(
      symbols,
      request.config?.corporateActions,
      symbols.map((_, k) => [nextQ[k], nextT[k], nextB[k]].reduce((a, b) => (b < a ? b : a))),
    );
    const hasActions = actions.some((a) => a.length > 0);
    const actPtr = new Int32Array(nSym);
    const borrow = cfg.borrowRateAnnual > 0;
    for (;;) {
      let T = NEVER_NS;
      let any = false;
      for (let s = 0; s < nSym; s++) {
        if (nextQ[s] < T) T = nextQ[s];
        if (nextT[s] < T) T = nextT[s];
        if (nextB[s] < T) T = nextB[s];
        any ||= qi[s] < quo[s].ts.length || ti[s] < trd[s].ts.length || bi[s] < cols[s].ts.length;
      }
      if (!any) break;

      if (clock.hasTimers && clock.nextDueNs <= T) {
        phase = 'onTimer';
        for (let ev = clock.popDue(T); ev !== null; ev = clock.popDue(T)) {
          handlers.onTimer?.(ev);
          drain();
        }
      }
      // Splits and dividends whose ex-date has begun apply before the symbol's first event at or
      // after it, as in the bar loop (positions, open orders and the open trade).
      if (hasActions) {
        for (let s = 0; s < nSym; s++) {
          const list = actions[s];
          if (actPtr[s] >= list.length || list[actPtr[s]].exNs > T) continue;
          if (nextQ[s] !== T && nextT[s] !== T && nextB[s] !== T) continue;
          scanTrade(s, tickFilled[s] ? tickCount[s] - 1 : bi[s] - 1);
          actPtr[s] = applyActionsDue(parts, s, list, actPtr[s], T);
        }
      }
      // Commands for bar-filled symbols arrive before the bar they may still reach.
      nStep = 0;
      for (let s = 0; s < nSym; s++) {
        if (nextB[s] === T) {
          stepSyms[nStep++] = s;
          if (!tickFilled[s]) delayed.deliverDue(s, barStart(s, bi[s]), clock);
        }
      }
      drain();

      let tickAtT = false;
      for (let s = 0; s < nSym; s++) {
        const q = quo[s];
        for (; nextQ[s] === T; nextQ[s] = qi[s] < q.ts.length ? q.ts[qi[s]] : NEVER_NS) {
          const k = qi[s]++;
          tickAtT = true;
          delayed.deliverDue(s, T, clock);
          moveClock(T);
          const idx = tickCount[s]++;
          tick.kind = 1;
          tick.index = idx;
          tick.tsNs = T;
          tick.bid = q.bid[k];
          tick.ask = q.ask[k];
          tick.bidSize = q.bidSize[k];
          tick.askSize = q.askSize[k];
          tick.quoted = quoted[s];
          tick.traded = traded[s];
          const mid = (tick.bid + tick.ask) / 2;
          marks[s][idx] = mid;
          if (exchange.hasWorkingOrders(s)) {
            scanTrade(s, idx - 1);
            exchange.matchTick(s, tick);
          }
          portfolio.lastPrices[s] = mid;
          lastIndex[s] = idx;
          drain();
          if (handlers.onQuote !== undefined) {
            phase = 'onQuote';
            quoteView.symbol = symbols[s];
            quoteView.tsEvent = T;
            quoteView.tsInit = T;
            quoteView.bidPrice = tick.bid;
            quoteView.askPrice = tick.ask;
            quoteView.bidSize = tick.bidSize;
            quoteView.askSize = tick.askSize;
            handlers.onQuote(quoteView);
            drain();
          }
        }
        const t = trd[s];
        for (; nextT[s] === T; nextT[s] = ti[s] < t.ts.length ? t.ts[ti[s]] : NEVER_NS) {
          const k = ti[s]++;
          tickAtT = true;
          delayed.deliverDue(s, T, clock);
          moveClock(T);
          const idx = tickCount[s]++;
          tick.kind = 0;
          tick.index = idx;
          tick.tsNs = T;
          tick.price = t.price[k];
          tick.size = t.size[k];
          tick.quoted = quoted[s];
          tick.traded = traded[s];
          marks[s][idx] = tick.price;
          if (exchange.hasWorkingOrders(s)) {
            scanTrade(s, idx - 1);
            exchange.matchTick(s, tick);
          }
          portfolio.lastPrices[s] = tick.price;
          lastIndex[s] = idx;
          drain();
          if (handlers.onTrade !== undefined) {
            phase = 'onTrade';
            tradeView.symbol = symbols[s];
            tradeView.tsEvent = T;
            tradeView.tsInit = T;
            tradeView.price = tick.price;
            tradeView.size = tick.size;
            handlers.onTrade(tradeView);
            drain();
          }
        }
      }

      if (nStep > 0) {
        moveClock(T);
        for (let j = 0; j < nStep; j++) {
          const s = stepSyms[j];
          const i = bi[s]++;
          nextB[s] = bi[s] < cols[s].ts.length ? cols[s].ts[bi[s]] : NEVER_NS;
          if (!tickFilled[s]) {
            if (exchange.hasWorkingOrders(s)) {
              scanTrade(s, i - 1);
              setBar(s, i);
              exchange.matchBar(s, bar);
            }
            lastIndex[s] = i;
          }
          // A tick-filled symbol is marked by its ticks; its bars are data for the strategy.
          if (!tickFilled[s]) portfolio.lastPrices[s] = cols[s].close[i];
        }
        drain();
        for (let j = 0; j < nStep; j++) {
          const s = stepSyms[j];
          const i = bi[s] - 1;
          advanceHistory(histories[s], i);
          const v = views[s];
          v.index = i;
          const list = indicators[s];
          for (let m = 0; m < list.length; m++) list[m].updateBar(v);
        }
        if (handlers.onBar !== undefined) {
          phase = 'onBar';
          for (let j = 0; j < nStep; j++) {
            const s = stepSyms[j];
            handlers.onBar(views[s]);
            drain();
          }
        }
      }

      if (hasBars ? nStep > 0 : tickAtT) {
        if (borrow && lastRowTs >= 0n) portfolio.accrueBorrow(Number(T - lastRowTs));
        lastRowTs = T;
        if (rows === outTs.length) {
          const grow64 = new BigInt64Array(rows * 2);
          grow64.set(outTs);
          outTs = grow64;
          const grow = (a: Float64Array) => {
            const b = new Float64Array(rows * 2);
            b.set(a);
            return b;
          };
          outEquity = grow(outEquity);
          outCash = grow(outCash);
          outExposure = grow(outExposure);
        }
        outTs[rows] = T;
        outEquity[rows] = portfolio.equity();
        outCash[rows] = portfolio.cash;
        let gross = 0;
        for (let s = 0; s < nSym; s++) {
          const q = portfolio.qtys[s];
          if (q !== 0) gross += Math.abs(q * portfolio.lastPrices[s]);
        }
        outExposure[rows] = gross;
        rows++;
      }
      eventsDone = 0;
      for (let s = 0; s < nSym; s++) eventsDone += bi[s] + ti[s] + qi[s];
      if (eventsDone >= nextProgress) {
        nextProgress = eventsDone + progressEvery;
        onProgress?.(eventsDone, totalEvents);
      }
    }
    if (watch !== undefined) loopMs = watch() - t0;
    if (onProgress !== undefined && nextProgress - progressEvery < eventsDone) onProgress(eventsDone, totalEvents);
    phase = 'onStop';
    handlers.onStop?.();
    drain();
  } catch (err) {
    return strategyFailure(strategy.name, phase, clock, err);
  }

  const equity: EquityCurve = {
    ts: outTs.slice(0, rows),
    equity: outEquity.slice(0, rows),
    cash: outCash.slice(0, rows),
    exposure: outExposure.slice(0, rows),
  };
  const steps = equity.ts.length;
  const lastTs = steps > 0 ? equity.ts[steps - 1] : startNs;
  for (let s = 0; s < nSym; s++) scanTrade(s, lastIndex[s]);
  const log = exchange.detachLog(cfg.keepOrderLog);
  const metrics = computeMetrics({
    ts: equity.ts,
    equity: equity.equity,
    exposure: equity.exposure,
    initialCash: cfg.initialCash,
    tradeStats: trades.stats,
    tradedNotional: portfolio.tradedNotional,
    riskFreeRate: cfg.riskFreeRate,
    periodsPerYear: cfg.periodsPerYear ?? undefined,
  });
  // Buy-and-hold from each symbol's first to last price: its bars, or its tick marks.
  const prices = symbols.map((_, s) => (tickFilled[s] ? marks[s] : cols[s].close));
  const bh = benchmark.totalReturn(
    prices.map((m) => m[0]),
    prices.map((m) => m[m.length - 1]),
  );
  const result = resultOf(
    { strategy: strategy.name, params: params as Record<string, unknown>, config: cfg, symbols, bars: totalBars, equity, metrics, buyAndHold: bh, loopMs: watch !== undefined ? loopMs : null, events: totalEvents, lastTs, lastIndex },
    parts,
    log,
  );
  return { ok: true, result };
}
