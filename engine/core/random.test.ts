import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, createRng } from './random';

function take(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

/** Standard normal CDF via erfc (Numerical Recipes' erfcc, |error| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation from state {1, 2, 3, 4}', () => {
    const rng = new Rng(0);
    rng.setState({ s: [1, 2, 3, 4] });
    const out = Array.from({ length: 10 }, () => rng.nextUint32());
    // Printed by Blackman & Vigna's xoshiro128starstar.c, compiled with gcc.
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
  });

  it('replays the same sequence from the same seed, number or string', () => {
    expect(take(new Rng(42), 50)).toEqual(take(new Rng(42), 50));
    expect(take(createRng('sample-2024'), 50)).toEqual(take(createRng('sample-2024'), 50));
  });

  it('gives unrelated sequences for neighbouring and look-alike seeds', () => {
    const a = take(new Rng(1), 20);
    expect(take(new Rng(2), 20)).not.toEqual(a);
    expect(take(new Rng('1'), 20)).not.toEqual(a);
    expect(take(new Rng(1.5), 20)).not.toEqual(a);
    expect(take(new Rng('ab'), 20)).not.toEqual(take(new Rng('ba'), 20));
    // -0 and 0 are the same number, so the same seed.
    expect(take(new Rng(-0), 5)).toEqual(take(new Rng(0), 5));
  });

  it('refuses seeds it cannot reproduce', () => {
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
    expect(() => new Rng(Infinity)).toThrow(RangeError);
  });

  it('keeps next() in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), (seed) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 100; i++) {
          const x = rng.next();
          if (!(x >= 0 && x < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('draws normals with mean 0, variance 1, no skew, normal kurtosis and normal tails', () => {
    const rng = new Rng('normal-moments');
    const n = 400_000;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let beyond3 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s1 += z;
      s2 += z * z;
      s3 += z * z * z;
      s4 += z * z * z * z;
      if (Math.abs(z) > 3) beyond3++;
    }
    const mean = s1 / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(Math.abs(s3 / n)).toBeLessThan(0.03);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.06);
    // P(|Z| > 3) = 0.0027: the ziggurat's tail sampler is where a bug would hide.
    expect(beyond3 / n).toBeGreaterThan(0.0022);
    expect(beyond3 / n).toBeLessThan(0.0032);
  });

  it('passes a Kolmogorov–Smirnov test against the normal CDF', () => {
    const rng = new Rng(7);
    const n = 50_000;
    const xs = Float64Array.from({ length: n }, () => rng.normal()).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = normalCdf(xs[i]);
      d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
    }
    // 1% critical value: 1.63 / sqrt(n).
    expect(d).toBeLessThan(1.63 / Math.sqrt(n));
  });

  it('scales normals by mean and sd', () => {
    const rng = new Rng(3);
    let s = 0;
    for (let i = 0; i < 100_000; i++) s += rng.normal(5, 2);
    expect(s / 100_000).toBeCloseTo(5, 1);
  });

  it('draws integers in range with every value about equally likely', () => {
    const rng = new Rng('dice');
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(1, 7) - 1]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => rng.int(3, 3)).toThrow(RangeError);
  });

  it('resumes exactly from a saved state', () => {
    const rng = new Rng('resume');
    take(rng, 7);
    const saved = rng.getState();
    const first = [rng.next(), rng.normal(), rng.nextUint32()];
    rng.setState(saved);
    expect([rng.next(), rng.normal(), rng.nextUint32()]).toEqual(first);
  });

  it('forks named streams that differ from each other and replay from the parent seed', () => {
    const a = new Rng(9).fork('market');
    const b = new Rng(9).fork('symbol');
    const a2 = new Rng(9).fork('market');
    const xa = take(a, 10);
    expect(take(b, 10)).not.toEqual(xa);
    expect(take(a2, 10)).toEqual(xa);
  });

  it('shuffles deterministically and keeps every element', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const once = new Rng(5).shuffle(items.slice());
    expect(new Rng(5).shuffle(items.slice())).toEqual(once);
    expect(once.slice().sort((x, y) => x - y)).toEqual(items);
    expect(once).not.toEqual(items);
  });
});
