// Momentum oscillators: RSI (Wilder), MACD and the stochastic oscillator.

import { Ema, Sma } from './moving-averages';
import { RollingExtreme } from './ring';
import { type BarIndicator, type BarValues, type PriceSource, checkPeriod, priceFrom } from './types';

/**
 * Relative strength index with Wilder's smoothing: the first average gain/loss is the mean of
 * the first `period` changes, then avg = (avg * (period - 1) + x) / period. First value after
 * period + 1 inputs. A window with no losses reads 100, no gains 0, no movement at all 50.
 */
export class Rsi implements BarIndicator {
  readonly name: string;
  value = NaN;
  private prev = NaN;
  private n = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(
    readonly period = 14,
    readonly source: PriceSource = 'close',
  ) {
    checkPeriod('RSI', period);
    this.name = `RSI(${period})`;
  }

  get ready(): boolean {
    return this.n >= this.period;
  }

  update(x: number): number {
    this.step(x);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(x: number): void {
    if (!Number.isFinite(x)) return;
    if (Number.isNaN(this.prev)) {
      this.prev = x;
      return;
    }
    const change = x - this.prev;
    this.prev = x;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const p = this.period;
    if (this.n < p) {
      this.avgGain += gain / p;
      this.avgLoss += loss / p;
      this.n++;
      if (this.n < p) return;
    } else {
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
    }
    if (this.avgLoss === 0) this.value = this.avgGain === 0 ? 50 : 100;
    else if (this.avgGain === 0) this.value = 0;
    else this.value = 100 - 100 / (1 + this.avgGain / this.avgLoss);
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(this.source === 'close' ? bar.close : priceFrom(this.source, bar));
  }

  reset(): void {
    this.prev = NaN;
    this.n = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.value = NaN;
  }
}

/**
 * MACD: fast EMA - slow EMA, a signal EMA of that line, and their difference (histogram).
 * `value` is the MACD line; `signal`/`histogram` become finite `signalPeriod - 1` inputs later.
 */
export class Macd implements BarIndicator {
  readonly name: string;
  value = NaN;
  signal = NaN;
  histogram = NaN;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signalEma: Ema;

  constructor(
    readonly fastPeriod = 12,
    readonly slowPeriod = 26,
    readonly signalPeriod = 9,
    readonly source: PriceSource = 'close',
  ) {
    checkPeriod('MACD fast', fastPeriod);
    checkPeriod('MACD slow', slowPeriod);
    checkPeriod('MACD signal', signalPeriod);
    if (fastPeriod >= slowPeriod) {
      throw new RangeError(`MACD: fast period (${fastPeriod}) must be shorter than slow period (${slowPeriod})`);
    }
    this.name = `MACD(${fastPeriod},${slowPeriod},${signalPeriod})`;
    this.fast = new Ema(fastPeriod);
    this.slow = new Ema(slowPeriod);
    this.signalEma = new Ema(signalPeriod);
  }

  get ready(): boolean {
    return this.slow.ready;
  }

  update(x: number): number {
    this.step(x);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(x: number): void {
    if (!Number.isFinite(x)) return;
    this.fast.update(x);
    this.slow.update(x);
    if (!this.slow.ready) return;
    this.value = this.fast.value - this.slow.value;
    this.signal = this.signalEma.update(this.value);
    this.histogram = this.value - this.signal;
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(this.source === 'close' ? bar.close : priceFrom(this.source, bar));
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signalEma.reset();
    this.value = NaN;
    this.signal = NaN;
    this.histogram = NaN;
  }
}

/**
 * Stochastic oscillator: %K = 100 * (close - lowest low) / (highest high - lowest low) over
 * `period` bars, %D = SMA(signalPeriod) of %K. A flat window (high == low) reads 50.
 */
export class Stochastic implements BarIndicator {
  readonly name: string;
  /** %K. */
  value = NaN;
  /** %D. */
  d = NaN;
  private readonly hh: RollingExtreme;
  private readonly ll: RollingExtreme;
  private readonly dSma: Sma;
  private n = 0;

  constructor(
    readonly period = 14,
    readonly signalPeriod = 3,
  ) {
    checkPeriod('Stochastic', period);
    checkPeriod('Stochastic signal', signalPeriod);
    this.name = `STOCH(${period},${signalPeriod})`;
    this.hh = new RollingExtreme(period, 'max');
    this.ll = new RollingExtreme(period, 'min');
    this.dSma = new Sma(signalPeriod);
  }

  get k(): number {
    return this.value;
  }

  get ready(): boolean {
    return this.n >= this.period;
  }

  update(high: number, low: number, close: number): number {
    this.step(high, low, close);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(high: number, low: number, close: number): void {
    if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close)) return;
    this.hh.push(high);
    this.ll.push(low);
    if (++this.n < this.period) return;
    const lo = this.ll.value;
    const range = this.hh.value - lo;
    this.value = range > 0 ? ((close - lo) / range) * 100 : 50;
    this.d = this.dSma.update(this.value);
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(bar.high, bar.low, bar.close);
  }

  reset(): void {
    this.hh.reset();
    this.ll.reset();
    this.dSma.reset();
    this.n = 0;
    this.value = NaN;
    this.d = NaN;
  }
}
