// Performance statistics of an equity curve and a trade list. Definitions are spelled out on
// each field because every engine defines these slightly differently.

const NS_PER_DAY = 86_400e9;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NS_PER_YEAR = 365.25 * NS_PER_DAY;

export interface MetricsInput {
  /** Step times, ns. */
  readonly ts: BigInt64Array;
  /** Equity after each step. */
  readonly equity: Float64Array;
  /** Gross position value after each step (for exposure); optional. */
  readonly exposure?: Float64Array;
  /** Or, instead of the column: how many steps ended with a non-zero gross exposure. */
  readonly inMarketSteps?: number;
  readonly initialCash: number;
  /** Net P&L of each closed trade. */
  readonly tradePnls?: readonly number[];
  /** Or, instead, their sums (a run that does not keep its trades). */
  readonly tradeStats?: TradeStats;
  /** Sum of |qty × price| over all fills. */
  readonly tradedNotional?: number;
  /** Annual risk-free rate for Sharpe/Sortino; default 0. */
  readonly riskFreeRate?: number;
  /** Default: inferred as (steps − 1) / years spanned, e.g. ≈252 for daily US equity bars. */
  readonly periodsPerYear?: number;
}

export interface Metrics {
  /** finalEquity / initialCash − 1. */
  readonly totalReturn: number;
  /** (finalEquity / initialCash)^(1 / years) − 1, years from the first to the last step (365.25-day years). */
  readonly cagr: number;
  /** Sample standard deviation of per-step returns × √periodsPerYear. */
  readonly volatility: number;
  /** (mean step return − rf / periodsPerYear) / sample std × √periodsPerYear. */
  readonly sharpe: number;
  /** Same numerator over the downside deviation √(Σ min(0, r − rf/ppy)² / n), × √periodsPerYear. */
  readonly sortino: number;
  /** cagr / maxDrawdown. */
  readonly calmar: number;
  /** Skewness of the per-step returns (population moments); NaN for fewer than 3 steps or no variance. */
  readonly skewness: number;
  /** Excess kurtosis of the per-step returns (0 for normal returns); NaN for fewer than 4 steps or no variance. */
  readonly excessKurtosis: number;
  /** Largest fall from a running peak (the initial cash counts as a peak), as a positive fraction. */
  readonly maxDrawdown: number;
  /** Longest time below a previous peak, in steps, and in days of calendar time. */
  readonly maxDrawdownDurationBars: number;
  readonly maxDrawdownDurationDays: number;
  readonly trades: number;
  /** Share of closed trades with pnl > 0. */
  readonly winRate: number;
  /** Gross profit / gross loss of closed trades; Infinity with wins and no losses. */
  readonly profitFactor: number;
  /** Mean net P&L per closed trade. */
  readonly expectancy: number;
  /** Share of steps ending with a non-zero position. */
  readonly exposure: number;
  /** Traded notional / mean equity over the run. */
  readonly turnover: number;
  readonly annualTurnover: number;
  readonly periodsPerYear: number;
  readonly years: number;
  readonly finalEquity: number;
}

/**
 * Step returns run from the initial cash, so a move on the first step counts. Works straight off
 * the typed arrays without building a returns array.
 */
export function computeMetrics(input: MetricsInput): Metrics {
  const { ts, equity, initialCash } = input;
  const n = equity.length;
  const years = n > 1 ? Number(ts[n - 1] - ts[0]) / NS_PER_YEAR : 0;
  const ppy = input.periodsPerYear ?? (years > 0 ? (n - 1) / years : NaN);
  const rf = input.riskFreeRate ?? 0;
  const rfStep = rf === 0 ? 0 : rf / ppy;

  // One pass for what does not need the mean (the return sum, the drawdowns, the equity sum and
  // the steps in the market), a second for the deviations from the mean: the same additions in
  // the same order as one pass each, so the same bits, at half the reads. Each pass is a function
  // of its own: as two loops of this one, the first was compiled on the stack before the second
  // had run, and that code gave up at the second loop on every call (~40% of the time here).
  const exposure = input.inMarketSteps === undefined ? input.exposure : undefined;
  const first = firstPass(equity, initialCash, exposure);
  const { sum, eqSum, maxDd, longestBars, longestEnd, longestPeak } = first;
  const inMarket = (input.inMarketSteps ?? 0) + first.inMarket;
  const mean = n > 0 ? sum / n : NaN;
  const { sq, down, cube, quad } = secondPass(equity, initialCash, mean, rfStep);
  return assemble({
    n,
    years,
    ppy,
    rfStep,
    mean,
    sumSqDev: sq,
    sumCubeDev: cube,
    sumQuadDev: quad,
    sumSqDown: down,
    maxDd,
    longestBars,
    longestNs: longestBars > 0 ? Number(ts[longestEnd] - ts[longestPeak]) : 0,
    inMarket: input.exposure !== undefined || input.inMarketSteps !== undefined ? inMarket : NaN,
    eqSum,
    finalEquity: n > 0 ? equity[n - 1] : initialCash,
    initialCash,
    trades: input.tradeStats ?? statsOf(input.tradePnls ?? []),
    tradedNotional: input.tradedNotional ?? 0,
  });
}

interface FirstPass {
  sum: number;
  eqSum: number;
  maxDd: number;
  longestBars: number;
  longestEnd: number;
  longestPeak: number;
  inMarket: number;
}

/** Σ step returns, Σ equity, the deepest drawdown and the longest, and the steps with exposure. */
function firstPass(equity: Float64Array, initialCash: number, exposure: Float64Array | undefined): FirstPass {
  const n = equity.length;
  let sum = 0;
  let eqSum = 0;
  let prev = initialCash;
  let peak = initialCash;
  let peakIdx = -1;
  let maxDd = 0;
  let longestBars = 0;
  let longestEnd = 0;
  let longestPeak = 0;
  let inMarket = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    sum += e / prev - 1;
    prev = e;
    eqSum += e;
    if (exposure !== undefined && exposure[i] !== 0) inMarket++;
    if (e >= peak) {
      peak = e;
      peakIdx = i;
      continue;
    }
    const d = 1 - e / peak;
    if (d > maxDd) maxDd = d;
    const bars = i - peakIdx;
    if (bars > longestBars) {
      // Indexes only: bigint arithmetic here allocated on every step of a long drawdown.
      longestBars = bars;
      longestEnd = i;
      longestPeak = Math.max(0, peakIdx);
    }
  }
  return { sum, eqSum, maxDd, longestBars, longestEnd, longestPeak, inMarket };
}

/** Σ (r − mean)², ³ and ⁴, and Σ min(0, r − rfStep)² over the step returns. */
function secondPass(equity: Float64Array, initialCash: number, mean: number, rfStep: number): { sq: number; down: number; cube: number; quad: number } {
  const n = equity.length;
  let sq = 0;
  let cube = 0;
  let quad = 0;
  let down = 0;
  let prev = initialCash;
  for (let i = 0; i < n; i++) {
    const r = equity[i] / prev - 1;
    prev = equity[i];
    const dev = r - mean;
    const dev2 = dev * dev;
    sq += dev2;
    cube += dev2 * dev;
    quad += dev2 * dev2;
    // The downside part, min(0, ex), without a branch on its sign (which is a coin flip while in
    // the market): (ex − |ex|) / 2 is ex when negative and 0 otherwise, exactly.
    const ex = r - rfStep;
    const neg = (ex - Math.abs(ex)) * 0.5;
    down += neg * neg;
  }
  return { sq, down, cube, quad };
}

/** What the trade figures need of the closed trades, summed in closing order. */
export interface TradeStats {
  count: number;
  wins: number;
  grossWin: number;
  grossLoss: number;
  pnlSum: number;
}

export function emptyTradeStats(): TradeStats {
  return { count: 0, wins: 0, grossWin: 0, grossLoss: 0, pnlSum: 0 };
}

/** Adds one closed trade's net P&L. */
export function addTrade(t: TradeStats, p: number): void {
  t.count++;
  t.pnlSum += p;
  if (p > 0) {
    t.wins++;
    t.grossWin += p;
  } else if (p < 0) {
    t.grossLoss -= p;
  }
}

interface Moments {
  n: number;
  years: number;
  ppy: number;
  rfStep: number;
  mean: number;
  /** Σ (r − mean)², ³, ⁴ and Σ min(0, r − rfStep)² over the step returns. */
  sumSqDev: number;
  sumCubeDev: number;
  sumQuadDev: number;
  sumSqDown: number;
  maxDd: number;
  longestBars: number;
  longestNs: number;
  /** Steps in the market; NaN when unknown. */
  inMarket: number;
  eqSum: number;
  finalEquity: number;
  initialCash: number;
  trades: TradeStats;
  tradedNotional: number;
}

/** The figures from the sums either way of computing them (whole columns or a stream) arrives at. */
function assemble(m: Moments): Metrics {
  const { n, years, ppy, finalEquity, initialCash } = m;
  const sd = n > 1 ? Math.sqrt(m.sumSqDev / (n - 1)) : NaN;
  const dd = n > 0 ? Math.sqrt(m.sumSqDown / n) : NaN;
  const excess = m.mean - m.rfStep;
  const annual = Math.sqrt(ppy);
  const { count, wins, grossWin, grossLoss, pnlSum } = m.trades;
  const meanEquity = n > 0 ? m.eqSum / n : initialCash;
  const turnover = m.tradedNotional / meanEquity;
  const cagr = years > 0 && finalEquity > 0 ? Math.pow(finalEquity / initialCash, 1 / years) - 1 : NaN;
  return {
    totalReturn: finalEquity / initialCash - 1,
    cagr,
    volatility: sd * annual,
    sharpe: sd > 0 ? (excess / sd) * annual : NaN,
    sortino: dd > 0 ? (excess / dd) * annual : NaN,
    calmar: m.maxDd > 0 ? cagr / m.maxDd : NaN,
    skewness: n > 2 && m.sumSqDev > 0 ? m.sumCubeDev / n / Math.pow(m.sumSqDev / n, 1.5) : NaN,
    excessKurtosis: n > 3 && m.sumSqDev > 0 ? m.sumQuadDev / n / ((m.sumSqDev / n) * (m.sumSqDev / n)) - 3 : NaN,
    maxDrawdown: m.maxDd,
    maxDrawdownDurationBars: m.longestBars,
    maxDrawdownDurationDays: m.longestNs / NS_PER_DAY,
    trades: count,
    winRate: count > 0 ? wins / count : NaN,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : grossWin > 0 ? Infinity : NaN,
    expectancy: count > 0 ? pnlSum / count : NaN,
    exposure: n > 0 ? m.inMarket / n : NaN,
    turnover,
    annualTurnover: years > 0 ? turnover / years : NaN,
    periodsPerYear: ppy,
    years,
    finalEquity,
  };
}

/**
 * The same metrics from an equity curve that arrives in pieces and is never held whole (a run
 * streamed in chunks). Variance is Welford's running form rather than the two passes above, so the
 * figures agree with computeMetrics to rounding, not bit for bit. With a risk-free rate the
 * periods per year must be given: the downside sum needs the per-step rate before the end.
 */
export class MetricsStream {
  private n = 0;
  private prev: number;
  private sum = 0;
  private wMean = 0;
  private wM2 = 0;
  /** Running Σ (r − mean)³ and ⁴ (Terriberry's update of Welford's). */
  private wM3 = 0;
  private wM4 = 0;
  private down = 0;
  private peak: number;
  private peakIdx = -1;
  /** Step times as ms-precise doubles (read from the words, as bigints they would allocate per step). */
  private peakMs = 0;
  private maxDd = 0;
  private longestBars = 0;
  private longestNs = 0;
  private eqSum = 0;
  private firstTs = 0n;
  private firstMs = 0;
  private lastTs = 0n;
  private last: number;
  private readonly rfStep: number;

  constructor(
    private readonly initialCash: number,
    private readonly riskFreeRate = 0,
    private readonly periodsPerYear?: number,
  ) {
    if (riskFreeRate !== 0 && !(periodsPerYear !== undefined && periodsPerYear > 0)) {
      throw new RangeError('a streamed run with a risk-free rate needs periodsPerYear');
    }
    this.prev = initialCash;
    this.peak = initialCash;
    this.last = initialCash;
    this.rfStep = riskFreeRate === 0 ? 0 : riskFreeRate / (periodsPerYear as number);
  }

  /** Steps [0, count) of these columns, in time order after every step pushed before. */
  push(ts: BigInt64Array, equity: Float64Array, count: number): void {
    if (count <= 0) return;
    const words = new Int32Array(ts.buffer, ts.byteOffset, count * 2);
    const hi = LITTLE_ENDIAN ? 1 : 0;
    // ns as a double loses ~256 ns at today's epoch: nothing next to a drawdown measured in days.
    const msAt = (k: number): number => (words[2 * k + hi] * 4294967296 + (words[2 * k + 1 - hi] >>> 0)) / 1e6;
    if (this.n === 0) {
      this.firstTs = ts[0];
      this.firstMs = msAt(0);
    }
    let prev = this.prev;
    // The running sums live in locals for the loop and go back to the fields after it.
    let sum = this.sum;
    let wMean = this.wMean;
    let wM2 = this.wM2;
    let wM3 = this.wM3;
    let wM4 = this.wM4;
    let down = this.down;
    let eqSum = this.eqSum;
    const rfStep = this.rfStep;
    for (let k = 0; k < count; k++) {
      const e = equity[k];
      const r = e / prev - 1;
      prev = e;
      const i = this.n++;
      sum += r;
      const delta = r - wMean;
      // The third and fourth moments move with the old second (and third) before it is updated.
      const cnt = i + 1;
      const dn = delta / cnt;
      const dn2 = dn * dn;
      const term = delta * dn * i;
      wM4 += term * dn2 * (cnt * cnt - 3 * cnt + 3) + 6 * dn2 * wM2 - 4 * dn * wM3;
      wM3 += term * dn * (cnt - 2) - 3 * dn * wM2;
      wMean += delta / (i + 1);
      wM2 += delta * (r - wMean);
      // min(0, ex) without a branch on its sign, as in computeMetrics.
      const ex = r - rfStep;
      const neg = (ex - Math.abs(ex)) * 0.5;
      down += neg * neg;
      eqSum += e;
      if (e >= this.peak) {
        this.peak = e;
        this.peakIdx = i;
        this.peakMs = msAt(k);
        continue;
      }
      const d = 1 - e / this.peak;
      if (d > this.maxDd) this.maxDd = d;
      const bars = i - this.peakIdx;
      if (bars > this.longestBars) {
        this.longestBars = bars;
        this.longestNs = (msAt(k) - (this.peakIdx < 0 ? this.firstMs : this.peakMs)) * 1e6;
      }
    }
    this.sum = sum;
    this.wMean = wMean;
    this.wM2 = wM2;
    this.wM3 = wM3;
    this.wM4 = wM4;
    this.down = down;
    this.eqSum = eqSum;
    this.prev = prev;
    this.last = prev;
    this.lastTs = ts[count - 1];
  }

  finish(inMarketSteps: number, trades: TradeStats, tradedNotional: number): Metrics {
    const n = this.n;
    const years = n > 1 ? Number(this.lastTs - this.firstTs) / NS_PER_YEAR : 0;
    return assemble({
      n,
      years,
      ppy: this.periodsPerYear ?? (years > 0 ? (n - 1) / years : NaN),
      rfStep: this.rfStep,
      mean: n > 0 ? this.sum / n : NaN,
      sumSqDev: this.wM2,
      sumCubeDev: this.wM3,
      sumQuadDev: this.wM4,
      sumSqDown: this.down,
      maxDd: this.maxDd,
      longestBars: this.longestBars,
      longestNs: this.longestNs,
      inMarket: inMarketSteps,
      eqSum: this.eqSum,
      finalEquity: n > 0 ? this.last : this.initialCash,
      initialCash: this.initialCash,
      trades,
      tradedNotional,
    });
  }
}

function statsOf(pnls: readonly number[]): TradeStats {
  const t = emptyTradeStats();
  for (const p of pnls) addTrade(t, p);
  return t;
}
