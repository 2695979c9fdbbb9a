// The assumed price path inside a bar, used to decide whether and where stops and limits fill.
//
// Rule (NautilusTrader's `bar_adaptive_high_low_ordering`): the path runs open → the extreme
// nearer to the open → the farther extreme → close, as straight segments. When high and low are
// equally far from the open, the high comes first. Positions along the path are measured in
// segments: 0 = open, 1 = first extreme, 2 = second extreme, 3 = close. Only their order matters:
// an order whose fill position is smaller filled earlier in the bar.
//
// Gaps: an order that is already marketable at the start of the path fills at the start price
// (the open), not at its stop/limit price — a stop gapped through fills at the open.

export class BarPath {
  readonly p = new Float64Array(4);
  /** Price at the position returned by the last successful `firstTouch`. */
  touchPrice = NaN;

  /** Sets the adaptive path through a bar. */
  set(open: number, high: number, low: number, close: number): void {
    const p = this.p;
    p[0] = open;
    if (high - open <= open - low) {
      p[1] = high;
      p[2] = low;
    } else {
      p[1] = low;
      p[2] = high;
    }
    p[3] = close;
  }

  /** A path that never moves: every order meets this one price (fills "at the close"). */
  setFlat(price: number): void {
    this.p.fill(price);
  }

  priceAt(pos: number): number {
    const p = this.p;
    if (pos >= 3) return p[3];
    const k = Math.floor(pos);
    return p[k] + (pos - k) * (p[k + 1] - p[k]);
  }

  /**
   * First position >= `from` where the price reaches `level` going up (`up`) or down, starting
   * from `startPrice` at `from`. Returns -1 if the path never gets there; otherwise sets
   * `touchPrice` to the start price when already past the level (a gap), else to `level`.
   */
  firstTouch(from: number, startPrice: number, level: number, up: boolean): number {
    if (up ? startPrice >= level : startPrice <= level) {
      this.touchPrice = startPrice;
      return from;
    }
    const p = this.p;
    let a = startPrice;
    let segStart = from;
    for (let k = Math.min(Math.floor(from), 3); k < 3; k++) {
      const b = p[k + 1];
      if (up ? b >= level : b <= level) {
        this.touchPrice = level;
        return segStart + ((level - a) / (b - a)) * (k + 1 - segStart);
      }
      a = b;
      segStart = k + 1;
    }
    return -1;
  }
}
