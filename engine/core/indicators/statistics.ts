// Rolling statistics: z-score and least-squares slope.

import { RingBuffer, RollingStats } from './ring';
import { type BarIndicator, type BarValues, type PriceSource, checkPeriod, priceFrom } from './types';

/**
 * (x - mean) / population standard deviation over the last `period` inputs, x included.
 * A window with no dispersion reads 0.
 */
export class ZScore implements BarIndicator {
  readonly name: string;
  value = NaN;
  private readonly stats: RollingStats;

  constructor(
    readonly period: number,
    readonly source: PriceSource = 'close',
  ) {
    checkPeriod('ZScore', period, 2);
    this.name = `ZSCORE(${period})`;
    this.stats = new RollingStats(period);
  }

  get ready(): boolean {
    return this.stats.full;
  }

  get mean(): number {
    return this.stats.mean;
  }

  get stdDev(): number {
    return Math.sqrt(this.stats.variance);
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
    const sd = Math.sqrt(this.stats.variance);
    // Relative threshold: a constant window can leave a variance of ~1e-30 after rounding.
    this.value = sd > 1e-12 * Math.abs(this.stats.mean) ? (x - this.stats.mean) / sd : 0;
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(this.source === 'close' ? bar.close : priceFrom(this.source, bar));
  }

  reset(): void {
    this.stats.reset();
    this.value = NaN;
  }
}

/**
 * Ordinary least-squares slope of the last `period` inputs against their position 0..period-1,
 * in units per input. The index-weighted sum is slid in O(1) and recomputed exactly every ~1000
 * updates so rounding cannot accumulate.
 */
export class RegressionSlope implements BarIndicator {
  readonly name: string;
  value = NaN;
  /** Fitted value at the newest point. */
  fitted = NaN;
  private readonly window: RingBuffer;
  private sum = 0;
  private weighted = 0;
  private sinceExact = 0;
  private readonly sx: number;
  private readonly denom: number;

  constructor(
    readonly period: number,
    readonly source: PriceSource = 'close',
  ) {
    checkPeriod('RegressionSlope', period, 2);
    this.name = `SLOPE(${period})`;
    this.window = new RingBuffer(period);
    const n = period;
    this.sx = (n * (n - 1)) / 2;
    const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
    this.denom = n * sxx - this.sx * this.sx;
  }

  get ready(): boolean {
    return this.window.full;
  }

  update(x: number): number {
    this.step(x);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(x: number): void {
    if (!Number.isFinite(x)) return;
    const wasFull = this.window.full;
    const old = this.window.push(x);
    if (wasFull) {
      // Re-indexing shifts every surviving point one position left.
      this.weighted += -(this.sum - old) + (this.period - 1) * x;
      this.sum += x - old;
    } else {
      this.weighted += (this.window.length - 1) * x;
      this.sum += x;
    }
    if (++this.sinceExact >= 1024 + this.period) this.recompute();
    if (this.window.full) {
      const n = this.period;
      this.value = (n * this.weighted - this.sx * this.sum) / this.denom;
      this.fitted = (this.sum - this.value * this.sx) / n + this.value * (n - 1);
    }
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(this.source === 'close' ? bar.close : priceFrom(this.source, bar));
  }

  reset(): void {
    this.window.reset();
    this.sum = 0;
    this.weighted = 0;
    this.sinceExact = 0;
    this.value = NaN;
    this.fitted = NaN;
  }

  private recompute(): void {
    let s = 0;
    let w = 0;
    const n = this.window.length;
    for (let i = 0; i < n; i++) {
      const v = this.window.at(i);
      s += v;
      w += i * v;
    }
    this.sum = s;
    this.weighted = w;
    this.sinceExact = 0;
  }
}
