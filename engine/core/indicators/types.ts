// What every streaming indicator offers, so the engine can feed registered indicators from bars
// without knowing which kind they are.

/** Which number of a bar a single-input indicator reads. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume' | 'hl2' | 'hlc3' | 'ohlc4';

/** The numbers of one bar. The backtest passes its reused bar view, so feeding costs no allocation. */
export interface BarValues {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface BarIndicator {
  readonly name: string;
  /** True once enough inputs arrived for `value` to be meaningful. */
  readonly ready: boolean;
  /** The primary output; NaN until ready. */
  readonly value: number;
  // Takes the bar object rather than five numbers: a call that is not inlined would box each
  // number argument into a fresh heap object, per bar, per indicator.
  updateBar(bar: BarValues): void;
  reset(): void;
}

export function priceFrom(source: PriceSource, bar: BarValues): number {
  switch (source) {
    case 'close':
      return bar.close;
    case 'open':
      return bar.open;
    case 'high':
      return bar.high;
    case 'low':
      return bar.low;
    case 'volume':
      return bar.volume;
    case 'hl2':
      return (bar.high + bar.low) / 2;
    case 'hlc3':
      return (bar.high + bar.low + bar.close) / 3;
    case 'ohlc4':
      return (bar.open + bar.high + bar.low + bar.close) / 4;
  }
}

export function checkPeriod(name: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${name}: period must be an integer >= ${min}, got ${period}`);
  }
}
