// The workspace lake as the simulator's market: every symbol's 1-minute bars, read once as
// typed-array columns and replayed through ReplaySource, plus their split/dividend-adjusted
// versions from the lake's own read-time adjustment for historical requests that ask for them.

import fs from 'node:fs';
import path from 'node:path';
import { Lake } from '../lake/lake';
import { manifestPath } from '../lake/manifest';
import type { BarColumns } from '../core/data/bars';
import { ReplaySource, type BarColumns as ReplayColumns, type PriceAdjustment, type ReplaySymbol, type SymbolInfo } from './source';

export interface LakeReplay {
  source: ReplaySource;
  symbols: string[];
  bars: number;
  /** Start of the first and last bar replayed, UTC ms. */
  firstMs: number;
  lastMs: number;
}

const ADJUSTED: readonly Exclude<PriceAdjustment, 'raw'>[] = ['split', 'dividend', 'all'];

const columns = (b: BarColumns): ReplayColumns => ({ t: b.ts, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, n: b.tradeCount, vw: b.vwap });

const samePrices = (a: BarColumns, b: BarColumns): boolean =>
  a.ts.length === b.ts.length && a.close.every((c, i) => Object.is(c, b.close[i]) && Object.is(a.volume[i], b.volume[i]));

/**
 * Raw (unadjusted) prices, as the market printed them and as Alpaca streams them; historical
 * REST bars can also be had adjusted, by every corporate action the lake records (as Alpaca
 * adjusts by every action it knows today, future ones included). Returns null
 * when the lake has no 1-minute bars (or no lake exists), so the caller can fall back to
 * generated data; throws when it has some but none at or after `from`.
 */
export async function loadLakeReplay(lakeDir: string, from?: string): Promise<LakeReplay | null> {
  // Opening a Lake creates its folder; a workspace without one has nothing to replay.
  if (!fs.existsSync(manifestPath(lakeDir))) return null;
  const lake = await Lake.open(lakeDir);
  try {
    const listed = await lake.query(`select distinct symbol from bars where timeframe = '1Min' order by symbol`);
    const symbols = listed.rows.map((r) => String(r.symbol));
    if (symbols.length === 0) return null;
    const blocks = (await lake.bars({ symbols, timeframe: '1Min', from, adjustment: 'raw' })).filter((b) => b.ts.length > 0);
    if (blocks.length === 0) throw new Error(`the lake's 1Min bars (${symbols.join(', ')}) all end before ${from}`);
    const withActions = new Set((await lake.query(`select distinct symbol from corporate_actions`)).rows.map((r) => String(r.symbol)));
    let firstMs = Infinity, lastMs = -Infinity, bars = 0;
    const series: ReplaySymbol[] = [];
    for (const b of blocks) {
      firstMs = Math.min(firstMs, Number(b.ts[0] / 1_000_000n));
      lastMs = Math.max(lastMs, Number(b.ts[b.ts.length - 1] / 1_000_000n));
      bars += b.ts.length;
      const info: SymbolInfo = {
        symbol: b.symbol,
        assetClass: b.symbol.includes('/') ? 'crypto' : 'us_equity',
        name: b.symbol,
        // The lake does not record listings; any exchange Alpaca lists will do for a paper asset.
        exchange: b.symbol.includes('/') ? 'CRYPTO' : 'NASDAQ',
      };
      const adjusted: ReplaySymbol['adjusted'] = {};
      if (withActions.has(b.symbol)) {
        // The lake's reader applies the adjustment (engine/lake/read.ts); variants that come out
        // equal to the raw bars (a symbol with only dividends, asked for splits) are not kept.
        for (const adj of ADJUSTED) {
          const [alt] = await lake.bars({ symbols: [b.symbol], timeframe: '1Min', from, adjustment: adj });
          if (!samePrices(alt, b)) adjusted[adj] = columns(alt);
        }
      }
      series.push({ info, bars: columns(b), adjusted });
    }
    return { source: new ReplaySource(series), symbols: blocks.map((b) => b.symbol), bars, firstMs, lastMs };
  } finally {
    lake.close();
  }
}

export function lakeDirOf(workspaceDir: string): string {
  return path.join(workspaceDir, 'lake');
}
