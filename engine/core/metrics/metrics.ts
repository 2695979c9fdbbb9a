// Performance statistics of an equity curve and a trade list. Definitions are spelled out on
// each field because every engine defines these slightly differently.

const NS_PER_DAY = 86_400e9;
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
  readonly tradePnls: readonly number[];
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
  const finalEquity = n > 0 ? equity[n - 1] : initialCash;
  const years = n > 1 ? Number(ts[n - 1] - ts[0]) / NS_PER_YEAR : 0;
  const ppy = input.periodsPerYear ?? (years > 0 ? (n - 1) / years : NaN);
  const rf = input.riskFreeRate ?? 0;
  const rfStep = rf === 0 ? 0 : rf / ppy;

  let sum = 0;
  let prev = initialCash;
  for (let i = 0; i < n; i++) {
    sum += equity[i] / prev - 1;
    prev = equity[i];
  }
  const mean = n > 0 ? sum / n : NaN;
  let sq = 0;
  let down = 0;
  prev = initialCash;
  for (let i = 0; i < n; i++) {
    const r = equity[i] / prev - 1;
    prev = equity[i];
    sq += (r - mean) * (r - mean);
    const ex = r - rfStep;
    if (ex < 0) down += ex * ex;
  }
  const sd = n > 1 ? Math.sqrt(sq / (n - 1)) : NaN;
  const dd = n > 0 ? Math.sqrt(down / n) : NaN;
  const excess = mean - rfStep;
  const annual = Math.sqrt(ppy);

  // Drawdown depth and the longest stretch spent below a running peak.
  let peak = initialCash;
  let peakIdx = -1;
  let maxDd = 0;
  let longestBars = 0;
  let longestNs = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e >= peak) {
      peak = e;
      peakIdx = i;
      continue;
    }
    const d = 1 - e / peak;
    if (d > maxDd) maxDd = d;
    const bars = i - peakIdx;
    if (bars > longestBars) {
      longestBars = bars;
      longestNs = Number(ts[i] - ts[Math.max(0, peakIdx)]);
    }
  }

  const pnls = input.tradePnls;
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  for (const p of pnls) {
    pnlSum += p;
    if (p > 0) {
      wins++;
      grossWin += p;
    } else if (p < 0) {
      grossLoss -= p;
    }
  }

  let inMarket = input.inMarketSteps ?? 0;
  let eqSum = 0;
  const exposure = input.inMarketSteps === undefined ? input.exposure : undefined;
  for (let i = 0; i < n; i++) {
    eqSum += equity[i];
    if (exposure !== undefined && exposure[i] !== 0) inMarket++;
  }
  const meanEquity = n > 0 ? eqSum / n : initialCash;
  const turnover = (input.tradedNotional ?? 0) / meanEquity;
  const cagr = years > 0 && finalEquity > 0 ? Math.pow(finalEquity / initialCash, 1 / years) - 1 : NaN;

  return {
    totalReturn: finalEquity / initialCash - 1,
    cagr,
    volatility: sd * annual,
    sharpe: sd > 0 ? (excess / sd) * annual : NaN,
    sortino: dd > 0 ? (excess / dd) * annual : NaN,
    calmar: maxDd > 0 ? cagr / maxDd : NaN,
    maxDrawdown: maxDd,
    maxDrawdownDurationBars: longestBars,
    maxDrawdownDurationDays: longestNs / NS_PER_DAY,
    trades: pnls.length,
    winRate: pnls.length > 0 ? wins / pnls.length : NaN,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : grossWin > 0 ? Infinity : NaN,
    expectancy: pnls.length > 0 ? pnlSum / pnls.length : NaN,
    exposure: n > 0 && (input.exposure !== undefined || input.inMarketSteps !== undefined) ? inMarket / n : NaN,
    turnover,
    annualTurnover: years > 0 ? turnover / years : NaN,
    periodsPerYear: ppy,
    years,
    finalEquity,
  };
}
