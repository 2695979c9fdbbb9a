// Performance statistics of equity curves and trade lists.

export { computeMetrics } from './metrics';
export type { Metrics, MetricsInput } from './metrics';
export { monteCarloTrades } from './montecarlo';
export type { Interval, MonteCarloOptions, MonteCarloResult } from './montecarlo';
