// What every streaming indicator offers, so the engine can feed registered indicators from bars
// without knowing which kind they are.

/** Which number of a bar a single-input indicator reads. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume' | 'hl2' | 'hlc3' | 'ohlc4';

export interface BarIndicator {
  readonly name: string;
  /** True once enough inputs arrived for `value` to be meaningful. */
  readonly ready: boolean;
  /** The primary output; NaN until ready. */
  readonly value: number;
  updateBar(open: number, high: number, low: number, close: number, volume: number): void;
  reset(): void;
}

export function priceFrom(source: PriceSource, open: number, high: number, low: number, close: number, volume: number): number {
  switch (source) {
    case 'close':
      return close;
    case 'open':
      return open;
    case 'high':
      return high;
    case 'low':
      return low;
    case 'volume':
      return volume;
    case 'hl2':
      return (high + low) / 2;
    case 'hlc3':
      return (high + low + close) / 3;
    case 'ohlc4':
      return (open + high + low + close) / 4;
  }
}

export function checkPeriod(name: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${name}: period must be an integer >= ${min}, got ${period}`);
  }
}
