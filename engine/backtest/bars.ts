// Bars for a backtest, read from the workspace lake through its typed-array reader and restamped
// from the lake's bar start times to the close times the engine runs on (daily bars close with
// their NYSE session, early closes included).
import path from 'node:path';
import type { CorporateAction } from '../core/backtest/config';
import { type BarColumns as EngineBars, type BarData, closeTimesForTimeframe } from '../core/backtest/data';
import { TIMEFRAMES, type Timeframe } from '../core/data/bars';
import { Lake } from '../lake/lake';
import type { Adjustment } from '../lake/read';

export interface BarRequest {
  symbols: string[];
  timeframe: Timeframe;
  /** Inclusive, YYYY-MM-DD (New York date) or an ISO instant. */
  from?: string;
  to?: string;
  adjustment?: Adjustment;
}

/** Bad input for a data request (an unknown symbol, an empty range): the message says which. */
export class BarRequestError extends Error {
  override name = 'BarRequestError';
}

export function checkTimeframe(tf: string): Timeframe {
  if (!(TIMEFRAMES as readonly string[]).includes(tf)) throw new BarRequestError(`timeframe '${tf}': expected one of ${TIMEFRAMES.join(', ')}`);
  return tf as Timeframe;
}

/** Reads the bars of each symbol; a symbol with no bars in the range is an error naming it. */
export async function readLakeBars(lakeDir: string, req: BarRequest): Promise<BarData> {
  const lake = await Lake.open(lakeDir);
  try {
    let blocks;
    try {
      blocks = await lake.bars({ symbols: req.symbols, timeframe: req.timeframe, from: req.from, to: req.to, adjustment: req.adjustment ?? 'all' });
    } catch (e) {
      throw new BarRequestError((e as Error).message);
    }
    const data: Record<string, EngineBars> = {};
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k];
      const symbol = req.symbols[k];
      if (b.ts.length === 0) {
        const known = await lake.query(`select symbol, count(*)::double as n from bars where timeframe = $1 group by 1 order by 1`, [req.timeframe]);
        const names = known.rows.map((r) => String(r.symbol));
        const range = req.from !== undefined || req.to !== undefined ? ` between ${req.from ?? 'the start'} and ${req.to ?? 'the end'}` : '';
        throw new BarRequestError(
          `no ${req.timeframe} bars for ${symbol}${range} in ${path.resolve(lakeDir)}` +
            (names.length ? ` (symbols with ${req.timeframe} bars: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ` (the lake has no ${req.timeframe} bars; import some with \`studio lake import\`)`),
        );
      }
      data[symbol] = { ts: closeTimesForTimeframe(b.ts, req.timeframe), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
    }
    return data;
  } finally {
    lake.close();
  }
}

/**
 * The splits and dividends not already folded into bars read with `adjustment` (raw: both; split:
 * dividends; dividend: splits; all: none), for the engine to apply to positions on their ex-dates.
 */
export async function readCorporateActions(lakeDir: string, symbols: readonly string[], adjustment: Adjustment): Promise<CorporateAction[]> {
  const kinds = adjustment === 'raw' ? ['split', 'dividend'] : adjustment === 'split' ? ['dividend'] : adjustment === 'dividend' ? ['split'] : [];
  if (kinds.length === 0 || symbols.length === 0) return [];
  const lake = await Lake.open(lakeDir);
  try {
    const out: CorporateAction[] = [];
    // One query per symbol: the symbol is a bound parameter; the kinds are our own constants.
    for (const symbol of symbols) {
      const r = await lake.query(
        `select epoch_ns(timezone('America/New_York', ex_date::timestamp))::varchar as ex_ns, kind, coalesce(ratio, 0) as ratio, coalesce(cash, 0) as cash
         from corporate_actions where symbol = $1 and kind in (${kinds.map((k) => `'${k}'`).join(', ')}) order by ex_date, kind`,
        [symbol],
      );
      for (const row of r.rows) out.push({ symbol, exNs: BigInt(String(row.ex_ns)), kind: row.kind as CorporateAction['kind'], ratio: Number(row.ratio), cash: Number(row.cash) });
    }
    return out;
  } finally {
    lake.close();
  }
}
