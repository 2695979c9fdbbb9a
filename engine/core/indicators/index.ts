// Streaming technical indicators: O(1) per update, no allocation after construction.

export type { BarIndicator, BarValues, PriceSource } from './types';
export { priceFrom } from './types';
export { RingBuffer, RollingExtreme, RollingStats } from './ring';
export { Sma, Ema, Wma, WilderMa } from './moving-averages';
export { Rsi, Macd, Stochastic } from './oscillators';
export { Bollinger, Atr } from './volatility';
export { Vwap } from './volume';
export { ZScore, RegressionSlope } from './statistics';
