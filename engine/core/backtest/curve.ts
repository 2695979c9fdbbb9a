// The per-step record of a run. The loop writes one number per step, the equity; cash and gross
// exposure change far less often than they are sampled (cash only on fills, dividends and
// borrow; exposure is the positions, which change only on fills and splits, times the closes the
// run already holds), so the loop logs their changes and the columns are rebuilt when first read.
// Three fresh 8-byte columns per bar cost ~10 ns a bar in page faults alone, about a tenth of an
// sma-cross run; one costs a third of that, and a result holds 8 bytes per step instead of 24.

import { withRoom } from '../growable';
import type { Portfolio } from '../portfolio/portfolio';
import type { BarColumns } from './data';

/** Growable (row, value) pairs. */
class RowLog {
  rows = new Int32Array(64);
  values = new Float64Array(64);
  length = 0;

  push(row: number, value: number): void {
    this.rows = withRoom(this.rows, this.length + 1);
    this.values = withRoom(this.values, this.length + 1);
    this.rows[this.length] = row;
    this.values[this.length] = value;
    this.length++;
  }
}

export class CurveLog {
  /** Cash from each logged row on (row 0 is always logged). */
  private readonly cash = new RowLog();
  /** Position changes: from row `rows[k]` on, symbol `qtySymbols[k]` holds `values[k]`. */
  private readonly qtyRows = new RowLog();
  private qtySymbols = new Int32Array(64);
  /** The positions as last logged. */
  private readonly held: Float64Array;
  private lastCash = NaN;
  private lastQtyVersion = -1;
  /** Steps that ended with a non-zero gross exposure (the exposure metric). */
  inMarketSteps = 0;

  constructor(private readonly nSym: number) {
    this.held = new Float64Array(nSym);
  }

  /**
   * Logs what changed in step `row`, after the portfolio wrote the step's equity (and with it its
   * gross exposure). Takes the portfolio, not its numbers: doubles passed to a call that is not
   * inlined are boxed, per step.
   */
  record(row: number, pf: Portfolio): void {
    if (pf.gross !== 0) this.inMarketSteps++;
    const cash = pf.cash;
    const qtyVersion = pf.qtyVersion;
    const qtys = pf.qtys;
    if (cash !== this.lastCash) {
      this.lastCash = cash;
      this.cash.push(row, cash);
    }
    if (qtyVersion !== this.lastQtyVersion) {
      this.lastQtyVersion = qtyVersion;
      // Only the symbols whose position moved: a portfolio of many symbols fills some of them on
      // most steps, and copying every position each time grew the log by the portfolio's width.
      const held = this.held;
      for (let s = 0; s < held.length; s++) {
        if (qtys[s] === held[s]) continue;
        held[s] = qtys[s];
        const k = this.qtyRows.length;
        this.qtyRows.push(row, qtys[s]);
        this.qtySymbols = withRoom(this.qtySymbols, k + 1);
        this.qtySymbols[k] = s;
      }
    }
  }

  cashColumn(steps: number): Float64Array {
    const out = new Float64Array(steps);
    const log = this.cash;
    for (let k = 0; k < log.length; k++) out.fill(log.values[k], log.rows[k], k + 1 < log.length ? log.rows[k + 1] : steps);
    return out;
  }

  /**
   * Gross exposure per step: the positions held after the step, valued at each symbol's latest
   * close at or before the step's time, summed in symbol order exactly as the loop's equity was
   * (so the numbers are the ones a per-step column would have held).
   */
  exposureColumn(steps: number, stepTs: BigInt64Array, cols: readonly BarColumns[]): Float64Array {
    const out = new Float64Array(steps);
    const n = this.nSym;
    const last = new Float64Array(n).fill(NaN);
    const ptr = new Int32Array(n);
    const held = new Float64Array(n);
    const log = this.qtyRows;
    let next = 0;
    for (let row = 0; row < steps; row++) {
      if (n === 1) {
        last[0] = cols[0].close[row];
      } else {
        const T = stepTs[row];
        for (let s = 0; s < n; s++) {
          const c = cols[s];
          let p = ptr[s];
          while (p < c.ts.length && c.ts[p] <= T) p++;
          if (p > ptr[s]) last[s] = c.close[p - 1];
          ptr[s] = p;
        }
      }
      for (; next < log.length && log.rows[next] === row; next++) held[this.qtySymbols[next]] = log.values[next];
      let gross = 0;
      for (let s = 0; s < n; s++) {
        if (held[s] === 0) continue;
        const v = held[s] * last[s];
        gross += v < 0 ? -v : v;
      }
      out[row] = gross;
    }
    return out;
  }
}

/** A stretch of a streamed run's per-step rows (steps firstStep … firstStep + count − 1). */
export interface CurveRows {
  readonly firstStep: number;
  readonly count: number;
  readonly ts: BigInt64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly exposure: Float64Array;
}

/**
 * At most `points` rows of a curve too long to keep: every `stride`-th step, the stride doubling
 * (and every other kept row dropped) whenever the buffer fills. The last step is always kept.
 */
export class ThinCurve {
  private stride = 1;
  private n = 0;
  private ts: BigInt64Array;
  private equity: Float64Array;
  private cash: Float64Array;
  private exposure: Float64Array;
  /** The last step kept, and the last step seen (kept or not). */
  private last = -1;
  private lastStep = -1;
  private lastRow: { ts: bigint; equity: number; cash: number; exposure: number } | null = null;

  constructor(private readonly points: number) {
    this.ts = new BigInt64Array(points);
    this.equity = new Float64Array(points);
    this.cash = new Float64Array(points);
    this.exposure = new Float64Array(points);
  }

  push(firstStep: number, ts: BigInt64Array, equity: Float64Array, cash: Float64Array, exposure: Float64Array, count: number): void {
    for (let k = 0; k < count; k++) {
      const step = firstStep + k;
      if (step % this.stride !== 0) continue;
      if (this.n === this.points - 1) this.halve();
      if (step % this.stride !== 0) continue;
      this.ts[this.n] = ts[k];
      this.equity[this.n] = equity[k];
      this.cash[this.n] = cash[k];
      this.exposure[this.n] = exposure[k];
      this.n++;
      this.last = step;
    }
    if (count > 0) this.lastRow = { ts: ts[count - 1], equity: equity[count - 1], cash: cash[count - 1], exposure: exposure[count - 1] };
    this.lastStep = firstStep + count - 1;
  }

  private halve(): void {
    let w = 0;
    for (let r = 0; r < this.n; r += 2) {
      this.ts[w] = this.ts[r];
      this.equity[w] = this.equity[r];
      this.cash[w] = this.cash[r];
      this.exposure[w] = this.exposure[r];
      w++;
    }
    this.n = w;
    this.stride *= 2;
  }

  lastTs(fallback: bigint): bigint {
    return this.lastRow?.ts ?? fallback;
  }

  /** The kept rows, with the run's last step appended if the stride skipped it. */
  curve(): { ts: BigInt64Array; equity: Float64Array; cash: Float64Array; exposure: Float64Array } {
    const tail = this.lastRow !== null && this.last !== this.lastStep ? 1 : 0;
    const n = this.n + tail;
    const out = { ts: this.ts.slice(0, n), equity: this.equity.slice(0, n), cash: this.cash.slice(0, n), exposure: this.exposure.slice(0, n) };
    if (tail === 1 && this.lastRow !== null) {
      out.ts[n - 1] = this.lastRow.ts;
      out.equity[n - 1] = this.lastRow.equity;
      out.cash[n - 1] = this.lastRow.cash;
      out.exposure[n - 1] = this.lastRow.exposure;
    }
    return out;
  }
}
