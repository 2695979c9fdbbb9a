// The shared daily price files (../shared/data, Yahoo-style CSV) as backtest bar columns.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BarColumns, barColumns } from '../../engine/core/backtest/data';

/** Yahoo-style daily CSV → columns, each bar stamped at 21:00 UTC (the 16:00 New York close in winter). */
export function loadDailyCsv(file: string): { cols: BarColumns; dates: string[] } {
  const path = fileURLToPath(new URL(`../../../shared/data/${file}`, import.meta.url));
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const cols = barColumns(
    rows.map((r) => {
      const [y, m, d] = r[0].split('-').map(Number);
      return { ts: BigInt(Date.UTC(y, m - 1, d, 21)) * 1_000_000n, open: Number(r[1]), high: Number(r[2]), low: Number(r[3]), close: Number(r[4]), volume: Number(r[6]) };
    }),
  );
  return { cols, dates: rows.map((r) => r[0]) };
}

