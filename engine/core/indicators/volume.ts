// Volume-weighted average price.

import { RingBuffer } from './ring';
import { type BarIndicator, type BarValues, checkPeriod } from './types';

/**
 * VWAP of the typical price (high + low + close) / 3. Cumulative since construction or the last
 * `reset()` (call it at each session open for a session VWAP), or rolling over `period` bars.
 * NaN while no volume has traded.
 */
export class Vwap implements BarIndicator {
  readonly name: string;
  value = NaN;
  private pv = 0;
  private vol = 0;
  private readonly pvWindow: RingBuffer | null;
  private readonly volWindow: RingBuffer | null;

  constructor(readonly period?: number) {
    if (period !== undefined) checkPeriod('VWAP', period);
    this.name = period === undefined ? 'VWAP' : `VWAP(${period})`;
    this.pvWindow = period === undefined ? null : new RingBuffer(period);
    this.volWindow = period === undefined ? null : new RingBuffer(period);
  }

  get ready(): boolean {
    return this.vol > 0;
  }

  update(high: number, low: number, close: number, volume: number): number {
    this.step(high, low, close, volume);
    return this.value;
  }

  // Returns nothing: a double returned from a call that is not inlined gets boxed per bar.
  private step(high: number, low: number, close: number, volume: number): void {
    if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close) || !Number.isFinite(volume)) {
      return;
    }
    const pv = ((high + low + close) / 3) * volume;
    this.pv += pv;
    this.vol += volume;
    if (this.pvWindow !== null && this.volWindow !== null) {
      const oldPv = this.pvWindow.push(pv);
      const oldVol = this.volWindow.push(volume);
      if (!Number.isNaN(oldPv)) {
        this.pv -= oldPv;
        this.vol -= oldVol;
      }
    }
    this.value = this.vol > 0 ? this.pv / this.vol : NaN;
    return;
  }

  updateBar(bar: BarValues): void {
    this.step(bar.high, bar.low, bar.close, bar.volume);
  }

  reset(): void {
    this.pv = 0;
    this.vol = 0;
    this.pvWindow?.reset();
    this.volWindow?.reset();
    this.value = NaN;
  }
}
