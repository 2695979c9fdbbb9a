import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { type TpeAxis, type TpeTrial, gridSize, proposeTpe } from './tpe';

/** A hill with its top at (21, 8) on a 30 × 30 grid, a little rough. */
const hill = (at: readonly number[]) => -((at[0] - 21) ** 2 + (at[1] - 8) ** 2) + Math.sin(at[0] * 7.1 + at[1] * 3.3);
const axes: TpeAxis[] = [
  { size: 30, ordered: true },
  { size: 30, ordered: true },
];

/** The best score after `budget` trials proposed `batch` at a time (random search: startup = budget). */
function search(seed: number, budget: number, batch: number, startup: number): number {
  const rng = createRng(seed);
  const history: TpeTrial[] = [];
  while (history.length < budget) {
    for (const at of proposeTpe(axes, history, Math.min(batch, budget - history.length), rng, { startup })) history.push({ at, score: hill(at) });
  }
  return Math.max(...history.map((t) => t.score));
}

describe('TPE proposals', () => {
  it('find the top of a hill with fewer trials than random search, seed for seed', () => {
    let top = -Infinity;
    for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) top = Math.max(top, hill([i, j]));
    let tpeTops = 0;
    let randomTops = 0;
    let wins = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const tpe = search(seed, 60, 4, 10);
      const random = search(seed, 60, 4, 60);
      if (tpe === top) tpeTops++;
      if (random === top) randomTops++;
      if (tpe >= random) wins++;
    }
    // 60 of 900 points: random search lands a few steps from the top, TPE walks up to it.
    expect(tpeTops).toBeGreaterThanOrEqual(8);
    expect(randomTops).toBeLessThanOrEqual(3);
    expect(wins).toBeGreaterThanOrEqual(9);
  });

  it('never proposes a point twice, and runs out exactly when the grid does', () => {
    const small: TpeAxis[] = [
      { size: 3, ordered: true },
      { size: 4, ordered: false },
    ];
    const rng = createRng(3);
    const history: TpeTrial[] = [];
    for (let round = 0; round < 10; round++) {
      for (const at of proposeTpe(small, history, 5, rng, { startup: 4 })) history.push({ at, score: at[0] === 1 && at[1] === 2 ? 1 : at[0] === 2 ? -Infinity : 0 });
    }
    expect(history).toHaveLength(gridSize(small));
    expect(new Set(history.map((t) => t.at.join(','))).size).toBe(12);
    expect(proposeTpe(small, history, 3, rng)).toEqual([]);
  });

  it('spreads a batch out (constant liar) instead of piling it on one spot', () => {
    const history: TpeTrial[] = Array.from({ length: 12 }, (_, k) => ({ at: [(k * 7) % 30, (k * 11) % 30], score: -(((k * 7) % 30 - 21) ** 2 + ((k * 11) % 30 - 8) ** 2) }));
    const batch = proposeTpe(axes, history, 8, createRng(4));
    const first = batch.map((at) => at[0]);
    // Without the liar all eight sat within three steps of (29, 2); with it they reach the top's side of the grid.
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThanOrEqual(6);
  });

  it('is the same for the same seed and history', () => {
    const history: TpeTrial[] = Array.from({ length: 12 }, (_, k) => ({ at: [k * 2, (k * 7) % 30], score: hill([k * 2, (k * 7) % 30]) }));
    expect(proposeTpe(axes, history, 6, createRng(9))).toEqual(proposeTpe(axes, history, 6, createRng(9)));
  });
});
