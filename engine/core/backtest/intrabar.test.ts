import { describe, expect, it } from 'vitest';
import { BarPath } from './intrabar';

describe('the adaptive intrabar path', () => {
  it('visits the extreme nearer to the open first', () => {
    const p = new BarPath();
    p.set(100, 101, 90, 95); // high is 1 away, low 10 away
    expect(Array.from(p.p)).toEqual([100, 101, 90, 95]);
    p.set(100, 110, 99, 105); // low is nearer
    expect(Array.from(p.p)).toEqual([100, 99, 110, 105]);
  });

  it('goes to the high first when both extremes are equally far', () => {
    const p = new BarPath();
    p.set(100, 105, 95, 100);
    expect(p.p[1]).toBe(105);
  });

  it('finds where a falling path crosses a level, and reports the level as the price', () => {
    const p = new BarPath();
    p.set(100, 101, 90, 95); // 100 → 101 → 90 → 95
    const pos = p.firstTouch(0, 100, 95, false);
    // Segment 1 runs 101 → 90; 95 is 6/11 of the way.
    expect(pos).toBeCloseTo(1 + 6 / 11, 12);
    expect(p.touchPrice).toBe(95);
  });

  it('fills at the start price when the level is already passed (a gap)', () => {
    const p = new BarPath();
    p.set(90, 92, 88, 91);
    expect(p.firstTouch(0, 90, 95, false)).toBe(0);
    expect(p.touchPrice).toBe(90);
  });

  it('returns -1 when the level is never reached', () => {
    const p = new BarPath();
    p.set(100, 101, 99, 100);
    expect(p.firstTouch(0, 100, 102, true)).toBe(-1);
  });

  it('continues from a point inside the bar', () => {
    const p = new BarPath();
    p.set(100, 101, 90, 95);
    // From late in the fall (91.1 at 1.9) the path bottoms at 90, then rises through 94 on the way to 95.
    expect(p.priceAt(1.9)).toBeCloseTo(91.1, 12);
    const pos = p.firstTouch(1.9, p.priceAt(1.9), 94, true);
    expect(pos).toBeCloseTo(2 + 4 / 5, 12);
    expect(p.priceAt(3)).toBe(95);
  });
});
