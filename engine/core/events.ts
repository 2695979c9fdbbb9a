// Market data (nouns) and order events (past tense) that flow from an exchange — simulated or
// live — to a strategy. Every event carries tsEvent (when it happened) and tsInit (when the
// engine saw it), in ns since the Unix epoch, as NautilusTrader does.

import type { UnixNanos } from './clock';
import type { OrderSide } from './orders/types';

export type { TimeEvent } from './clock';

/**
 * One bar. `tsEvent` is the bar's close time: a bar exists for the engine only once that time
 * has been reached. In a backtest the object is a reused view; copy fields you want to keep.
 */
export interface Bar {
  readonly symbol: string;
  readonly tsEvent: UnixNanos;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface Trade {
  readonly symbol: string;
  readonly tsEvent: UnixNanos;
  readonly tsInit: UnixNanos;
  readonly price: number;
  readonly size: number;
}

export interface Quote {
  readonly symbol: string;
  readonly tsEvent: UnixNanos;
  readonly tsInit: UnixNanos;
  readonly bidPrice: number;
  readonly bidSize: number;
  readonly askPrice: number;
  readonly askSize: number;
}

interface OrderEventBase {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly tsEvent: UnixNanos;
  readonly tsInit: UnixNanos;
}

export interface OrderAccepted extends OrderEventBase {
  readonly type: 'OrderAccepted';
}

export interface OrderRejected extends OrderEventBase {
  readonly type: 'OrderRejected';
  readonly reason: string;
}

/** A stop-limit's stop was reached; it now works as a limit order. */
export interface OrderTriggered extends OrderEventBase {
  readonly type: 'OrderTriggered';
}

/** A bracket/OTO child became active because its parent was filled. */
export interface OrderReleased extends OrderEventBase {
  readonly type: 'OrderReleased';
}

export interface OrderUpdated extends OrderEventBase {
  readonly type: 'OrderUpdated';
  readonly qty: number;
  readonly limitPrice: number | null;
  readonly stopPrice: number | null;
}

export interface OrderModifyRejected extends OrderEventBase {
  readonly type: 'OrderModifyRejected';
  readonly reason: string;
}

export interface OrderCancelRejected extends OrderEventBase {
  readonly type: 'OrderCancelRejected';
  readonly reason: string;
}

export interface OrderCanceled extends OrderEventBase {
  readonly type: 'OrderCanceled';
  readonly reason: string;
}

export interface OrderExpired extends OrderEventBase {
  readonly type: 'OrderExpired';
}

/** `OrderPartiallyFilled` while quantity remains working, `OrderFilled` for the last fill. */
export interface OrderFill extends OrderEventBase {
  readonly type: 'OrderFilled' | 'OrderPartiallyFilled';
  readonly fillId: string;
  readonly side: OrderSide;
  readonly lastQty: number;
  readonly lastPx: number;
  readonly cumQty: number;
  readonly leavesQty: number;
  readonly avgPx: number;
  readonly fee: number;
  /** Price moved against the order by the slippage model, per share. */
  readonly slippage: number;
}

export type OrderFilled = OrderFill & { readonly type: 'OrderFilled' };
export type OrderPartiallyFilled = OrderFill & { readonly type: 'OrderPartiallyFilled' };

export type OrderEvent =
  | OrderAccepted
  | OrderRejected
  | OrderTriggered
  | OrderReleased
  | OrderUpdated
  | OrderModifyRejected
  | OrderCancelRejected
  | OrderCanceled
  | OrderExpired
  | OrderFill;
