// Cash and positions of one account, per symbol in flat typed arrays so marking to market in the
// backtest loop costs a few stores. Average-cost accounting, shorting, margin and borrow cost.

export interface PortfolioOptions {
  /** 1 = cash account; 2 = Reg T overnight margin; 4 = pattern-day-trader intraday. */
  marginMultiplier?: number;
  /** Annual borrow fee on the market value of short positions, e.g. 0.03 for 3%. */
  borrowRateAnnual?: number;
}

export interface Position {
  readonly symbol: string;
  readonly side: 'long' | 'short' | 'flat';
  /** Signed: negative when short. */
  readonly qty: number;
  readonly avgPrice: number;
  readonly marketPrice: number;
  readonly marketValue: number;
  readonly unrealizedPnl: number;
  /** Realised on this symbol since the start, before fees. */
  readonly realizedPnl: number;
}

/** What a strategy may read; the backtest and the live adapter both provide it. */
export interface PortfolioView {
  readonly cash: number;
  equity(): number;
  buyingPower(): number;
  /** Signed position size; 0 when flat or for an unknown symbol. */
  qty(symbol: string): number;
  position(symbol: string): Position | undefined;
  positions(): Position[];
}

/** Quantities this close to zero are rounding residue of fractional fills. */
const QTY_EPS = 1e-9;
const NS_PER_YEAR = 365.25 * 86_400 * 1e9;

export class Portfolio implements PortfolioView {
  readonly symbols: readonly string[];
  readonly initialCash: number;
  readonly marginMultiplier: number;
  readonly borrowRateAnnual: number;
  cash: number;
  readonly qtys: Float64Array;
  readonly avgPrices: Float64Array;
  readonly realized: Float64Array;
  readonly lastPrices: Float64Array;
  feesPaid = 0;
  borrowPaid = 0;
  /** Dividends received (negative: paid on short positions). */
  dividends = 0;
  /** Sum of |qty * price| over all fills: the numerator of turnover. */
  tradedNotional = 0;
  /** Moves whenever any position changes (fills, splits), so a recorder can tell cheaply. */
  qtyVersion = 0;
  /** Gross exposure as of the last writeRow. */
  gross = 0;
  private readonly index = new Map<string, number>();

  constructor(symbols: readonly string[], initialCash: number, options: PortfolioOptions = {}) {
    this.symbols = [...symbols];
    this.initialCash = initialCash;
    this.cash = initialCash;
    this.marginMultiplier = options.marginMultiplier ?? 1;
    this.borrowRateAnnual = options.borrowRateAnnual ?? 0;
    const n = symbols.length;
    this.qtys = new Float64Array(n);
    this.avgPrices = new Float64Array(n);
    this.realized = new Float64Array(n);
    this.lastPrices = new Float64Array(n).fill(NaN);
    symbols.forEach((s, i) => this.index.set(s, i));
  }

  /**
   * A split of `ratio` new shares per old one on the ex-date: the position grows, its average
   * price and last mark shrink, so its value (and the equity) does not move.
   */
  applySplit(i: number, ratio: number): void {
    this.qtyVersion++;
    this.qtys[i] *= ratio;
    this.avgPrices[i] /= ratio;
    this.lastPrices[i] /= ratio;
  }

  /** A cash dividend per share on the ex-date: paid to longs, charged to shorts (as brokers do). */
  applyDividend(i: number, cashPerShare: number): void {
    const amount = this.qtys[i] * cashPerShare;
    this.cash += amount;
    this.dividends += amount;
  }

  indexOf(symbol: string): number {
    return this.index.get(symbol) ?? -1;
  }

  /** Books a fill; returns the P&L it realised (before the fee). */
  applyFill(i: number, side: 'buy' | 'sell', qty: number, price: number, fee: number): number {
    const signed = side === 'buy' ? qty : -qty;
    this.qtyVersion++;
    this.cash -= signed * price + fee;
    this.feesPaid += fee;
    this.tradedNotional += qty * price;
    if (Number.isNaN(this.lastPrices[i])) this.lastPrices[i] = price;
    const old = this.qtys[i];
    let realized = 0;
    if (old === 0 || (old > 0) === (signed > 0)) {
      const absOld = Math.abs(old);
      this.avgPrices[i] = (absOld * this.avgPrices[i] + qty * price) / (absOld + qty);
      this.qtys[i] = old + signed;
    } else {
      const closing = Math.min(qty, Math.abs(old));
      realized = closing * (price - this.avgPrices[i]) * (old > 0 ? 1 : -1);
      this.realized[i] += realized;
      let next = old + signed;
      if (Math.abs(next) < QTY_EPS) next = 0;
      if (next === 0) this.avgPrices[i] = 0;
      else if ((next > 0) !== (old > 0)) this.avgPrices[i] = price;
      this.qtys[i] = next;
    }
    return realized;
  }

  mark(i: number, price: number): void {
    this.lastPrices[i] = price;
  }

  /** Charges borrow on short positions for `dtNs` of elapsed time. */
  accrueBorrow(dtNs: number): void {
    if (this.borrowRateAnnual === 0 || dtNs <= 0) return;
    let shortValue = 0;
    for (let i = 0; i < this.qtys.length; i++) {
      const q = this.qtys[i];
      if (q < 0) shortValue -= q * this.lastPrices[i];
    }
    if (shortValue > 0) {
      const cost = shortValue * this.borrowRateAnnual * (dtNs / NS_PER_YEAR);
      this.cash -= cost;
      this.borrowPaid += cost;
    }
  }

  positionsValue(): number {
    let v = 0;
    for (let i = 0; i < this.qtys.length; i++) {
      const q = this.qtys[i];
      if (q !== 0) v += q * this.lastPrices[i];
    }
    return v;
  }

  grossExposure(): number {
    let v = 0;
    for (let i = 0; i < this.qtys.length; i++) {
      const q = this.qtys[i];
      if (q !== 0) v += Math.abs(q * this.lastPrices[i]);
    }
    return v;
  }

  equity(): number {
    return this.cash + this.positionsValue();
  }

  /**
   * Writes the equity into row `row` and keeps the gross exposure in `gross`. The backtest
   * records every bar this way: returning the numbers from a call that is not inlined would box
   * each into a new heap object.
   */
  writeRow(row: number, equity: Float64Array): void {
    let value = 0;
    let gross = 0;
    const q = this.qtys;
    for (let i = 0; i < q.length; i++) {
      if (q[i] === 0) continue;
      const v = q[i] * this.lastPrices[i];
      value += v;
      gross += v < 0 ? -v : v;
    }
    equity[row] = this.cash + value;
    this.gross = gross;
  }

  buyingPower(): number {
    // One pass for both sums (same order of additions as equity() and grossExposure()): this
    // runs for every order, over every symbol of the portfolio.
    let value = 0;
    let gross = 0;
    const q = this.qtys;
    for (let i = 0; i < q.length; i++) {
      if (q[i] === 0) continue;
      const v = q[i] * this.lastPrices[i];
      value += v;
      gross += Math.abs(v);
    }
    return Math.max(0, (this.cash + value) * this.marginMultiplier - gross);
  }

  unrealizedPnl(i: number): number {
    const q = this.qtys[i];
    return q === 0 ? 0 : q * (this.lastPrices[i] - this.avgPrices[i]);
  }

  qty(symbol: string): number {
    const i = this.indexOf(symbol);
    return i < 0 ? 0 : this.qtys[i];
  }

  position(symbol: string): Position | undefined {
    const i = this.indexOf(symbol);
    if (i < 0) return undefined;
    const q = this.qtys[i];
    const px = this.lastPrices[i];
    return {
      symbol,
      side: q > 0 ? 'long' : q < 0 ? 'short' : 'flat',
      qty: q,
      avgPrice: this.avgPrices[i],
      marketPrice: px,
      marketValue: q === 0 ? 0 : q * px,
      unrealizedPnl: this.unrealizedPnl(i),
      realizedPnl: this.realized[i],
    };
  }

  /** Open positions only. */
  positions(): Position[] {
    const out: Position[] = [];
    for (let i = 0; i < this.symbols.length; i++) {
      if (this.qtys[i] !== 0) out.push(this.position(this.symbols[i]) as Position);
    }
    return out;
  }
}
