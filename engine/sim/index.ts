// Public surface of the local Alpaca-protocol simulator.
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorFaults } from './server';
export { SyntheticSource, ReplaySource, CombinedSource, DEFAULT_SYMBOLS, type MarketDataSource, type MinuteBar, type SymbolInfo, type BarColumns, type ReplaySymbol, type AssetClass, type PriceAdjustment } from './source';
export { SimClock } from './clock';
export type { SimKeys } from './auth';
export type { TradeUpdateData, MatchingMode } from './broker';
export type { MatchingConfig } from './matching';
