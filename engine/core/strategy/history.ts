// Look-ahead-proof views of past bars. The engine moves a view's cursor forward only once the
// clock has reached a bar's close time; the columns themselves sit in private fields, so no
// property, index or typed-array buffer handed to a strategy reaches a later bar.

import type { UnixNanos } from '../clock';
import type { BarHistory } from './types';

export interface BarColumnsView {
  readonly ts: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

let moveCursor: (history: ColumnHistory, index: number) => void;
let rebind: (history: ColumnHistory, cols: BarColumnsView, dropped: number) => void;

/** Engine only: bar `index` of this history's symbol has closed. Not reachable from a BarHistory. */
export function advanceHistory(history: ColumnHistory, index: number): void {
  moveCursor(history, index);
}

/**
 * Engine only, for runs streamed in chunks: the history now reads `cols`, a window whose first
 * `dropped` bars of the previous window are gone (older bars than that cannot be read: asking for
 * them is an error naming the window, not a silent NaN).
 */
export function rebindHistory(history: ColumnHistory, cols: BarColumnsView, dropped: number): void {
  rebind(history, cols, dropped);
}

export class ColumnHistory implements BarHistory {
  static {
    moveCursor = (h, index) => {
      h.#last = index;
    };
    rebind = (h, cols, dropped) => {
      h.#cols = cols;
      h.#last -= dropped;
      h.#dropped += dropped;
    };
  }

  #cols: BarColumnsView;
  /** Index of the newest delivered bar; -1 before the first. */
  #last = -1;
  /** Bars before the window (streamed runs): counted in `length`, no longer readable. */
  #dropped = 0;

  constructor(
    readonly symbol: string,
    cols: BarColumnsView,
  ) {
    this.#cols = cols;
  }

  get length(): number {
    return this.#dropped + this.#last + 1;
  }

  #at(ago: number): number {
    // Integer check without allocation: `ago | 0` differs for fractions, NaN and huge values.
    if (ago >= 0 && ago === (ago | 0) && ago <= this.#last) return this.#last - ago;
    if (this.#dropped > 0 && ago > this.#last && ago < this.length) {
      throw new RangeError(`${this.symbol}: bar ${ago} bars ago is outside this streamed run's history window of ${this.#last + 1} bars (raise the stream's lookback)`);
    }
    return -1;
  }

  open(ago = 0): number {
    const i = this.#at(ago);
    return i < 0 ? NaN : this.#cols.open[i];
  }

  high(ago = 0): number {
    const i = this.#at(ago);
    return i < 0 ? NaN : this.#cols.high[i];
  }

  low(ago = 0): number {
    const i = this.#at(ago);
    return i < 0 ? NaN : this.#cols.low[i];
  }

  close(ago = 0): number {
    const i = this.#at(ago);
    return i < 0 ? NaN : this.#cols.close[i];
  }

  volume(ago = 0): number {
    const i = this.#at(ago);
    return i < 0 ? NaN : this.#cols.volume[i];
  }

  ts(ago = 0): UnixNanos {
    const i = this.#at(ago);
    if (i < 0) throw new RangeError(`${this.symbol}: no bar ${ago} bars ago (history holds ${this.length})`);
    return this.#cols.ts[i];
  }

  closes(n: number, out?: Float64Array): Float64Array {
    if (this.#dropped > 0 && Math.floor(n) > this.#last + 1) this.#at(Math.min(Math.floor(n), this.length) - 1);
    const k = Math.max(0, Math.min(Math.floor(n), this.#last + 1));
    const dst = out !== undefined && out.length >= k ? out : new Float64Array(k);
    const start = this.#last + 1 - k;
    for (let j = 0; j < k; j++) dst[j] = this.#cols.close[start + j];
    return dst;
  }
}
