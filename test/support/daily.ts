// The shared daily price files (../shared/data, Yahoo-style CSV) as backtest bar columns.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BarColumns } from '../../engine/core/backtest/data';

/** Yahoo-style daily CSV → columns, each bar stamped at 21:00 UTC (the 16:00 New York close in winter). */
export function loadDailyCsv(file: string): { cols: BarColumns; dates: string[] } {
  const path = fileURLToPath(new URL(`../../../shared/data/${file}`, import.meta.url));
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const n = rows.length;
  const cols = {
    ts: new BigInt64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  rows.forEach((r, i) => {
    const [y, m, d] = r[0].split('-').map(Number);
    cols.ts[i] = BigInt(Date.UTC(y, m - 1, d, 21)) * 1_000_000n;
    cols.open[i] = Number(r[1]);
    cols.high[i] = Number(r[2]);
    cols.low[i] = Number(r[3]);
    cols.close[i] = Number(r[4]);
    cols.volume[i] = Number(r[6]);
  });
  return { cols, dates: rows.map((r) => r[0]) };
}

