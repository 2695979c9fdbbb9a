// Order vocabulary, Alpaca-compatible validation and trading-cost models.

export * from './types';
export { validateOrderRequest, normalizeOrderRequest, roundToTick } from './validate';
export type { ValidationContext } from './validate';
export {
  computeFee,
  slippedPrice,
  checkCostModels,
  ALPACA_SEC_FEE_PER_DOLLAR,
  ALPACA_TAF_PER_SHARE,
  ALPACA_TAF_MAX_PER_TRADE,
} from './costs';
export type { FeeModel, SlippageModel } from './costs';
