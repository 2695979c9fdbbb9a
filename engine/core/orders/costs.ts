// Trading costs applied to simulated fills: slippage moves the price against the order, fees
// are charged in cash. Both are pure functions of the fill so paper/live reports can reuse them.

import type { OrderSide } from './types';

export type SlippageModel =
  | { kind: 'none' }
  /** A fixed fraction of the price, in basis points. */
  | { kind: 'fixed-bps'; bps: number }
  /**
   * Zipline's volume-share model: the price moves by priceImpact * (fill qty / bar volume)^2 of
   * itself, so a fill that takes a larger share of the bar pays quadratically more.
   */
  | { kind: 'volume-share'; priceImpact: number }
  /**
   * Pays half the quoted spread over the mid: a buy at mid + spread/2, a sell at mid − spread/2,
   * i.e. at the touch. Needs quotes (a tick run with quotes for every symbol; bars carry no
   * spread, so a run without them is a config error). On a quote fill this is the same price as
   * filling at the quote, which the tick model does anyway: it is not charged twice; the half
   * spread is reported as the fill's slippage (its cost against the mid) instead of 0.
   */
  | { kind: 'half-spread' };

export type FeeModel =
  | { kind: 'none' }
  /** Alpaca US equities: no commission; regulatory fees on sells (see ALPACA_* constants). */
  | { kind: 'alpaca'; secFeePerDollar?: number; tafPerShare?: number; tafMaxPerTrade?: number }
  | { kind: 'per-share'; perShare: number; minPerFill?: number; maxPerFill?: number }
  /** A fraction of notional, e.g. 0.001 for 10 bps. */
  | { kind: 'percent'; rate: number; minPerFill?: number };

// Alpaca passes two regulatory fees through on stock sales (commission itself is zero).
// SEC Section 31: $27.80 per $1M of sale proceeds until 2025-05-13; the SEC set it to $0.00 per
// million from 2025-05-14 (fiscal 2025 mid-year adjustment). Kept as a constant so a new rate
// is a one-line change; override it per run with `secFeePerDollar`.
export const ALPACA_SEC_FEE_PER_DOLLAR = 0 / 1_000_000;
// FINRA Trading Activity Fee for covered equity sales, effective 2026-01-01: $0.000195 per share,
// capped at $9.79 per trade (2025: $0.000166, cap $8.30).
export const ALPACA_TAF_PER_SHARE = 0.000195;
export const ALPACA_TAF_MAX_PER_TRADE = 9.79;

/** Regulatory fees are billed in whole cents, rounded up. */
function ceilCents(x: number): number {
  // The epsilon keeps 0.3 * 100 = 30.000000000000004 from turning into 31 cents.
  return Math.ceil(x * 100 - 1e-9) / 100;
}

export function computeFee(model: FeeModel, side: OrderSide, qty: number, price: number): number {
  switch (model.kind) {
    case 'none':
      return 0;
    case 'alpaca': {
      if (side === 'buy') return 0;
      const sec = ceilCents(qty * price * (model.secFeePerDollar ?? ALPACA_SEC_FEE_PER_DOLLAR));
      const taf = Math.min(ceilCents(qty * (model.tafPerShare ?? ALPACA_TAF_PER_SHARE)), model.tafMaxPerTrade ?? ALPACA_TAF_MAX_PER_TRADE);
      return sec + taf;
    }
    case 'per-share': {
      let fee = qty * model.perShare;
      if (model.minPerFill !== undefined) fee = Math.max(fee, model.minPerFill);
      if (model.maxPerFill !== undefined) fee = Math.min(fee, model.maxPerFill);
      return fee;
    }
    case 'percent': {
      const fee = qty * price * model.rate;
      return model.minPerFill !== undefined ? Math.max(fee, model.minPerFill) : fee;
    }
  }
}

/**
 * The slipped price of a market-like fill (market, stop, trailing stop), before it is clamped
 * to the bar's range by the exchange. `barVolume` NaN means unknown: volume-share adds nothing.
 */
export function slippedPrice(model: SlippageModel, side: OrderSide, price: number, qty: number, barVolume: number, halfSpread = NaN): number {
  let frac = 0;
  switch (model.kind) {
    case 'none':
      return price;
    case 'half-spread':
      // `price` is the mid here; without a known spread there is nothing to add.
      if (!(halfSpread >= 0)) return price;
      return side === 'buy' ? price + halfSpread : price - halfSpread;
    case 'fixed-bps':
      frac = model.bps / 10_000;
      break;
    case 'volume-share': {
      const share = barVolume > 0 ? Math.min(1, qty / barVolume) : 0;
      frac = model.priceImpact * share * share;
      break;
    }
  }
  return side === 'buy' ? price * (1 + frac) : price * (1 - frac);
}

export function checkCostModels(fees: FeeModel, slippage: SlippageModel): string | null {
  const bad = (name: string, v: unknown): boolean => v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0);
  switch (slippage.kind) {
    case 'none':
    case 'half-spread':
      break;
    case 'fixed-bps':
      if (bad('bps', slippage.bps) || slippage.bps === undefined) return `slippage.bps must be a non-negative number, got ${String(slippage.bps)}`;
      break;
    case 'volume-share':
      if (bad('priceImpact', slippage.priceImpact) || slippage.priceImpact === undefined) {
        return `slippage.priceImpact must be a non-negative number, got ${String(slippage.priceImpact)}`;
      }
      break;
    default:
      return `unknown slippage model '${String((slippage as { kind: unknown }).kind)}' (expected none, fixed-bps, volume-share, half-spread)`;
  }
  switch (fees.kind) {
    case 'none':
      return null;
    case 'alpaca':
      for (const k of ['secFeePerDollar', 'tafPerShare', 'tafMaxPerTrade'] as const) {
        if (bad(k, fees[k])) return `fees.${k} must be a non-negative number, got ${String(fees[k])}`;
      }
      return null;
    case 'per-share':
      if (fees.perShare === undefined || bad('perShare', fees.perShare)) return `fees.perShare must be a non-negative number, got ${String(fees.perShare)}`;
      if (bad('minPerFill', fees.minPerFill) || bad('maxPerFill', fees.maxPerFill)) return 'fees.minPerFill/maxPerFill must be non-negative numbers';
      return null;
    case 'percent':
      if (fees.rate === undefined || bad('rate', fees.rate)) return `fees.rate must be a non-negative number, got ${String(fees.rate)}`;
      if (bad('minPerFill', fees.minPerFill)) return 'fees.minPerFill must be a non-negative number';
      return null;
    default:
      return `unknown fee model '${String((fees as { kind: unknown }).kind)}' (expected none, alpaca, per-share, percent)`;
  }
}
