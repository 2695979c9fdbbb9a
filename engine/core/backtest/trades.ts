// Round-trip trades built from fills: a trade opens when a symbol's position leaves zero and
// closes when it returns to zero (a reversal closes one trade and opens the next).

import { withRoom } from '../growable';
import type { UnixNanos } from '../clock';
import { addTrade, emptyTradeStats } from '../metrics/metrics';

export interface TradeRecord {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** Largest absolute position held during the trade. */
  readonly qty: number;
  readonly entryTs: UnixNanos;
  /** For a trade still open at the end: the last bar's time. */
  readonly exitTs: UnixNanos;
  /** Average price of the fills that built the position. */
  readonly entryPrice: number;
  /** Average price of the fills that reduced it; for an open trade, the last mark. */
  readonly exitPrice: number;
  /** Net of fees: realised (or, when open, unrealised) P&L minus the trade's fees. */
  readonly pnl: number;
  readonly fees: number;
  /** pnl / entry notional. */
  readonly returnPct: number;
  readonly durationNs: UnixNanos;
  /** Bars of this symbol from the entry bar to the exit bar. */
  readonly bars: number;
  /**
   * Maximum adverse / favourable excursion in currency: the worst (<= 0) and best (>= 0)
   * unrealised P&L of the position at any bar's low/high strictly between entry and exit. The
   * entry and exit bars are left out because a bar has no record of what traded before or
   * after the fill.
   */
  readonly mae: number;
  readonly mfe: number;
  readonly closed: boolean;
}

interface OpenTrade {
  side: 'long' | 'short';
  entryTs: bigint;
  entryBar: number;
  /** Last bar whose excursion is counted (see scanTo); starts at the entry bar, which is not. */
  scanned: number;
  entryQty: number;
  /** Running averages, so a single fill reports its exact price (qty·p/qty is not always p). */
  entryPrice: number;
  exitQty: number;
  exitPrice: number;
  maxQty: number;
  realized: number;
  fees: number;
  mae: number;
  mfe: number;
}

// Closed trades are kept as columns while the run goes and become TradeRecord objects when read:
// every trade survives to the end, and as objects (with their boxed numbers) they were a third of
// what an order-heavy run kept alive, which is what young-generation collections pay for.
const T_QTY = 0;
const T_ENTRY_PRICE = 1;
const T_EXIT_PRICE = 2;
const T_PNL = 3;
const T_FEES = 4;
const T_RETURN = 5;
const T_MAE = 6;
const T_MFE = 7;
const T_WIDTH = 8;

export class TradeTracker {
  /** The figures of every closed trade, kept or not. */
  readonly stats = emptyTradeStats();
  private readonly open: (OpenTrade | null)[];
  private nClosed = 0;
  private cNum = new Float64Array(256 * T_WIDTH);
  /** Symbol index, side (1 long, 0 short) and bar count of each closed trade. */
  private cInt = new Int32Array(256 * 3);
  private cTs = new BigInt64Array(256 * 2);
  /** Materialised prefix of the closed trades; grown in place so `closed` stays one array. */
  private readonly closedOut: TradeRecord[] = [];

  constructor(
    private readonly symbols: readonly string[],
    /** Keep each closed trade (default); a streamed run that keeps only its figures does not. */
    private readonly keepClosed = true,
  ) {
    this.open = symbols.map(() => null);
  }

  /** A split while a trade is open: its share counts grow and its entry price shrinks by `ratio`. */
  applySplit(i: number, ratio: number): void {
    const t = this.open[i];
    if (t === null) return;
    t.entryQty *= ratio;
    t.exitQty *= ratio;
    t.maxQty *= ratio;
    t.entryPrice /= ratio;
    t.exitPrice /= ratio;
  }

  /** Dividends count towards the open trade's P&L. */
  applyDividend(i: number, amount: number): void {
    const t = this.open[i];
    if (t !== null) t.realized += amount;
  }

  /**
   * A streamed run dropped the first `dropped` bars of symbol `i`'s window: bar indexes held for
   * its open trade move with the window (its excursions must already be scanned to the window's end).
   */
  shiftBars(i: number, dropped: number): void {
    const t = this.open[i];
    if (t === null) return;
    t.entryBar -= dropped;
    t.scanned -= dropped;
  }

  hasOpen(i: number): boolean {
    return this.open[i] !== null;
  }

  /** `realized` is the P&L the portfolio booked for the reducing part of this fill. */
  onFill(
    i: number,
    qty: number,
    price: number,
    fee: number,
    realized: number,
    posBefore: number,
    posAfter: number,
    tsNs: bigint,
    barIndex: number,
  ): void {
    if (posBefore === 0) {
      this.start(i, posAfter, qty, price, fee, tsNs, barIndex);
      return;
    }
    const t = this.open[i] as OpenTrade;
    if ((posAfter > 0) === (posBefore > 0) && Math.abs(posAfter) > Math.abs(posBefore)) {
      t.entryQty += qty;
      t.entryPrice += ((price - t.entryPrice) * qty) / t.entryQty;
      t.fees += fee;
      t.maxQty = Math.max(t.maxQty, Math.abs(posAfter));
      return;
    }
    const closing = Math.min(qty, Math.abs(posBefore));
    const closingFee = (fee * closing) / qty;
    t.exitQty += closing;
    t.exitPrice = t.exitQty === closing ? price : t.exitPrice + ((price - t.exitPrice) * closing) / t.exitQty;
    t.fees += closingFee;
    t.realized += realized;
    if (posAfter === 0 || (posAfter > 0) !== (posBefore > 0)) {
      this.finish(i, t, tsNs, barIndex, t.exitPrice, t.realized);
      if (posAfter !== 0) this.start(i, posAfter, Math.abs(posAfter), price, fee - closingFee, tsNs, barIndex);
    }
  }

  /**
   * Brings the open trade's excursions up to bar `upTo` of symbol `i`: every bar after the entry
   * bar and after the last one scanned, valued at the position as it is now. The engine calls it
   * just before anything changes the position or its average price (a fill, a split) and at the
   * end, so each bar is valued at the position it was held at after its own fills, exactly as a
   * per-bar update would, but the loop pays nothing per bar while a trade is open.
   */
  scanTo(i: number, upTo: number, highs: Float64Array, lows: Float64Array, qtys: Float64Array, avgPrices: Float64Array): void {
    const t = this.open[i];
    if (t === null || upTo <= t.scanned) return;
    const qty = qtys[i];
    const avgPrice = avgPrices[i];
    let mfe = t.mfe;
    let mae = t.mae;
    for (let b = t.scanned + 1; b <= upTo; b++) {
      const up = qty * (highs[b] - avgPrice);
      const down = qty * (lows[b] - avgPrice);
      const fav = up > down ? up : down;
      const adv = up > down ? down : up;
      if (fav > mfe) mfe = fav;
      if (adv < mae) mae = adv;
    }
    t.mfe = mfe;
    t.mae = mae;
    t.scanned = upTo;
  }

  /** Trades still open, valued at the given marks; the tracker itself is left unchanged. */
  openTrades(lastTs: bigint, lastBar: Int32Array, qtys: Float64Array, avgPrices: Float64Array, marks: Float64Array): TradeRecord[] {
    const out: TradeRecord[] = [];
    this.open.forEach((t, i) => {
      if (t === null) return;
      const unrealized = qtys[i] * (marks[i] - avgPrices[i]);
      out.push(this.record(i, t, lastTs, lastBar[i], marks[i], t.realized + unrealized, false));
    });
    return out;
  }

  private start(i: number, posAfter: number, qty: number, price: number, fee: number, tsNs: bigint, barIndex: number): void {
    this.open[i] = {
      side: posAfter > 0 ? 'long' : 'short',
      entryTs: tsNs,
      entryBar: barIndex,
      scanned: barIndex,
      entryQty: qty,
      entryPrice: price,
      exitQty: 0,
      exitPrice: NaN,
      maxQty: Math.abs(posAfter),
      realized: 0,
      fees: fee,
      mae: 0,
      mfe: 0,
    };
  }

  /** Closed round trips, in the order they closed. The same array each call, extended with what is new. */
  get closed(): TradeRecord[] {
    const out = this.closedOut;
    for (let k = out.length; k < this.nClosed; k++) {
      const n = this.cNum;
      const r = k * T_WIDTH;
      const entryTs = this.cTs[2 * k];
      const exitTs = this.cTs[2 * k + 1];
      out.push({
        symbol: this.symbols[this.cInt[3 * k]],
        side: this.cInt[3 * k + 1] === 1 ? 'long' : 'short',
        qty: n[r + T_QTY],
        entryTs,
        exitTs,
        entryPrice: n[r + T_ENTRY_PRICE],
        exitPrice: n[r + T_EXIT_PRICE],
        pnl: n[r + T_PNL],
        fees: n[r + T_FEES],
        returnPct: n[r + T_RETURN],
        durationNs: exitTs - entryTs,
        bars: this.cInt[3 * k + 2],
        mae: n[r + T_MAE],
        mfe: n[r + T_MFE],
        closed: true,
      });
    }
    return out;
  }

  /** Same figures as record(), written to the closed-trade columns. */
  private finish(i: number, t: OpenTrade, tsNs: bigint, barIndex: number, exitPrice: number, grossPnl: number): void {
    addTrade(this.stats, grossPnl - t.fees);
    if (!this.keepClosed) {
      this.open[i] = null;
      return;
    }
    const k = this.nClosed++;
    this.cNum = withRoom(this.cNum, (k + 1) * T_WIDTH);
    this.cInt = withRoom(this.cInt, (k + 1) * 3);
    this.cTs = withRoom(this.cTs, (k + 1) * 2);
    const pnl = grossPnl - t.fees;
    const n = this.cNum;
    const r = k * T_WIDTH;
    n[r + T_QTY] = t.maxQty;
    n[r + T_ENTRY_PRICE] = t.entryPrice;
    n[r + T_EXIT_PRICE] = exitPrice;
    n[r + T_PNL] = pnl;
    n[r + T_FEES] = t.fees;
    n[r + T_RETURN] = pnl / (t.entryPrice * t.entryQty);
    n[r + T_MAE] = t.mae;
    n[r + T_MFE] = t.mfe;
    this.cInt[3 * k] = i;
    this.cInt[3 * k + 1] = t.side === 'long' ? 1 : 0;
    this.cInt[3 * k + 2] = barIndex - t.entryBar;
    this.cTs[2 * k] = t.entryTs;
    this.cTs[2 * k + 1] = tsNs;
    this.open[i] = null;
  }

  private record(i: number, t: OpenTrade, tsNs: bigint, barIndex: number, exitPrice: number, grossPnl: number, closed: boolean): TradeRecord {
    const entryPrice = t.entryPrice;
    const pnl = grossPnl - t.fees;
    return {
      symbol: this.symbols[i],
      side: t.side,
      qty: t.maxQty,
      entryTs: t.entryTs,
      exitTs: tsNs,
      entryPrice,
      exitPrice,
      pnl,
      fees: t.fees,
      returnPct: pnl / (t.entryPrice * t.entryQty),
      durationNs: tsNs - t.entryTs,
      bars: barIndex - t.entryBar,
      mae: t.mae,
      mfe: t.mfe,
      closed,
    };
  }
}
