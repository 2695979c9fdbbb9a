import { describe, expect, it } from 'vitest';
import { smaCross } from '../strategy/examples/index';
import { runBacktest } from './runner';
import { serializeBacktestResult } from './serialize';
import { loadDailyCsv } from '../../../test/support/daily';

const { cols: orcl, dates } = loadDailyCsv('orcl-1995-2014.txt');

/** The sma-cross rules computed the plain way: naive window means, fills at the next open. */
function referenceTrades(fastP: number, slowP: number) {
  const c = orcl.close;
  const mean = (i: number, p: number) => {
    let s = 0;
    for (let j = i - p + 1; j <= i; j++) s += c[j];
    return s / p;
  };
  const trades: { entry: number; exit: number; entryIdx: number; exitIdx: number }[] = [];
  let pos = 0;
  let pending: 'buy' | 'sell' | null = null;
  let entryIdx = -1;
  let prevAbove: boolean | null = null;
  for (let i = 0; i < c.length; i++) {
    if (pending === 'buy') {
      pos = 100;
      entryIdx = i;
    } else if (pending === 'sell') {
      pos = 0;
      trades.push({ entry: orcl.open[entryIdx], exit: orcl.open[i], entryIdx, exitIdx: i });
    }
    pending = null;
    if (i < slowP - 1) continue;
    const above = mean(i, fastP) > mean(i, slowP);
    if (prevAbove !== null && above !== prevAbove) {
      if (above && pos === 0) pending = 'buy';
      else if (!above && pos > 0) pending = 'sell';
    }
    prevAbove = above;
  }
  return { trades, openEntryIdx: pos > 0 ? entryIdx : -1 };
}

describe('golden: sma-cross (10/30, 100 shares) on ORCL daily bars 1995-2014', () => {
  const out = runBacktest({ strategy: smaCross, data: { ORCL: orcl } });
  if (!out.ok) throw new Error(out.error.message);
  const r = out.result;
  const ref = referenceTrades(10, 30);
  const dateOf = (ts: bigint) => new Date(Number(ts / 1_000_000n)).toISOString().slice(0, 10);

  it('takes exactly the trades the rules imply, at the next day open', () => {
    expect(r.trades.length).toBe(ref.trades.length);
    expect(r.trades.map((t) => [dateOf(t.entryTs), t.entryPrice, dateOf(t.exitTs), t.exitPrice])).toEqual(
      ref.trades.map((t) => [dates[t.entryIdx], t.entry, dates[t.exitIdx], t.exit]),
    );
  });

  it('matches the hand-checked first trade', () => {
    // Checked by hand from the CSV: after the 30-bar warm-up the 10-day mean is already above the
    // 30-day one, falls below on 1995-04-04, and crosses back above at the close of 1995-05-11,
    // so the buy fills at the 1995-05-12 open (2.37037). It crosses below on 1995-09-22 (a
    // Friday): the sell fills at the 1995-09-25 open (2.935185).
    const first = r.trades[0];
    expect([dateOf(first.entryTs), first.entryPrice, dateOf(first.exitTs), first.exitPrice, first.qty]).toMatchInlineSnapshot(`
      [
        "1995-05-12",
        2.37037,
        "1995-09-25",
        2.935185,
        100,
      ]
    `);
    expect(first.pnl).toBeCloseTo(100 * (first.exitPrice - first.entryPrice), 9);
  });

  it('ends with equity equal to cash plus the position at the last close', () => {
    const realized = ref.trades.reduce((a, t) => a + 100 * (t.exit - t.entry), 0);
    const open = ref.openEntryIdx >= 0 ? 100 * (orcl.close[orcl.close.length - 1] - orcl.open[ref.openEntryIdx]) : 0;
    expect(r.metrics.finalEquity).toBeCloseTo(100_000 + realized + open, 6);
    expect(r.bars).toBe(5036);
    expect(r.equity.equity.length).toBe(5036);
    expect(r.fills).toBe(2 * ref.trades.length + (ref.openEntryIdx >= 0 ? 1 : 0));
  });

  it('reports the headline metrics', () => {
    const m = r.metrics;
    expect(m.trades).toBe(ref.trades.length);
    expect(m.periodsPerYear).toBeGreaterThan(250);
    expect(m.periodsPerYear).toBeLessThan(254);
    expect(m.maxDrawdown).toBeGreaterThan(0);
    expect(m.winRate).toBeGreaterThan(0);
    expect(m.winRate).toBeLessThan(1);
    expect(Number.isFinite(m.sharpe)).toBe(true);
  });

  it('is reproducible byte for byte', () => {
    const again = runBacktest({ strategy: smaCross, data: { ORCL: orcl } });
    if (!again.ok) throw new Error(again.error.message);
    expect(serializeBacktestResult(again.result)).toBe(serializeBacktestResult(r));
  });

  // Throughput is measured in bench/ (ratios against a same-run baseline), never asserted in tests.
});
