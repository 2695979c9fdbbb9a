// Guided search over a sweep's grid: the Tree-structured Parzen Estimator (Bergstra et al., 2011,
// as Optuna's default sampler does it), over the grid's discrete values. After a few random
// trials, the trials so far are split into the best quarter ("good") and the rest; each axis gets a
// smoothed density of where good trials sit, l(x), and of where the rest sit, g(x); candidates are
// drawn from l and the one with the highest l(x)/g(x) not tried yet is proposed. Ordered (numeric)
// axes spread each trial's weight over its neighbours, so the search can walk along a ridge;
// unordered ones (lists of words) weigh only the value itself. A batch is proposed with a
// "constant liar": each point taken counts as a bad trial for the rest of the batch.
//
// Pure and seeded: the same history and seed give the same proposals.

import type { Rng } from '../random';

export interface TpeAxis {
  /** How many values the axis has. */
  size: number;
  /** Numeric axes are ordered: nearby values share weight. */
  ordered: boolean;
}

export interface TpeTrial {
  /** The value index on each axis. */
  at: readonly number[];
  /** Higher is better; a failed trial is -Infinity. */
  score: number;
}

export interface TpeOptions {
  /** Random trials before the model takes over (default 10). */
  startup?: number;
  /** Share of the trials that counts as good (default 0.25). */
  gamma?: number;
  /** Candidates drawn from l(x) per proposal (default 48). */
  candidates?: number;
}

const key = (at: readonly number[]) => at.join(',');

/** Every grid point's count: the product of the axis sizes. */
export function gridSize(axes: readonly TpeAxis[]): number {
  return axes.reduce((n, a) => n * a.size, 1);
}

/**
 * Up to `count` grid points not tried yet (and distinct), proposed from `history`. Fewer only when
 * the grid runs out.
 */
export function proposeTpe(axes: readonly TpeAxis[], history: readonly TpeTrial[], count: number, rng: Rng, opts: TpeOptions = {}): number[][] {
  const startup = opts.startup ?? 10;
  const gamma = opts.gamma ?? 0.25;
  const nCandidates = opts.candidates ?? 48;
  const taken = new Set(history.map((t) => key(t.at)));
  const total = gridSize(axes);
  const out: number[][] = [];
  const take = (at: number[]) => {
    taken.add(key(at));
    out.push(at);
  };
  const randomUntried = (): number[] | null => {
    if (taken.size >= total) return null;
    // Rejection sampling while the grid is mostly free, then a scan from a random start.
    for (let tries = 0; tries < 64; tries++) {
      const at = axes.map((a) => rng.int(0, a.size));
      if (!taken.has(key(at))) return at;
    }
    const start = rng.int(0, total);
    for (let k = 0; k < total; k++) {
      let flat = (start + k) % total;
      const at = axes.map((a) => {
        const v = flat % a.size;
        flat = Math.floor(flat / a.size);
        return v;
      });
      if (!taken.has(key(at))) return at;
    }
    return null;
  };

  const usable = history.filter((t) => t.score !== -Infinity);
  if (usable.length < startup) {
    while (out.length < count) {
      const at = randomUntried();
      if (at === null) break;
      take(at);
    }
    return out;
  }
  // Good: the best ceil(gamma · n) (at least one); bad: the rest, failed trials included.
  const sorted = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(gamma * usable.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const l = axes.map((a, d) => density(a, good.map((t) => t.at[d])));
  const g = axes.map((a, d) => density(a, bad.map((t) => t.at[d])));
  const cum = l.map((w) => {
    const c = new Float64Array(w.length);
    let s = 0;
    for (let v = 0; v < w.length; v++) c[v] = s += w[v];
    return c;
  });
  const draw = (d: number): number => {
    const c = cum[d];
    const u = rng.next() * c[c.length - 1];
    let v = 0;
    while (v < c.length - 1 && c[v] <= u) v++;
    return v;
  };
  while (out.length < count) {
    let best: number[] | null = null;
    let bestRatio = -Infinity;
    for (let k = 0; k < nCandidates; k++) {
      const at = axes.map((_, d) => draw(d));
      if (taken.has(key(at))) continue;
      let ratio = 0;
      for (let d = 0; d < axes.length; d++) ratio += Math.log(l[d][at[d]]) - Math.log(g[d][at[d]]);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = at;
      }
    }
    const at = best ?? randomUntried();
    if (at === null) break;
    take(at);
    // Constant liar: until it is scored, a proposed point counts as a bad one, so the rest of the
    // batch spreads out instead of piling up around the same spot.
    for (let d = 0; d < axes.length; d++) addKernel(axes[d], g[d], at[d]);
  }
  return out;
}

/**
 * A smoothed density over an axis's values from the value indexes of some trials: a flat prior
 * (weight 1 spread over the axis) plus, per trial, a kernel of weight 1 at its value, spread over
 * neighbours on an ordered axis (Gaussian, width a tenth of the axis, at least one step).
 */
function density(axis: TpeAxis, values: readonly number[]): Float64Array {
  const w = new Float64Array(axis.size).fill(1 / axis.size);
  for (const x of values) addKernel(axis, w, x);
  return w;
}

/** Adds one trial's kernel (weight 1) at value index x. */
function addKernel(axis: TpeAxis, w: Float64Array, x: number): void {
  if (!axis.ordered) {
    w[x] += 1;
    return;
  }
  const width = Math.max(1, axis.size / 10);
  let norm = 0;
  for (let v = 0; v < axis.size; v++) norm += Math.exp(-0.5 * ((v - x) / width) ** 2);
  for (let v = 0; v < axis.size; v++) w[v] += Math.exp(-0.5 * ((v - x) / width) ** 2) / norm;
}
