// Order vocabulary shared by strategies, the simulated exchange and the live adapters. Field names
// mirror Alpaca's order API in camelCase so the live adapter is a plain mapping.

import type { UnixNanos } from '../clock';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
export type OrderClass = 'simple' | 'bracket' | 'oco' | 'oto';

export const ORDER_SIDES: readonly OrderSide[] = ['buy', 'sell'];
export const ORDER_TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'];
export const TIMES_IN_FORCE: readonly TimeInForce[] = ['day', 'gtc', 'ioc', 'fok', 'opg', 'cls'];
export const ORDER_CLASSES: readonly OrderClass[] = ['simple', 'bracket', 'oco', 'oto'];

export interface TakeProfitSpec {
  limitPrice: number;
}

export interface StopLossSpec {
  stopPrice: number;
  /** Present: the stop-loss leg is a stop-limit. */
  limitPrice?: number;
}

/** The `SubmitOrder` command's payload. */
export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  qty: number;
  type: OrderType;
  /** Defaults to 'gtc' (Alpaca requires it explicitly; a default keeps strategies short). */
  timeInForce?: TimeInForce;
  limitPrice?: number;
  stopPrice?: number;
  trailPrice?: number;
  /** Percent, e.g. 2 for 2%. */
  trailPercent?: number;
  orderClass?: OrderClass;
  takeProfit?: TakeProfitSpec;
  stopLoss?: StopLossSpec;
  clientOrderId?: string;
  /** Free text carried through to events and the order log. */
  tag?: string;
}

/** The `ModifyOrder` command's payload (Alpaca's replace). Omitted fields stay as they are. */
export interface OrderReplace {
  qty?: number;
  limitPrice?: number;
  stopPrice?: number;
  trailPrice?: number;
  trailPercent?: number;
  timeInForce?: TimeInForce;
}

export type OrderStatus =
  | 'accepted'
  | 'held'
  | 'triggered'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'rejected';

/** Which role an order plays inside an order class. */
export type OrderLegRole = 'entry' | 'take_profit' | 'stop_loss';

/** A read-only snapshot of an order, as strategies and the order log see it. */
export interface Order {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly orderClass: OrderClass;
  readonly role: OrderLegRole;
  readonly parentId: string | null;
  /** Orders in the same one-cancels-other group (excluding this one). */
  readonly linkedIds: readonly string[];
  readonly qty: number;
  readonly filledQty: number;
  readonly avgFillPrice: number;
  readonly limitPrice: number | null;
  /** For trailing stops: the current trailing stop level. */
  readonly stopPrice: number | null;
  readonly trailPrice: number | null;
  readonly trailPercent: number | null;
  readonly status: OrderStatus;
  readonly tag: string | null;
  readonly tsInit: UnixNanos;
  readonly tsLast: UnixNanos;
}

export function isOpenStatus(status: OrderStatus): boolean {
  return status === 'accepted' || status === 'held' || status === 'triggered' || status === 'partially_filled';
}
