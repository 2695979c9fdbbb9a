// How much a sweep's best Sharpe ratio is worth once the number of combinations tried is counted:
// the probabilistic Sharpe ratio (Bailey & López de Prado, 2012) against the Sharpe ratio the best
// of that many worthless strategies would reach by luck (the deflated Sharpe ratio, 2014).
// Sharpe ratios here are per step (not annualised); returns are taken as normal unless the
// caller gives their skewness and kurtosis.

const EULER_GAMMA = 0.5772156649015329;

/** Standard normal CDF, through erfc. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfc with Chebyshev coefficients: fractional error < 1.2e-7, ample for
  // probabilities shown with two or three digits.
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = [
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12,
    -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
  ];
  let d = 0;
  let dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j];
    dd = tmp;
  }
  const r = t * Math.exp(-z * z + 0.5 * (cof[0] + ty * d) - dd);
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's algorithm with one Newton step); p in (0, 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Newton step on the CDF brings the ~1e-9 approximation to machine-level agreement.
  const e = normalCdf(x) - p;
  return x - e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
}

/**
 * P(the true Sharpe ratio exceeds `benchmark`) for a ratio `sr` estimated over `n` returns with
 * the given skewness and (non-excess) kurtosis.
 */
export function probabilisticSharpe(sr: number, benchmark: number, n: number, skew = 0, kurtosis = 3): number {
  const spread = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (!(n > 1) || !(spread > 0)) return NaN;
  return normalCdf(((sr - benchmark) * Math.sqrt(n - 1)) / Math.sqrt(spread));
}

/** The Sharpe ratio the best of `trials` strategies with no edge reaches on average, given the variance of their estimates. */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (trials <= 1 || !(variance > 0)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

export interface DeflatedSharpe {
  /** Combinations tried: the Sharpe ratios the best is measured against. */
  trials: number;
  /** The expected best Sharpe ratio of that many strategies with no edge (per step). */
  expectedMax: number;
  /** P(the best combination's true Sharpe ratio is above that): the deflated Sharpe ratio. */
  probability: number;
}

/**
 * The deflated Sharpe ratio of the best of `sharpes` (per-step Sharpe ratios of every combination
 * tried, each over `n` returns), or of `candidate` when given: the one chosen, judged against
 * every trial (earlier ones included) rather than the best of them all.
 */
export function deflatedSharpe(sharpes: readonly number[], n: number, skew = 0, kurtosis = 3, candidate?: number): DeflatedSharpe | null {
  const ok = sharpes.filter(Number.isFinite);
  if (ok.length === 0 || !(n > 1)) return null;
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const variance = ok.length > 1 ? ok.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (ok.length - 1) : 0;
  const best = candidate ?? Math.max(...ok);
  const expectedMax = expectedMaxSharpe(ok.length, variance);
  return { trials: ok.length, expectedMax, probability: probabilisticSharpe(best, expectedMax, n, skew, kurtosis) };
}
