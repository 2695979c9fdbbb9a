// Account state: cash, positions, P&L, margin.

export { Portfolio } from './portfolio';
export type { Position, PortfolioView, PortfolioOptions } from './portfolio';
