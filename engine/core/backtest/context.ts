// The StrategyContext a backtest hands to a strategy: the same surface paper and live provide,
// wired to the test clock, the simulated exchange and the backtest portfolio.

import type { Clock, TestClock } from '../clock';
import {
  Atr,
  type BarIndicator,
  Bollinger,
  Ema,
  Macd,
  RegressionSlope,
  Rsi,
  Sma,
  Stochastic,
  Vwap,
  Wma,
  ZScore,
} from '../indicators/index';
import type { Portfolio, PortfolioView, Position } from '../portfolio/portfolio';
import type { ColumnHistory } from '../strategy/history';
import type { IndicatorRegistry, OrderApi, StrategyContext } from '../strategy/types';
import type { SimulatedExchange } from './exchange';
import type { DelayedCommands } from './latency';

export interface ContextParts {
  symbols: readonly string[];
  clock: TestClock;
  portfolio: Portfolio;
  exchange: SimulatedExchange;
  histories: readonly ColumnHistory[];
  /** Per symbol, the indicators the engine feeds before each onBar. */
  indicators: BarIndicator[][];
  /**
   * Order latency in ns (0 or absent: none). With it, new orders reach the exchange that much
   * later, and cancels/replaces go through `delayed` (the event loop delivers them on arrival).
   */
  latencyNs?: bigint;
  delayed?: DelayedCommands;
}

export function createBacktestContext(parts: ContextParts): StrategyContext {
  const { symbols, clock, portfolio, exchange, histories, indicators } = parts;
  const indexOf = (symbol: string): number => {
    const i = portfolio.indexOf(symbol);
    if (i < 0) throw new RangeError(`unknown symbol '${symbol}' (this run has: ${symbols.join(', ')})`);
    return i;
  };

  // A facade, so a strategy can read time and set timers but never move the clock.
  const clockView: Clock = {
    timestampNs: () => clock.timestampNs(),
    setTimeAlert: (name, at) => clock.setTimeAlert(name, at),
    setTimer: (name, interval, start, stop) => clock.setTimer(name, interval, start, stop),
    cancelTimer: (name) => clock.cancelTimer(name),
    timerNames: () => clock.timerNames(),
  };

  const register = <T extends BarIndicator>(symbol: string, indicator: T): T => {
    indicators[indexOf(symbol)].push(indicator);
    return indicator;
  };
  const registry: IndicatorRegistry = {
    sma: (symbol, period, source) => register(symbol, new Sma(period, source)),
    ema: (symbol, period, source) => register(symbol, new Ema(period, source)),
    wma: (symbol, period, source) => register(symbol, new Wma(period, source)),
    rsi: (symbol, period, source) => register(symbol, new Rsi(period, source)),
    macd: (symbol, fast, slow, signal, source) => register(symbol, new Macd(fast, slow, signal, source)),
    bollinger: (symbol, period, stdDevs, source) => register(symbol, new Bollinger(period, stdDevs, source)),
    atr: (symbol, period) => register(symbol, new Atr(period)),
    stochastic: (symbol, period, signalPeriod) => register(symbol, new Stochastic(period, signalPeriod)),
    vwap: (symbol, period) => register(symbol, new Vwap(period)),
    zscore: (symbol, period, source) => register(symbol, new ZScore(period, source)),
    slope: (symbol, period, source) => register(symbol, new RegressionSlope(period, source)),
    register,
  };

  // Read-only: the strategy must not be able to write cash or positions.
  const portfolioView: PortfolioView = {
    get cash(): number {
      return portfolio.cash;
    },
    equity: () => portfolio.equity(),
    buyingPower: () => portfolio.buyingPower(),
    qty: (symbol) => portfolio.qty(symbol),
    position: (symbol): Position | undefined => portfolio.position(symbol),
    positions: () => portfolio.positions(),
  };

  const latencyNs = parts.latencyNs ?? 0n;
  const delayed = latencyNs > 0n ? parts.delayed : undefined;
  const submit: OrderApi['submit'] =
    delayed === undefined
      ? (request) => exchange.submit(request)
      : (request) => {
          const id = exchange.submit(request);
          exchange.setArrival(id, clock.timestampNs() + latencyNs);
          return id;
        };
  // A delayed cancel/replace of an open order answers true ("sent"); whether it worked shows in
  // the order events when it arrives. Anything else is answered (rejected) at once.
  const cancel: OrderApi['cancel'] =
    delayed === undefined
      ? (id) => exchange.cancel(id)
      : (id) => {
          const s = exchange.openSymbolOf(id);
          if (s < 0) return exchange.cancel(id);
          delayed.send(s, clock.timestampNs() + latencyNs, () => exchange.cancel(id));
          return true;
        };
  const replace: OrderApi['replace'] =
    delayed === undefined
      ? (id, change) => exchange.replace(id, change)
      : (id, change) => {
          const s = exchange.openSymbolOf(id);
          if (s < 0) return exchange.replace(id, change);
          delayed.send(s, clock.timestampNs() + latencyNs, () => exchange.replace(id, change));
          return true;
        };

  const orders: OrderApi = {
    submit,
    cancel,
    replace,
    cancelAll: (symbol) => {
      let n = 0;
      // Canceling any order of a bracket, OTO or OCO cancels its whole family (the entry and its
      // legs), so one cancel goes per family: under latency a second one would arrive after the
      // first had closed them all, and be rejected.
      const sent = new Set<string>();
      for (const o of exchange.openOrders(symbol)) {
        const family = o.parentId ?? o.id;
        if (sent.has(family)) continue;
        sent.add(family);
        if (cancel(o.id)) n++;
      }
      return n;
    },
    closePosition: (symbol) => {
      const q = portfolio.qty(symbol);
      if (q === 0) return null;
      const qty = Math.abs(q);
      return submit({
        symbol,
        side: q > 0 ? 'sell' : 'buy',
        qty,
        type: 'market',
        timeInForce: Number.isInteger(qty) ? 'gtc' : 'day',
        tag: 'close-position',
      });
    },
    get: (id) => exchange.get(id),
    open: (symbol) => exchange.openOrders(symbol),
  };

  return {
    clock: clockView,
    symbols,
    history: (symbol) => histories[indexOf(symbol)],
    indicators: registry,
    portfolio: portfolioView,
    orders,
  };
}
