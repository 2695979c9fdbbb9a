// What the bar loop (runner.ts) and the event loop (ticks.ts) build alike: the clock, portfolio,
// trade tracker and simulated exchange of a run, the outcome of a strategy that threw, and the
// result object whose trade and order lists are built from their columns when first read.

import { TestClock } from '../clock';
import type { Bar, OrderEvent } from '../events';
import type { Order } from '../orders/types';
import { Portfolio } from '../portfolio/portfolio';
import type { CorporateAction, ResolvedConfig } from './config';
import type { BarColumns } from './data';
import { SimulatedExchange } from './exchange';
import type { Metrics } from '../metrics/metrics';
import type { BacktestOutcome, BacktestResult, EquityCurve } from './runner';
import { TradeTracker } from './trades';

/**
 * The reused object onBar and the indicators receive. Fields are read from the columns when asked
 * for, so moving to the next bar is one store; the columns are private, so no later bar leaks.
 */
export class BarView implements Bar {
  index = -1;
  readonly #c: BarColumns;
  constructor(
    readonly symbol: string,
    cols: BarColumns,
  ) {
    this.#c = cols;
  }

  get open(): number {
    return this.#c.open[this.index];
  }
  get high(): number {
    return this.#c.high[this.index];
  }
  get low(): number {
    return this.#c.low[this.index];
  }
  get close(): number {
    return this.#c.close[this.index];
  }
  get volume(): number {
    return this.#c.volume[this.index];
  }
  get tsEvent(): bigint {
    return this.#c.ts[this.index];
  }
}

export interface EngineParts {
  clock: TestClock;
  portfolio: Portfolio;
  trades: TradeTracker;
  exchange: SimulatedExchange;
  benchmark: BuyAndHold;
}

/**
 * The buy-and-hold benchmark through corporate actions: one share bought at each symbol's first
 * price becomes `shares[s]` shares after splits and collects `cash[s]` in dividends, so raw
 * prices (ticks, `--adjustment raw`) give the same benchmark as adjusted ones instead of a split
 * counted as a loss. Dividends are held as cash, not reinvested.
 */
export class BuyAndHold {
  readonly shares: Float64Array;
  readonly cash: Float64Array;

  constructor(n: number) {
    this.shares = new Float64Array(n).fill(1);
    this.cash = new Float64Array(n);
  }

  /** Equal-weight return of the symbols from `first[s]` to `last[s]`. */
  totalReturn(first: ArrayLike<number>, last: ArrayLike<number>): number {
    const n = this.shares.length;
    let sum = 0;
    for (let s = 0; s < n; s++) sum += (last[s] * this.shares[s] + this.cash[s]) / first[s] - 1;
    return sum / n;
  }
}

/** `figuresOnly`: keep no finished order, closed trade or event (a streamed run's `keep: 'figures'`). */
export function engineParts(symbols: readonly string[], cfg: ResolvedConfig, startNs: bigint, figuresOnly = false): EngineParts {
  const clock = new TestClock(startNs);
  const portfolio = new Portfolio(symbols, cfg.initialCash, { marginMultiplier: cfg.marginMultiplier, borrowRateAnnual: cfg.borrowRateAnnual });
  const trades = new TradeTracker(symbols, !figuresOnly);
  const exchange = new SimulatedExchange({
    symbols,
    portfolio,
    trades,
    now: () => clock.timestampNs(),
    intrabar: cfg.intrabar,
    maxVolumeShare: cfg.maxVolumeShare,
    slippage: cfg.slippage,
    fees: cfg.fees,
    allowShort: cfg.allowShort,
    enforceTickSize: cfg.enforceTickSize,
    keepLog: cfg.keepOrderLog && !figuresOnly,
    forgetFinished: figuresOnly,
  });
  return { clock, portfolio, trades, exchange, benchmark: new BuyAndHold(symbols.length) };
}

/**
 * Each symbol's corporate actions in ex-date order, without those at or before `firstNs[s]` (its
 * first bar or event: they are already in its prices; null, for a symbol with no bar yet, keeps all).
 */
export function actionsBySymbol(symbols: readonly string[], all: readonly CorporateAction[] | undefined, firstNs: readonly (bigint | null)[]): CorporateAction[][] {
  return symbols.map((sym, s) => (all ?? []).filter((a) => a.symbol === sym && (firstNs[s] === null || a.exNs > (firstNs[s] as bigint))).sort((a, b) => (a.exNs < b.exNs ? -1 : a.exNs > b.exNs ? 1 : 0)));
}

/**
 * Applies symbol `s`'s actions from `list[from]` whose ex-date is at or before `T` to positions,
 * open orders and the open trade (whose excursions the caller has scanned up to the bar before).
 * Returns the index of the first action not applied.
 */
export function applyActionsDue(parts: EngineParts, s: number, list: readonly CorporateAction[], from: number, T: bigint): number {
  const { portfolio, exchange, trades, benchmark } = parts;
  let k = from;
  for (; k < list.length && list[k].exNs <= T; k++) {
    const a = list[k];
    if (a.kind === 'split') {
      portfolio.applySplit(s, a.ratio);
      exchange.applySplit(s, a.ratio);
      trades.applySplit(s, a.ratio);
      benchmark.shares[s] *= a.ratio;
    } else {
      benchmark.cash[s] += benchmark.shares[s] * a.cash;
      const amount = portfolio.qtys[s] * a.cash;
      portfolio.applyDividend(s, a.cash);
      trades.applyDividend(s, amount);
    }
  }
  return k;
}

/** A strategy handler threw: the run fails, naming the handler and the clock time. */
export function strategyFailure(strategyName: string, phase: string, clock: TestClock, err: unknown): BacktestOutcome {
  const e = err instanceof Error ? err : new Error(String(err));
  const ts = clock.timestampNs();
  return {
    ok: false,
    error: { kind: 'strategy', message: `strategy '${strategyName}' threw in ${phase} at ts ${ts}: ${e.message}`, handler: phase, tsNs: ts, stack: e.stack },
  };
}

/** What a loop knows at its end, besides the parts: the figures of the result. */
export interface RunFigures {
  strategy: string;
  params: Record<string, unknown>;
  config: ResolvedConfig;
  symbols: readonly string[];
  bars: number;
  equity: EquityCurve;
  metrics: Metrics;
  /** Equal-weight buy-and-hold return of the symbols. */
  buyAndHold: number;
  /** The loop's time when a stopwatch was given, and the events (bars or ticks) it handled. */
  loopMs: number | null;
  events: number;
  /** Time of the last step and each symbol's last bar index, where open trades are valued. */
  lastTs: bigint;
  lastIndex: Int32Array;
}

/**
 * The result, with the trade list, order list and order log built from their columns when first
 * read: a caller that only wants the figures (a sweep) never pays for the objects. The getters
 * hold the tracker and the run's exchange, whose finished orders are columns (~130 bytes each).
 */
export function resultOf(f: RunFigures, parts: EngineParts, log: { readonly orders: Order[]; readonly events: OrderEvent[] }): BacktestResult {
  const { portfolio, trades } = parts;
  const { metrics, loopMs } = f;
  return {
    strategy: f.strategy,
    params: f.params,
    config: f.config,
    symbols: f.symbols,
    bars: f.bars,
    equity: f.equity,
    get trades() {
      return trades.closed;
    },
    openTrades: trades.openTrades(f.lastTs, f.lastIndex, portfolio.qtys, portfolio.avgPrices, portfolio.lastPrices),
    get orders() {
      return log.orders;
    },
    get orderEvents() {
      return log.events;
    },
    orderCount: parts.exchange.orderCount,
    fills: parts.exchange.fillCount,
    finalPositions: portfolio.positions(),
    fees: portfolio.feesPaid,
    borrowCost: portfolio.borrowPaid,
    dividends: portfolio.dividends,
    metrics,
    benchmark: { totalReturn: f.buyAndHold, cagr: metrics.years > 0 ? Math.pow(1 + f.buyAndHold, 1 / metrics.years) - 1 : NaN },
    timing: loopMs === null ? null : { loopMs, barsPerSecond: loopMs > 0 ? (f.events / loopMs) * 1000 : Infinity },
  };
}
