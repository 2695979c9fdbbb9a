// The strategy API: declare parameters and handlers once, run in backtest, paper or live.

export type {
  BarHistory,
  IndicatorRegistry,
  OrderApi,
  ParamsSchema,
  StrategyContext,
  StrategyDefinition,
  StrategyHandlers,
} from './types';
export { defineStrategy, resolveParams, paramsJsonSchema } from './define';
export type { ParamIssue, ParamsResult } from './define';
