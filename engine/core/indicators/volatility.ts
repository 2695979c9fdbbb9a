// Volatility indicators: Bollinger bands and the average true range.

import { Ema } from './moving-averages';
import { RollingStats } from './ring';
import { type BarIndicator, type BarValues, type PriceSource, checkPeriod, priceFrom } from './types';

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
    this.step(x);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(x: number): void {
    if (!Number.isFinite(x)) return;
    this.stats.push(x);
    if (!this.stats.full) return;
    const mid = this.stats.mean;
    const width = this.stdDevs * Math.sqrt(this.stats.variance);
    this.value = mid;
    this.upper = mid + width;
    this.lower = mid - width;
    this.percentB = width > 0 ? (x - this.lower) / (this.upper - this.lower) : 0.5;
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(this.source === 'close' ? bar.close : priceFrom(this.source, bar));
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
    this.step(high, low, close);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(high: number, low: number, close: number): void {
    if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close)) return;
    const pc = this.prevClose;
    this.prevClose = close;
    if (Number.isNaN(pc)) return;
    this.trueRange = Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
    this.value = this.smooth.update(this.trueRange);
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(bar.high, bar.low, bar.close);
  }

  reset(): void {
    this.prevClose = NaN;
    this.trueRange = NaN;
    this.smooth.reset();
    this.value = NaN;
  }
}
