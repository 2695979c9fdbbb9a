// Checks a SubmitOrder/ModifyOrder request the way Alpaca's order API does, so a strategy that
// passes here is not rejected live. Returns the rejection reason, or null; never throws.

import {
  ORDER_CLASSES,
  ORDER_SIDES,
  ORDER_TYPES,
  type OrderRequest,
  TIMES_IN_FORCE,
} from './types';

export interface ValidationContext {
  /** Whether the symbol is one the venue trades. */
  knownSymbol: boolean;
  /** Last traded price, NaN before the first bar: price-relative rules are skipped then. */
  lastPrice: number;
  /** Signed current position. */
  positionQty: number;
  allowShort: boolean;
  /** Infinity skips the check. */
  buyingPower: number;
  /** Alpaca rejects prices finer than $0.01 (>= $1) or $0.0001 (< $1). */
  enforceTickSize: boolean;
}

const MAX_CLIENT_ORDER_ID = 48;

/** Rounds to Alpaca's price increment: cents at or above $1, hundredths of a cent below. */
export function roundToTick(price: number): number {
  const scale = Math.abs(price) >= 1 ? 100 : 10000;
  return Math.round(price * scale) / scale;
}

function onTick(price: number): boolean {
  const scale = Math.abs(price) >= 1 ? 100 : 10000;
  const x = price * scale;
  return Math.abs(x - Math.round(x)) < 1e-6 * Math.max(1, Math.abs(x) / 1e6);
}

function isPositivePrice(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function priceError(name: string, v: unknown, ctx: ValidationContext): string | null {
  if (!isPositivePrice(v)) return `${name} must be a positive finite number, got ${String(v)}`;
  if (ctx.enforceTickSize && !onTick(v)) {
    return `${name} ${v} is a sub-penny increment (use cents at or above $1, $0.0001 below $1)`;
  }
  return null;
}

/** The price an order is judged against: its own limit/stop, else the last trade. */
function basePrice(req: OrderRequest, ctx: ValidationContext): number {
  if (req.type === 'limit' || req.type === 'stop_limit') return req.limitPrice ?? NaN;
  if (req.type === 'stop') return req.stopPrice ?? NaN;
  return ctx.lastPrice;
}

/** Alpaca's OCO carries its target price in take_profit only; give it the limit it works at. */
export function normalizeOrderRequest(req: OrderRequest): OrderRequest {
  if (req.orderClass === 'oco' && req.limitPrice === undefined && req.takeProfit !== undefined) {
    return { ...req, limitPrice: req.takeProfit.limitPrice };
  }
  return req;
}

export function validateOrderRequest(request: OrderRequest, ctx: ValidationContext): string | null {
  if (typeof request !== 'object' || request === null) return 'order request must be an object';
  const req = normalizeOrderRequest(request);
  if (typeof req.symbol !== 'string' || req.symbol.length === 0) return 'symbol is required';
  if (!ctx.knownSymbol) return `unknown symbol '${req.symbol}'`;
  if (!ORDER_SIDES.includes(req.side)) return `side must be buy or sell, got '${String(req.side)}'`;
  if (!ORDER_TYPES.includes(req.type)) return `type must be one of ${ORDER_TYPES.join(', ')}, got '${String(req.type)}'`;
  const tif = req.timeInForce ?? 'gtc';
  if (!TIMES_IN_FORCE.includes(tif)) return `timeInForce must be one of ${TIMES_IN_FORCE.join(', ')}, got '${String(tif)}'`;
  const cls = req.orderClass ?? 'simple';
  if (!ORDER_CLASSES.includes(cls)) return `orderClass must be one of ${ORDER_CLASSES.join(', ')}, got '${String(cls)}'`;
  if (typeof req.qty !== 'number' || !Number.isFinite(req.qty) || req.qty <= 0) {
    return `qty must be a positive finite number, got ${String(req.qty)}`;
  }
  if (req.clientOrderId !== undefined && (typeof req.clientOrderId !== 'string' || req.clientOrderId.length > MAX_CLIENT_ORDER_ID)) {
    return `clientOrderId must be a string of at most ${MAX_CLIENT_ORDER_ID} characters`;
  }
  const fractional = !Number.isInteger(req.qty);
  if (fractional && !(req.type === 'market' && tif === 'day' && cls === 'simple')) {
    return 'fractional qty is only allowed for simple market orders with timeInForce day';
  }

  if (cls === 'oco' && req.type !== 'limit') return 'oco orders must have type limit (the take-profit leg)';
  const typeError = checkPriceFields(req, ctx);
  if (typeError) return typeError;

  if (req.type === 'trailing_stop' && tif !== 'day' && tif !== 'gtc') {
    return 'trailing_stop orders accept timeInForce day or gtc only';
  }
  if ((tif === 'opg' || tif === 'cls') && req.type !== 'market' && req.type !== 'limit') {
    return `timeInForce ${tif} is only for market or limit orders`;
  }

  const classError = checkOrderClass(req, cls, tif, ctx);
  if (classError) return classError;

  return checkExposure(req, fractional, ctx);
}

function checkPriceFields(req: OrderRequest, ctx: ValidationContext): string | null {
  const needsLimit = req.type === 'limit' || req.type === 'stop_limit';
  const needsStop = req.type === 'stop' || req.type === 'stop_limit';
  if (needsLimit) {
    const e = priceError('limitPrice', req.limitPrice, ctx);
    if (e) return `${req.type} order: ${e}`;
  } else if (req.limitPrice !== undefined) {
    return `limitPrice is not used by a ${req.type} order`;
  }
  if (needsStop) {
    const e = priceError('stopPrice', req.stopPrice, ctx);
    if (e) return `${req.type} order: ${e}`;
  } else if (req.stopPrice !== undefined) {
    return `stopPrice is not used by a ${req.type} order`;
  }
  if (req.type === 'trailing_stop') {
    const hasPrice = req.trailPrice !== undefined;
    const hasPercent = req.trailPercent !== undefined;
    if (hasPrice === hasPercent) return 'trailing_stop order needs exactly one of trailPrice or trailPercent';
    if (hasPrice && !isPositivePrice(req.trailPrice)) return `trailPrice must be a positive finite number, got ${String(req.trailPrice)}`;
    if (hasPercent && !(isPositivePrice(req.trailPercent) && req.trailPercent < 100)) {
      return `trailPercent must be between 0 and 100 exclusive, got ${String(req.trailPercent)}`;
    }
  } else if (req.trailPrice !== undefined || req.trailPercent !== undefined) {
    return `trailPrice/trailPercent are only for trailing_stop orders`;
  }
  return null;
}

function checkOrderClass(req: OrderRequest, cls: string, tif: string, ctx: ValidationContext): string | null {
  const tp = req.takeProfit;
  const sl = req.stopLoss;
  if (cls === 'simple') {
    if (tp !== undefined || sl !== undefined) return 'takeProfit/stopLoss need orderClass bracket, oco or oto';
    return null;
  }
  if (tif !== 'day' && tif !== 'gtc') return `${cls} orders accept timeInForce day or gtc only`;
  if (tp !== undefined) {
    const e = priceError('takeProfit.limitPrice', tp?.limitPrice, ctx);
    if (e) return `${cls} order: ${e}`;
  }
  if (sl !== undefined) {
    const e = priceError('stopLoss.stopPrice', sl?.stopPrice, ctx);
    if (e) return `${cls} order: ${e}`;
    if (sl.limitPrice !== undefined) {
      const le = priceError('stopLoss.limitPrice', sl.limitPrice, ctx);
      if (le) return `${cls} order: ${le}`;
    }
  }
  const buy = req.side === 'buy';

  if (cls === 'oco') {
    if (req.type !== 'limit') return 'oco orders must have type limit (the take-profit leg)';
    if (tp === undefined || sl === undefined) return 'oco orders need both takeProfit.limitPrice and stopLoss.stopPrice';
    if (req.limitPrice !== tp.limitPrice) return 'oco order: limitPrice must equal takeProfit.limitPrice';
    // An OCO exits a position: a sell OCO's target sits above its stop, a buy OCO's below.
    if (buy ? !(tp.limitPrice < sl.stopPrice) : !(tp.limitPrice > sl.stopPrice)) {
      return `oco ${req.side}: takeProfit.limitPrice must be ${buy ? 'below' : 'above'} stopLoss.stopPrice`;
    }
    const held = buy ? -ctx.positionQty : ctx.positionQty;
    if (!(held >= req.qty)) {
      return `oco orders are exit-only: no ${buy ? 'short' : 'long'} position of ${req.qty} in ${req.symbol} to close`;
    }
    return null;
  }

  if (req.type === 'trailing_stop') return `${cls} orders cannot have a trailing_stop entry`;
  if (cls === 'bracket') {
    if (tp === undefined || !isPositivePrice(tp.limitPrice)) return 'bracket orders need takeProfit.limitPrice';
    if (sl === undefined || !isPositivePrice(sl.stopPrice)) return 'bracket orders need stopLoss.stopPrice';
    if (buy ? !(tp.limitPrice > sl.stopPrice) : !(tp.limitPrice < sl.stopPrice)) {
      return `bracket ${req.side}: takeProfit.limitPrice (${tp.limitPrice}) must be ${buy ? 'above' : 'below'} stopLoss.stopPrice (${sl.stopPrice})`;
    }
  } else if (cls === 'oto') {
    if ((tp === undefined) === (sl === undefined)) return 'oto orders need exactly one of takeProfit or stopLoss';
  }
  // Alpaca: exits must sit at least a cent on the correct side of the entry's base price.
  const base = basePrice(req, ctx);
  if (Number.isFinite(base)) {
    if (tp !== undefined && (buy ? tp.limitPrice < base + 0.01 - 1e-9 : tp.limitPrice > base - 0.01 + 1e-9)) {
      return `${cls} ${req.side}: takeProfit.limitPrice (${tp.limitPrice}) must be at least 0.01 ${buy ? 'above' : 'below'} the base price ${base}`;
    }
    if (sl !== undefined && (buy ? sl.stopPrice > base - 0.01 + 1e-9 : sl.stopPrice < base + 0.01 - 1e-9)) {
      return `${cls} ${req.side}: stopLoss.stopPrice (${sl.stopPrice}) must be at least 0.01 ${buy ? 'below' : 'above'} the base price ${base}`;
    }
  }
  return null;
}

function checkExposure(req: OrderRequest, fractional: boolean, ctx: ValidationContext): string | null {
  if (req.orderClass === 'oco') return null;
  const pos = ctx.positionQty;
  const opening = req.side === 'buy' ? Math.max(0, req.qty - Math.max(0, -pos)) : Math.max(0, req.qty - Math.max(0, pos));
  if (opening <= 0) return null;
  if (req.side === 'sell') {
    if (!ctx.allowShort) return `short selling is disabled: sell ${req.qty} ${req.symbol} exceeds the long position of ${Math.max(0, pos)}`;
    if (fractional) return 'fractional orders cannot open a short position';
  }
  const price = basePrice(req, ctx);
  const est = Number.isFinite(price) ? price : ctx.lastPrice;
  if (Number.isFinite(est) && opening * est > ctx.buyingPower + 1e-9) {
    return `insufficient buying power: ${req.side} ${opening} ${req.symbol} needs ${(opening * est).toFixed(2)}, available ${ctx.buyingPower.toFixed(2)}`;
  }
  return null;
}
