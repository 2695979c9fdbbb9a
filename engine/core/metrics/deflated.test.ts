import { describe, expect, it } from 'vitest';
import { deflatedSharpe, expectedMaxSharpe, normalCdf, normalQuantile, probabilisticSharpe } from './deflated';

describe('the normal distribution', () => {
  it('matches tabulated values of the CDF and its inverse', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 12);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 7);
    expect(normalCdf(-6)).toBeCloseTo(9.865876450376946e-10, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    for (const p of [1e-6, 0.01, 0.3, 0.9, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 9);
  });
});

describe('the deflated Sharpe ratio', () => {
  it('gives the probabilistic Sharpe ratio of one estimate', () => {
    // SR 0.1 per step over 101 returns, normal: z = 0.1·√100 / √(1 + 0.5·0.01) = 0.99751.
    expect(probabilisticSharpe(0.1, 0, 101)).toBeCloseTo(0.84074, 4);
    // Fat tails and negative skew widen the estimate's spread: less confidence.
    expect(probabilisticSharpe(0.1, 0, 101, -1, 6)).toBeLessThan(probabilisticSharpe(0.1, 0, 101));
  });

  it('expects the best of many worthless trials to look good by luck', () => {
    // The expected maximum of 1,000 standard normals is 3.241; the approximation gives 3.255.
    expect(expectedMaxSharpe(1000, 1)).toBeCloseTo(3.2548, 3);
    expect(Math.abs(expectedMaxSharpe(1000, 1) - 3.2414)).toBeLessThan(0.02);
    expect(expectedMaxSharpe(1, 1)).toBe(0);
    expect(expectedMaxSharpe(100, 0.25)).toBeCloseTo(0.5 * expectedMaxSharpe(100, 1), 12);
  });

  it('discounts the best of a sweep by how many combinations were tried', () => {
    const few = deflatedSharpe([0.05, 0.02, 0.08], 2520);
    const many = deflatedSharpe([...Array.from({ length: 97 }, (_, i) => 0.08 * Math.sin(i)), 0.05, 0.02, 0.08], 2520);
    expect(few?.trials).toBe(3);
    expect(many?.trials).toBe(100);
    expect((many?.expectedMax ?? 0) > (few?.expectedMax ?? 0)).toBe(true);
    expect((many?.probability ?? 1) < (few?.probability ?? 0)).toBe(true);
    // One trial: nothing to deflate, the probabilistic Sharpe ratio against zero.
    expect(deflatedSharpe([0.05], 2520)?.probability).toBeCloseTo(probabilisticSharpe(0.05, 0, 2520), 12);
    expect(deflatedSharpe([NaN], 2520)).toBeNull();
  });
});
