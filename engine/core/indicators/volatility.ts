// Volatility indicators: Bollinger bands and the average true range.

import { Ema } from './moving-averages';
import { RollingStats } from './ring';
import { type BarIndicator, type PriceSource, checkPeriod, priceFrom } from './types';

/** Bollinger bands: SMA ± k population standard deviations. `value` is the middle band. */
export class Bollinger implements BarIndicator {
  readonly name: string;
  value = NaN;
  upper = NaN;
  lower = NaN;
  /** Where the last input sits between the bands: 0 at the lower band, 1 at the upper. */
  percentB = NaN;
  private readonly stats: RollingStats;

  constructor(
    readonly period = 20,
    readonly stdDevs = 2,
    readonly source: PriceSource = 'close',
  ) {
    checkPeriod('Bollinger', period);
    if (!(stdDevs > 0)) throw new RangeError(`Bollinger: stdDevs must be positive, got ${stdDevs}`);
    this.name = `BB(${period},${stdDevs})`;
    this.stats = new RollingStats(period);
  }

  get middle(): number {
    return this.value;
  }

  get ready(): boolean {
    return this.stats.full;
  }

  update(x: number): number {
    if (!Number.isFinite(x)) return this.value;
    this.stats.push(x);
    if (!this.stats.full) return this.value;
    const mid = this.stats.mean;
    const width = this.stdDevs * Math.sqrt(this.stats.variance);
    this.value = mid;
    this.upper = mid + width;
    this.lower = mid - width;
    this.percentB = width > 0 ? (x - this.lower) / (this.upper - this.lower) : 0.5;
    return this.value;
  }

  updateBar(open: number, high: number, low: number, close: number, volume: number): void {
    this.update(priceFrom(this.source, open, high, low, close, volume));
  }

  reset(): void {
    this.stats.reset();
    this.value = NaN;
    this.upper = NaN;
    this.lower = NaN;
    this.percentB = NaN;
  }
}

/**
 * Average true range with Wilder's smoothing. The true range needs a previous close, so the
 * first bar only primes it (as in `technicalindicators`); the first ATR is the mean of the
 * first `period` true ranges.
 */
export class Atr implements BarIndicator {
  readonly name: string;
  value = NaN;
  trueRange = NaN;
  private prevClose = NaN;
  private readonly smooth: Ema;

  constructor(readonly period = 14) {
    checkPeriod('ATR', period);
    this.name = `ATR(${period})`;
    this.smooth = new Ema(period, 'close', 1 / period);
  }

  get ready(): boolean {
    return this.smooth.ready;
  }

  update(high: number, low: number, close: number): number {
    if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close)) return this.value;
    const pc = this.prevClose;
    this.prevClose = close;
    if (Number.isNaN(pc)) return this.value;
    this.trueRange = Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
    this.value = this.smooth.update(this.trueRange);
    return this.value;
  }

  updateBar(_open: number, high: number, low: number, close: number): void {
    this.update(high, low, close);
  }

  reset(): void {
    this.prevClose = NaN;
    this.trueRange = NaN;
    this.smooth.reset();
    this.value = NaN;
  }
}
