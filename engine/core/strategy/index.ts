// The strategy API: declare parameters and handlers once, run in backtest, paper or live.
// The same names a strategy file imports as 'strategy-studio', plus the streaming indicators.

export * from './sdk';
export * from '../indicators/index';
