// Public surface of the Alpaca adapter: the engine's MarketData and Broker ports on the official SDK.
export { connect, withRetry, defaultRetry, type AlpacaEndpoint, type AdapterConnection, type ConnectOptions, type RetryPolicy } from './client';
export { AlpacaCredentials, loadCredentials, parseDotenv, createAdapterLogger, REDACT_PATHS, type LoadCredentialsOptions } from './credentials';
export { AlpacaError, toAlpacaError } from './errors';
export { chooseEndpoint, askOnTerminal, EndpointError, LIVE_CONFIRMATION, type EndpointFlags } from './endpoint';
export { AlpacaMarketData, timeframeMs, rfc3339ToNs, type MarketData, type LiveMarketData, type LiveMarketDataOptions, type BarRequest, type HistoryRequest, type Page } from './market-data';
export { AlpacaBroker, orderEventOf, snapshotOf, type Broker, type AccountSnapshot, type PositionSnapshot, type MarketClockSnapshot, type CalendarDay, type AssetSnapshot, type AlpacaBrokerOptions } from './broker';
export { SecondBarAggregator } from './second-bars';
export * from './events';
