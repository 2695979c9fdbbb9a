// Bars as columns, the shape every hot path uses (lake reads, backtests, sample data):
// one block per symbol and timeframe, timestamps in UTC nanoseconds, prices as float64.

/** Alpaca's timeframe names. */
export const TIMEFRAMES = ['1Min', '5Min', '15Min', '1Hour', '1Day'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export interface BarColumns {
  symbol: string;
  timeframe: Timeframe;
  /** Bar start time, UTC nanoseconds since the epoch (daily bars: midnight America/New_York of the session date). */
  ts: BigInt64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  vwap: Float64Array;
  tradeCount: Float64Array;
}

export interface CorporateAction {
  symbol: string;
  /** Ex-date, 'YYYY-MM-DD' (exchange date). */
  exDate: string;
  kind: 'split' | 'dividend';
  /** For a split, new shares per old share (4 for a 4:1 split); 1 for a dividend. */
  ratio: number;
  /** Cash per share for a dividend; 0 for a split. */
  cash: number;
}

export function emptyBars(symbol: string, timeframe: Timeframe, n: number): BarColumns {
  return {
    symbol,
    timeframe,
    ts: new BigInt64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    vwap: new Float64Array(n),
    tradeCount: new Float64Array(n),
  };
}

export function barCount(b: BarColumns): number {
  return b.ts.length;
}
