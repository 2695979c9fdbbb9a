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
import { isOpenStatus } from '../orders/types';
import type { Portfolio, PortfolioView, Position } from '../portfolio/portfolio';
import type { ColumnHistory } from '../strategy/history';
import type { IndicatorRegistry, OrderApi, StrategyContext } from '../strategy/types';
import type { SimulatedExchange } from './exchange';

export interface ContextParts {
  symbols: readonly string[];
  clock: TestClock;
  portfolio: Portfolio;
  exchange: SimulatedExchange;
  histories: readonly ColumnHistory[];
  /** Per symbol, the indicators the engine feeds before each onBar. */
  indicators: BarIndicator[][];
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

  const orders: OrderApi = {
    submit: (request) => exchange.submit(request),
    cancel: (id) => exchange.cancel(id),
    replace: (id, change) => exchange.replace(id, change),
    cancelAll: (symbol) => {
      let n = 0;
      for (const o of exchange.openOrders(symbol)) {
        // Canceling one leg cancels its group, so later entries may already be closed.
        const current = exchange.get(o.id);
        if (current !== undefined && isOpenStatus(current.status) && exchange.cancel(o.id)) n++;
      }
      return n;
    },
    closePosition: (symbol) => {
      const q = portfolio.qty(symbol);
      if (q === 0) return null;
      const qty = Math.abs(q);
      return exchange.submit({
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
