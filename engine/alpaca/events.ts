// Engine-facing types of the Alpaca adapter: market data nouns, order commands and past-tense
// order events, each carrying tsEvent (when it happened) and tsInit (when the engine saw it)
// in nanoseconds. They live here until engine/core defines the shared ones.

export type Nanos = bigint;

/** Where the adapter reads "now" for tsInit; injected so tests and backtests control it. */
export interface NsClock {
  nowNs(): Nanos;
}

export const wallClock: NsClock = { nowNs: () => BigInt(Date.now()) * 1_000_000n };

export const msToNs = (ms: number): Nanos => BigInt(Math.round(ms)) * 1_000_000n;

export interface Bar {
  symbol: string;
  /** Bar start, as Alpaca labels it. */
  start: Nanos;
  /** Bar close time: the bar may not be seen before it. */
  tsEvent: Nanos;
  tsInit: Nanos;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  tradeCount: number;
}

export interface Trade {
  symbol: string;
  tsEvent: Nanos;
  tsInit: Nanos;
  price: number;
  size: number;
  tradeId: string;
  exchange?: string;
}

export interface Quote {
  symbol: string;
  tsEvent: Nanos;
  tsInit: Nanos;
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
}

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
export type TimeInForce = 'day' | 'gtc' | 'opg' | 'cls' | 'ioc' | 'fok';

/** The command to place an order; a clientOrderId is generated when absent. */
export interface SubmitOrder {
  clientOrderId?: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  qty?: number | string;
  notional?: number | string;
  limitPrice?: number | string;
  stopPrice?: number | string;
  trailPrice?: number | string;
  trailPercent?: number | string;
  extendedHours?: boolean;
  orderClass?: 'simple' | 'bracket' | 'oco' | 'oto';
  takeProfit?: { limitPrice: number | string };
  stopLoss?: { stopPrice: number | string; limitPrice?: number | string };
}

export interface ReplaceOrder {
  qty?: number | string;
  timeInForce?: TimeInForce;
  limitPrice?: number | string;
  stopPrice?: number | string;
  trail?: number | string;
  clientOrderId?: string;
}

/** What the adapter knows of an order at the venue. */
export interface OrderSnapshot {
  venueOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: string;
  orderClass: string;
  timeInForce: string;
  status: string;
  qty: number | null;
  filledQty: number;
  filledAvgPrice: number | null;
  limitPrice: number | null;
  stopPrice: number | null;
  legs: OrderSnapshot[];
  parentVenueOrderId: string | null;
}

interface OrderEventBase {
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  tsEvent: Nanos;
  tsInit: Nanos;
  order: OrderSnapshot;
}

export interface OrderAccepted extends OrderEventBase { type: 'OrderAccepted' }
export interface OrderFilled extends OrderEventBase {
  type: 'OrderFilled';
  executionId: string;
  lastQty: number;
  lastPx: number;
  positionQty: number;
}
export interface OrderPartiallyFilled extends Omit<OrderFilled, 'type'> { type: 'OrderPartiallyFilled' }
export interface OrderCanceled extends OrderEventBase { type: 'OrderCanceled' }
export interface OrderExpired extends OrderEventBase { type: 'OrderExpired' }
export interface OrderRejected extends OrderEventBase { type: 'OrderRejected'; reason: string }
export interface OrderReplaced extends OrderEventBase { type: 'OrderReplaced'; replacedBy: string | null }

export type OrderEvent =
  | OrderAccepted | OrderFilled | OrderPartiallyFilled | OrderCanceled | OrderExpired | OrderRejected | OrderReplaced;

/** Connection life of a stream, surfaced so the runner can journal and alert on it. */
export type ConnectionEvent =
  | { type: 'StreamReconnecting'; stream: 'trading' | 'market-data'; attempt: number; tsInit: Nanos }
  | { type: 'StreamReconnected'; stream: 'trading' | 'market-data'; tsInit: Nanos }
  | { type: 'StreamError'; stream: 'trading' | 'market-data'; message: string; tsInit: Nanos };

export type MarketEvent =
  | { type: 'Bar'; bar: Bar; backfilled: boolean }
  /** A minute bar re-sent after a late trade changed it; same `start` as the bar it replaces. */
  | { type: 'UpdatedBar'; bar: Bar }
  /** The session's bar so far, re-sent every minute. */
  | { type: 'DailyBar'; bar: Bar }
  /** A one-second bar aggregated from trades; `updated` when a late print amends a sent one. */
  | { type: 'SecondBar'; bar: Bar; updated: boolean }
  | { type: 'Trade'; trade: Trade; backfilled: boolean }
  | { type: 'Quote'; quote: Quote; backfilled: boolean }
  | { type: 'TradingStatus'; symbol: string; statusCode: string; statusMessage: string; reasonCode: string; reasonMessage: string; tsEvent: Nanos; tsInit: Nanos }
  | { type: 'LimitBands'; symbol: string; limitUp: number; limitDown: number; indicator: string; tsEvent: Nanos; tsInit: Nanos }
  | {
    type: 'TradeCorrected'; symbol: string; originalTradeId: string; originalPrice: number; originalSize: number;
    correctedTradeId: string; correctedPrice: number; correctedSize: number; tsEvent: Nanos; tsInit: Nanos;
  }
  | { type: 'TradeCanceled'; symbol: string; tradeId: string; price: number; size: number; tsEvent: Nanos; tsInit: Nanos }
  | { type: 'BarsBackfilled'; symbol: string; count: number; tsInit: Nanos }
  | { type: 'TradesBackfilled'; symbol: string; count: number; tsInit: Nanos }
  | { type: 'QuotesBackfilled'; symbol: string; count: number; tsInit: Nanos }
  /** Alpaca confirmed the subscription set (after every subscribe and every reconnect). */
  | { type: 'Subscribed'; channels: Record<string, string[]>; tsInit: Nanos };
