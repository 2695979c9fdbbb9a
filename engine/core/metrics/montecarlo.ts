// Monte Carlo resampling of a trade sequence: how much of a backtest's result is the luck of the
// order trades came in. Bootstrap (draw with replacement) or shuffle (same trades, new order);
// seeded, so the same inputs give the same intervals.

import { createRng, type Seed } from '../random';

export interface MonteCarloOptions {
  initialCash: number;
  /** Default 1000. */
  iterations?: number;
  /** bootstrap (default): trades drawn with replacement; shuffle: a permutation of the same trades. */
  method?: 'bootstrap' | 'shuffle';
  seed?: Seed;
  /** Central interval to report, e.g. 0.9 for 5th–95th percentile (default 0.9). */
  confidence?: number;
}

export interface Interval {
  readonly low: number;
  readonly median: number;
  readonly high: number;
}

export interface MonteCarloResult {
  readonly iterations: number;
  readonly method: 'bootstrap' | 'shuffle';
  readonly confidence: number;
  readonly trades: number;
  readonly totalReturn: Interval;
  /** Max drawdown of the trade-by-trade equity path (a positive fraction). */
  readonly maxDrawdown: Interval;
  /** Share of paths that end below the initial cash. */
  readonly probabilityOfLoss: number;
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function monteCarloTrades(pnls: readonly number[], options: MonteCarloOptions): MonteCarloResult {
  const iterations = options.iterations ?? 1000;
  const method = options.method ?? 'bootstrap';
  const confidence = options.confidence ?? 0.9;
  if (!(Number.isInteger(iterations) && iterations > 0)) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must lie in (0, 1), got ${confidence}`);
  const rng = createRng(options.seed ?? 1);
  const n = pnls.length;
  const returns = new Float64Array(iterations);
  const drawdowns = new Float64Array(iterations);
  const order = pnls.slice();
  let losses = 0;
  for (let it = 0; it < iterations; it++) {
    if (method === 'shuffle') rng.shuffle(order);
    let equity = options.initialCash;
    let peak = equity;
    let maxDd = 0;
    for (let k = 0; k < n; k++) {
      equity += method === 'shuffle' ? order[k] : pnls[rng.int(0, n)];
      if (equity > peak) peak = equity;
      else if (peak > 0) maxDd = Math.max(maxDd, 1 - equity / peak);
    }
    returns[it] = equity / options.initialCash - 1;
    drawdowns[it] = maxDd;
    if (equity < options.initialCash) losses++;
  }
  returns.sort();
  drawdowns.sort();
  const tail = (1 - confidence) / 2;
  const interval = (a: Float64Array): Interval => ({ low: quantile(a, tail), median: quantile(a, 0.5), high: quantile(a, 1 - tail) });
  return { iterations, method, confidence, trades: n, totalReturn: interval(returns), maxDrawdown: interval(drawdowns), probabilityOfLoss: losses / iterations };
}
