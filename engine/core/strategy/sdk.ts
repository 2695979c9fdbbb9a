// Everything a strategy file may import, in one module. Workspace strategies import it as
// 'strategy-studio' (the loader maps that name here); the shipped examples import it as '../sdk',
// so their source is the workspace copy with one import path changed.

export { defineStrategy, resolveParams, paramsJsonSchema } from './define';
export type { ParamIssue, ParamsResult } from './define';
export type {
  BarHistory,
  IndicatorRegistry,
  OrderApi,
  ParamsSchema,
  StrategyContext,
  StrategyDefinition,
  StrategyHandlers,
} from './types';
export type { Bar, OrderEvent, Quote, Trade } from '../events';
export type { Clock, TimeEvent, UnixNanos } from '../clock';
export { roundToTick } from '../orders/validate';
export type { Order, OrderReplace, OrderRequest, OrderSide, OrderType, TimeInForce, OrderClass } from '../orders/types';
export type { Position, PortfolioView } from '../portfolio/portfolio';
export * from '../indicators/index';
