// Order records of the simulated broker, their Alpaca JSON shape, and the validation of
// POST /v2/orders and PATCH bodies with Alpaca's HTTP statuses and `{code, message}` errors.

import type { AssetClass } from './source';
import { rfc3339Nano } from './time';

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: number | undefined, message: string, readonly extra: Record<string, string> = {}) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.code === undefined ? { message: this.message } : { code: this.code, message: this.message, ...this.extra };
  }
}

// Alpaca's numeric error codes: the HTTP status followed by a sub-code.
export const CODE = {
  malformed: 40010000,
  invalid: 40010001,
  unauthorized: 40110000,
  forbidden: 40310000,
  notFound: 40410000,
  unprocessable: 42210000,
  rateLimited: 42910000,
} as const;

export const invalid = (message: string): ApiFailure => new ApiFailure(422, CODE.invalid, message);
export const unprocessable = (message: string): ApiFailure => new ApiFailure(422, CODE.unprocessable, message);

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
export type TimeInForce = 'day' | 'gtc' | 'opg' | 'cls' | 'ioc' | 'fok';
export type OrderClass = 'simple' | 'bracket' | 'oco' | 'oto';
export type OrderStatus =
  | 'new' | 'partially_filled' | 'filled' | 'done_for_day' | 'canceled' | 'expired' | 'replaced'
  | 'pending_cancel' | 'pending_replace' | 'accepted' | 'pending_new' | 'accepted_for_bidding'
  | 'stopped' | 'rejected' | 'suspended' | 'calculated' | 'held';

const SIDES: readonly Side[] = ['buy', 'sell'];
const TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'];
const TIFS: readonly TimeInForce[] = ['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'];
const CLASSES: readonly OrderClass[] = ['simple', 'bracket', 'oco', 'oto'];

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'new', 'partially_filled', 'accepted', 'pending_new', 'held', 'pending_cancel', 'pending_replace',
  'accepted_for_bidding', 'calculated', 'done_for_day',
]);

export interface SimOrder {
  id: string;
  clientOrderId: string;
  createdAt: number;
  updatedAt: number;
  submittedAt: number;
  filledAt: number | null;
  expiredAt: number | null;
  canceledAt: number | null;
  failedAt: number | null;
  replacedAt: number | null;
  replacedBy: string | null;
  replaces: string | null;
  assetId: string;
  symbol: string;
  assetClass: AssetClass;
  notional: number | null;
  qty: number | null;
  filledQty: number;
  filledAvgPrice: number | null;
  orderClass: OrderClass | '';
  type: OrderType;
  side: Side;
  timeInForce: TimeInForce;
  limitPrice: number | null;
  stopPrice: number | null;
  trailPrice: number | null;
  trailPercent: number | null;
  hwm: number | null;
  status: OrderStatus;
  extendedHours: boolean;
  positionIntent: string | null;
  legIds: string[];
  parentId: string | null;
  /** A stop has been touched and now works as a market or limit order. */
  triggered: boolean;
  /** Close of the session a day order lives in; null for other time-in-force values. */
  expiresAt: number | null;
}

const str = (x: number | null): string | null => (x === null ? null : formatNumber(x));
const ts = (x: number | null): string | null => (x === null ? null : rfc3339Nano(x));

export function formatNumber(x: number): string {
  return String(Math.round(x * 1e9) / 1e9);
}

/** The Order entity as Alpaca serialises it; `legs` only when asked for. */
export function orderJson(o: SimOrder, lookup: (id: string) => SimOrder | undefined, withLegs: boolean): Record<string, unknown> {
  const legs = withLegs && o.legIds.length > 0
    ? o.legIds.map((id) => lookup(id)).filter((x): x is SimOrder => x !== undefined).map((l) => orderJson(l, lookup, false))
    : null;
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    created_at: ts(o.createdAt),
    updated_at: ts(o.updatedAt),
    submitted_at: ts(o.submittedAt),
    filled_at: ts(o.filledAt),
    expired_at: ts(o.expiredAt),
    canceled_at: ts(o.canceledAt),
    failed_at: ts(o.failedAt),
    replaced_at: ts(o.replacedAt),
    replaced_by: o.replacedBy,
    replaces: o.replaces,
    asset_id: o.assetId,
    symbol: o.symbol,
    asset_class: o.assetClass,
    notional: str(o.notional),
    qty: str(o.qty),
    filled_qty: formatNumber(o.filledQty),
    filled_avg_price: str(o.filledAvgPrice),
    order_class: o.orderClass,
    order_type: o.type,
    type: o.type,
    side: o.side,
    position_intent: o.positionIntent ?? undefined,
    time_in_force: o.timeInForce,
    limit_price: str(o.limitPrice),
    stop_price: str(o.stopPrice),
    status: o.status,
    extended_hours: o.extendedHours,
    legs,
    trail_percent: str(o.trailPercent),
    trail_price: str(o.trailPrice),
    hwm: str(o.hwm),
    expires_at: ts(o.expiresAt),
  };
}

// --- request parsing -------------------------------------------------------------------------

export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  qty: number | null;
  notional: number | null;
  limitPrice: number | null;
  stopPrice: number | null;
  trailPrice: number | null;
  trailPercent: number | null;
  extendedHours: boolean;
  clientOrderId: string | null;
  orderClass: OrderClass;
  takeProfit: { limitPrice: number } | null;
  stopLoss: { stopPrice: number; limitPrice: number | null } | null;
  positionIntent: string | null;
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Alpaca takes amounts as decimal strings or plain numbers (v3 SDK sends numbers). */
function decimal(body: Json, field: string, label = field): number | null {
  const raw = body[field];
  if (raw === undefined || raw === null || raw === '') return null;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) throw invalid(`invalid ${label}`);
  return n;
}

function choice<T extends string>(body: Json, field: string, allowed: readonly T[], message: string): T | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !allowed.includes(raw as T)) throw invalid(message);
  return raw as T;
}

export function parseOrderRequest(raw: unknown): OrderRequest {
  if (!isObject(raw)) throw new ApiFailure(400, CODE.malformed, 'request body format is invalid');
  const symbol = raw.symbol;
  if (typeof symbol !== 'string' || symbol.trim() === '') throw invalid('symbol is required');
  const side = choice(raw, 'side', SIDES, 'invalid side');
  if (!side) throw invalid('side is required');
  const type = choice(raw, 'type', TYPES, 'invalid order type');
  if (!type) throw invalid('order type is required');
  const timeInForce = choice(raw, 'time_in_force', TIFS, 'invalid time_in_force');
  if (!timeInForce) throw invalid('time_in_force is required');
  const orderClassRaw = raw.order_class === '' ? undefined : choice(raw, 'order_class', [...CLASSES, 'mleg'] as const, 'invalid order class');
  if (orderClassRaw === 'mleg') throw unprocessable('mleg orders are only supported for options');
  const orderClass: OrderClass = orderClassRaw ?? 'simple';

  const qty = decimal(raw, 'qty');
  const notional = decimal(raw, 'notional');
  if (qty !== null && notional !== null) throw invalid('only one of qty or notional can be specified');
  if (qty === null && notional === null) throw invalid('qty or notional is required');
  if (qty !== null && qty <= 0) throw invalid('qty must be > 0');
  if (notional !== null && notional <= 0) throw invalid('notional must be > 0');

  const limitPrice = decimal(raw, 'limit_price');
  const stopPrice = decimal(raw, 'stop_price');
  const trailPrice = decimal(raw, 'trail_price');
  const trailPercent = decimal(raw, 'trail_percent');
  for (const [v, name] of [[limitPrice, 'limit_price'], [stopPrice, 'stop_price'], [trailPrice, 'trail_price'], [trailPercent, 'trail_percent']] as const) {
    if (v !== null && v <= 0) throw invalid(`${name} must be > 0`);
  }
  // An OCO's limit price is its take-profit's, so the SDK leaves limit_price out.
  if ((type === 'limit' || type === 'stop_limit') && limitPrice === null && orderClass !== 'oco') throw invalid('limit_price is required');
  if ((type === 'stop' || type === 'stop_limit') && stopPrice === null) throw invalid('stop_price is required');
  if (type === 'market' && (limitPrice !== null || stopPrice !== null)) throw invalid('market orders must not have limit_price or stop_price');
  if (type === 'limit' && stopPrice !== null && orderClass !== 'oco') throw invalid('stop_price is only valid for stop and stop_limit orders');
  if (type === 'trailing_stop') {
    if (trailPrice === null && trailPercent === null) throw invalid('trail_price or trail_percent is required for trailing_stop orders');
    if (trailPrice !== null && trailPercent !== null) throw invalid('only one of trail_price or trail_percent can be specified');
  } else if (trailPrice !== null || trailPercent !== null) {
    throw invalid('trail_price and trail_percent are only valid for trailing_stop orders');
  }

  if (raw.extended_hours !== undefined && raw.extended_hours !== null && typeof raw.extended_hours !== 'boolean') throw invalid('invalid extended_hours');
  const extendedHours = raw.extended_hours === true;
  if (extendedHours && !(type === 'limit' && timeInForce === 'day')) {
    throw unprocessable('extended hours order must be DAY limit orders');
  }

  let clientOrderId: string | null = null;
  if (raw.client_order_id !== undefined && raw.client_order_id !== null && raw.client_order_id !== '') {
    if (typeof raw.client_order_id !== 'string') throw invalid('invalid client_order_id');
    if (raw.client_order_id.length > 128) throw invalid('client_order_id must be no more than 128 characters');
    clientOrderId = raw.client_order_id;
  }

  // Crypto trades in fractions and notionals with its own time-in-force values (gtc, ioc).
  const crypto = symbol.includes('/');
  if (notional !== null && !(type === 'market' && (timeInForce === 'day' || crypto))) {
    throw unprocessable('notional orders are only supported for market orders with time_in_force day');
  }
  if (qty !== null && !Number.isInteger(qty) && !crypto) {
    if (orderClass !== 'simple') throw unprocessable('fractional orders must be simple orders');
    if (!(type === 'market' || type === 'limit' || type === 'stop' || type === 'stop_limit') || timeInForce !== 'day') {
      throw unprocessable('fractional orders must be DAY orders');
    }
  }
  if ((timeInForce === 'opg' || timeInForce === 'cls') && !(type === 'market' || type === 'limit')) {
    throw unprocessable(`${timeInForce} orders must be market or limit orders`);
  }

  let takeProfit: OrderRequest['takeProfit'] = null;
  let stopLoss: OrderRequest['stopLoss'] = null;
  if (raw.take_profit !== undefined && raw.take_profit !== null) {
    if (!isObject(raw.take_profit)) throw invalid('invalid take_profit');
    const lp = decimal(raw.take_profit, 'limit_price', 'take_profit.limit_price');
    if (lp === null) throw invalid('take_profit.limit_price is required');
    if (lp <= 0) throw invalid('take_profit.limit_price must be > 0');
    takeProfit = { limitPrice: lp };
  }
  if (raw.stop_loss !== undefined && raw.stop_loss !== null) {
    if (!isObject(raw.stop_loss)) throw invalid('invalid stop_loss');
    const sp = decimal(raw.stop_loss, 'stop_price', 'stop_loss.stop_price');
    if (sp === null) throw invalid('stop_loss.stop_price is required');
    if (sp <= 0) throw invalid('stop_loss.stop_price must be > 0');
    stopLoss = { stopPrice: sp, limitPrice: decimal(raw.stop_loss, 'limit_price', 'stop_loss.limit_price') };
  }
  switch (orderClass) {
    case 'simple':
      if (takeProfit || stopLoss) throw unprocessable('take_profit and stop_loss require order_class bracket, oco or oto');
      break;
    case 'bracket':
      if (!takeProfit || !stopLoss) throw unprocessable('bracket orders require both take_profit and stop_loss');
      if (timeInForce !== 'day' && timeInForce !== 'gtc') throw unprocessable('bracket orders must be day or gtc');
      if (extendedHours) throw unprocessable('bracket orders cannot be extended hours');
      if (type !== 'market' && type !== 'limit') throw unprocessable('bracket orders must be market or limit orders');
      break;
    case 'oco':
      if (!takeProfit || !stopLoss) throw unprocessable('oco orders require both take_profit and stop_loss');
      if (type !== 'limit') throw unprocessable('oco orders must be limit orders');
      if (timeInForce !== 'day' && timeInForce !== 'gtc') throw unprocessable('oco orders must be day or gtc');
      break;
    case 'oto':
      if ((takeProfit === null) === (stopLoss === null)) throw unprocessable('oto orders require exactly one of take_profit or stop_loss');
      if (timeInForce !== 'day' && timeInForce !== 'gtc') throw unprocessable('oto orders must be day or gtc');
      if (type !== 'market' && type !== 'limit' && type !== 'stop' && type !== 'stop_limit') throw unprocessable('invalid order type for oto order');
      break;
  }
  const positionIntent = typeof raw.position_intent === 'string' ? raw.position_intent : null;
  return {
    symbol: symbol.trim().toUpperCase(), side, type, timeInForce, qty, notional, limitPrice, stopPrice, trailPrice,
    trailPercent, extendedHours, clientOrderId, orderClass, takeProfit, stopLoss, positionIntent,
  };
}

export interface ReplaceRequest {
  qty: number | null;
  timeInForce: TimeInForce | null;
  limitPrice: number | null;
  stopPrice: number | null;
  trail: number | null;
  clientOrderId: string | null;
}

export function parseReplaceRequest(raw: unknown): ReplaceRequest {
  if (!isObject(raw)) throw new ApiFailure(400, CODE.malformed, 'request body format is invalid');
  const qty = decimal(raw, 'qty');
  if (qty !== null && qty <= 0) throw invalid('qty must be > 0');
  const limitPrice = decimal(raw, 'limit_price');
  const stopPrice = decimal(raw, 'stop_price');
  const trail = decimal(raw, 'trail');
  const timeInForce = choice(raw, 'time_in_force', TIFS, 'invalid time_in_force') ?? null;
  let clientOrderId: string | null = null;
  if (typeof raw.client_order_id === 'string' && raw.client_order_id !== '') {
    if (raw.client_order_id.length > 128) throw invalid('client_order_id must be no more than 128 characters');
    clientOrderId = raw.client_order_id;
  }
  if (qty === null && limitPrice === null && stopPrice === null && trail === null && timeInForce === null && clientOrderId === null) {
    throw invalid('no parameters to replace');
  }
  return { qty, timeInForce, limitPrice, stopPrice, trail, clientOrderId };
}
