// Deterministic synthetic market data over real NYSE sessions, for offline workspaces and tests.

export { generateSample } from './generate';
export { DEFAULT_SYMBOL_COUNT, SAMPLE_TICKERS, sampleSymbols, symbolProfile } from './symbols';
export { FULL_SESSION_MINUTES, sessionShape, volumeIntensity, varianceIntensity } from './intraday';
export * from './types';
