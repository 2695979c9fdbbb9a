// Small bar fixtures for tests and examples: readable OHLCV tuples turned into columns.

import type { BarColumns } from './data';

export const MINUTE_NS = 60_000_000_000n;
export const DAY_NS = 86_400_000_000_000n;
/** 2024-01-02T21:00:00Z, 16:00 in New York: the close of a regular session. */
export const FIRST_CLOSE_NS = 1_704_229_200_000_000_000n;
/** 2024-01-02T14:31:00Z, the close of the first one-minute bar of that session. */
export const FIRST_MINUTE_CLOSE_NS = 1_704_205_860_000_000_000n;

/** [open, high, low, close, volume?] */
export type Ohlcv = readonly [number, number, number, number, number?];

function toColumns(rows: readonly Ohlcv[], tsOf: (i: number) => bigint): BarColumns {
  const n = rows.length;
  const c = {
    ts: new BigInt64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  rows.forEach((r, i) => {
    c.ts[i] = tsOf(i);
    c.open[i] = r[0];
    c.high[i] = r[1];
    c.low[i] = r[2];
    c.close[i] = r[3];
    c.volume[i] = r[4] ?? 1_000_000;
  });
  return c;
}

/** One bar per calendar day, closing at 16:00 New York (winter), from 2024-01-02. */
export function dailyBars(rows: readonly Ohlcv[], firstCloseNs: bigint = FIRST_CLOSE_NS): BarColumns {
  return toColumns(rows, (i) => firstCloseNs + BigInt(i) * DAY_NS);
}

/**
 * One-minute bars. `sessions` gives the number of bars in each session; a session starts at
 * 09:30 New York on consecutive days from 2024-01-02.
 */
export function minuteBars(rows: readonly Ohlcv[], sessions: readonly number[] = [rows.length]): BarColumns {
  const ts: bigint[] = [];
  sessions.forEach((count, day) => {
    for (let m = 0; m < count; m++) ts.push(FIRST_MINUTE_CLOSE_NS + BigInt(day) * DAY_NS + BigInt(m) * MINUTE_NS);
  });
  if (ts.length !== rows.length) throw new RangeError(`sessions cover ${ts.length} bars, rows has ${rows.length}`);
  return toColumns(rows, (i) => ts[i]);
}

/**
 * A seeded random walk of consecutive one-minute bars from FIRST_MINUTE_CLOSE_NS: each close moves
 * up to ±`step`/2 from the open, each open up to ±`gap`/2 from the previous close (0: none), highs
 * and lows up to 0.1% beyond them, volumes 200–2,199.
 */
export function randomWalkBars(n: number, seed: number, step = 0.01, gap = 0): BarColumns {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const c = { ts: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let px = 50;
  for (let i = 0; i < n; i++) {
    const o = gap === 0 ? px : px * (1 + (rnd() - 0.5) * gap);
    px = Math.max(1, o * (1 + (rnd() - 0.5) * step));
    c.ts[i] = FIRST_MINUTE_CLOSE_NS + BigInt(i) * MINUTE_NS;
    c.open[i] = o;
    c.close[i] = px;
    c.high[i] = Math.max(o, px) * (1 + rnd() * 0.002);
    c.low[i] = Math.min(o, px) * (1 - rnd() * 0.002);
    c.volume[i] = 200 + Math.floor(rnd() * 2000);
  }
  return c;
}
