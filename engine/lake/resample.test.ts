// Resampling 1-minute bars along real NYSE sessions: a DST change, early closes, a holiday, and
// minutes outside the regular session.
import { describe, expect, it } from 'vitest';
import { newYorkToUtcNs, sessionAt } from '../core/calendar';
import { emptyBars, type BarColumns, type Timeframe } from '../core/data/bars';
import { BarResampler, resampleBars } from './resample';

const MIN = 60_000_000_000n;
const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

/** One bar per minute from 04:00 to 20:00 New York on each date (extended hours included). */
function minuteBars(dates: string[]): BarColumns {
  const ts: bigint[] = [];
  for (const d of dates) for (let m = 4 * 60; m < 20 * 60; m++) ts.push(newYorkToUtcNs(d, 0, m));
  const b = emptyBars('TEST', '1Min', ts.length);
  ts.forEach((t, i) => {
    b.ts[i] = t;
    b.open[i] = i;
    b.high[i] = i + 0.5;
    b.low[i] = i - 0.5;
    b.close[i] = i + 0.25;
    b.volume[i] = 1;
    b.vwap[i] = i;
    b.tradeCount[i] = 2;
  });
  return b;
}

const DATES = ['2024-03-08', '2024-03-11', '2024-07-03', '2024-07-04', '2024-11-29'];
const src = minuteBars(DATES);

function bars(tf: Timeframe) {
  const out = resampleBars(src, tf);
  return Array.from(out.ts, (t, i) => ({ ts: iso(t), open: out.open[i], high: out.high[i], low: out.low[i], close: out.close[i], volume: out.volume[i], tradeCount: out.tradeCount[i] }));
}

describe('session-aware resampling', () => {
  it('makes one daily bar per session, stamped at midnight New York, skipping the holiday', () => {
    const d = bars('1Day');
    expect(d.map((b) => b.ts)).toEqual([
      '2024-03-08T05:00:00.000Z', // EST
      '2024-03-11T04:00:00.000Z', // EDT, the day after the clocks changed
      '2024-07-03T04:00:00.000Z',
      '2024-11-29T05:00:00.000Z',
    ]);
    // Full sessions hold 390 minutes; the two early closes (13:00) hold 210.
    expect(d.map((b) => b.volume)).toEqual([390, 390, 210, 210]);
  });

  it('starts the first 5-minute bar at the open in UTC terms across the DST change', () => {
    const five = bars('5Min');
    const friday = five.filter((b) => b.ts.startsWith('2024-03-08'));
    const monday = five.filter((b) => b.ts.startsWith('2024-03-11'));
    expect(friday[0].ts).toBe('2024-03-08T14:30:00.000Z');
    expect(monday[0].ts).toBe('2024-03-11T13:30:00.000Z');
    expect(friday.length).toBe(78);
    expect(monday.length).toBe(78);
    expect(monday.every((b) => b.volume === 5 && b.tradeCount === 10)).toBe(true);
  });

  it('ends the last bucket at an early close', () => {
    const july3 = bars('5Min').filter((b) => b.ts.startsWith('2024-07-03'));
    expect(july3.length).toBe(42);
    expect(july3.at(-1)!.ts).toBe('2024-07-03T16:55:00.000Z'); // 12:55 EDT
    const hours = bars('1Hour').filter((b) => b.ts.startsWith('2024-11-29'));
    expect(hours.map((b) => [b.ts.slice(11, 16), b.volume])).toEqual([['14:30', 60], ['15:30', 60], ['16:30', 60], ['17:30', 30]]);
  });

  it('never lets a bar span the overnight gap or start outside a session', () => {
    for (const tf of ['5Min', '15Min', '1Hour'] as const) {
      const out = resampleBars(src, tf);
      for (let i = 0; i < out.ts.length; i++) {
        const s = sessionAt(out.ts[i]);
        expect(s, `${tf} bar at ${iso(out.ts[i])}`).toBeDefined();
      }
      const last = bars(tf).filter((b) => b.ts.startsWith('2024-03-08')).at(-1)!;
      // 15:55/15:45/15:30 EST is the last bucket of Friday; Monday's first opens fresh.
      expect(new Date(last.ts).getTime()).toBeLessThan(Date.parse('2024-03-08T21:00:00Z'));
    }
  });

  it('keeps open/high/low/close/volume consistent with the minutes inside the bucket', () => {
    const r = new BarResampler('TEST', '15Min');
    const half = 500;
    const a = r.push({ ...src, ts: src.ts.subarray(0, half), open: src.open.subarray(0, half), high: src.high.subarray(0, half), low: src.low.subarray(0, half), close: src.close.subarray(0, half), volume: src.volume.subarray(0, half), vwap: src.vwap.subarray(0, half), tradeCount: src.tradeCount.subarray(0, half) });
    const b = r.push({ ...src, ts: src.ts.subarray(half), open: src.open.subarray(half), high: src.high.subarray(half), low: src.low.subarray(half), close: src.close.subarray(half), volume: src.volume.subarray(half), vwap: src.vwap.subarray(half), tradeCount: src.tradeCount.subarray(half) });
    const c = r.flush();
    const whole = resampleBars(src, '15Min');
    expect([...a.close, ...b.close, ...c.close]).toEqual([...whole.close]);
    expect(r.outsideSession).toBe(src.ts.length - (390 * 2 + 210 * 2));
    const first = whole.ts[0];
    const i0 = src.ts.indexOf(first);
    expect(whole.open[0]).toBe(src.open[i0]);
    expect(whole.high[0]).toBe(src.high[i0 + 14]);
    expect(whole.low[0]).toBe(src.low[i0]);
    expect(whole.close[0]).toBe(src.close[i0 + 14]);
    expect(whole.ts[1] - whole.ts[0]).toBe(15n * MIN);
  });
});
