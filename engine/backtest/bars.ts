// Bars for a backtest, read from the workspace lake through its typed-array reader and restamped
// from the lake's bar start times to the close times the engine runs on (daily bars close with
// their NYSE session, early closes included).
import path from 'node:path';
import type { CorporateAction } from '../core/backtest/config';
import { type BarColumns as EngineBars, type BarData, closeTimesForTimeframe } from '../core/backtest/data';
import { TIMEFRAMES, type Timeframe } from '../core/data/bars';
import { Lake } from '../lake/lake';
import { type Adjustment, boundNs } from '../lake/read';
import { addDays } from '../core/calendar/dates';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

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
    return await barsFrom(lake, lakeDir, req, false);
  } finally {
    lake.close();
  }
}

/** The bars of an open lake, restamped to close times; `allowMissing` leaves out symbols without bars. */
async function barsFrom(lake: Lake, lakeDir: string, req: BarRequest, allowMissing: boolean): Promise<BarData> {
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
    if (b.ts.length === 0 && allowMissing) continue;
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
}

/**
 * The bars of a request in windows of `chunkDays` New York dates, one lake read per window, for
 * a streamed backtest: a window holds every symbol's bars of its dates, windows follow each other
 * in time and never split a date (which is what runBacktestStream asks of its chunks), and only
 * one window is held at a time. Also says how many bars there are in all, for progress.
 */
export async function lakeBarWindows(lakeDir: string, req: BarRequest, chunkDays: number): Promise<{ totalBars: number; windows: AsyncGenerator<BarData> }> {
  if (!(Number.isInteger(chunkDays) && chunkDays >= 1)) throw new BarRequestError(`--chunk-days ${chunkDays}: expected an integer >= 1`);
  const lake = await Lake.open(lakeDir);
  let range;
  try {
    const marks = req.symbols.map((_, k) => `$${k + 2}`).join(', ');
    const bounds = [req.from !== undefined ? ` and ts >= $${req.symbols.length + 2}::timestamptz` : '', req.to !== undefined ? ` and ts < $${req.symbols.length + 3}::timestamptz` : ''].join('');
    const params: unknown[] = [req.timeframe, ...req.symbols];
    if (req.from !== undefined) params.push(new Date(Number(boundNs(req.from, false) / 1_000_000n)).toISOString());
    if (req.to !== undefined) params.push(new Date(Number(boundNs(req.to, true) / 1_000_000n)).toISOString());
    const r = await lake.query(
      `select count(*)::double as n, strftime(min(ts) at time zone 'America/New_York', '%Y-%m-%d') as lo, strftime(max(ts) at time zone 'America/New_York', '%Y-%m-%d') as hi
       from bars where timeframe = $1 and symbol in (${marks})${bounds}`,
      params,
    );
    range = r.rows[0];
  } finally {
    lake.close();
  }
  const totalBars = Number(range?.n ?? 0);
  if (totalBars === 0 || typeof range?.lo !== 'string' || typeof range.hi !== 'string') {
    throw new BarRequestError(`no ${req.timeframe} bars for ${req.symbols.join(', ')} in ${path.resolve(lakeDir)}${req.from !== undefined || req.to !== undefined ? ` between ${req.from ?? 'the start'} and ${req.to ?? 'the end'}` : ''}`);
  }
  const first = req.from !== undefined && DATE_ONLY.test(req.from) && req.from > range.lo ? req.from : range.lo;
  const last = range.hi;
  async function* windows(): AsyncGenerator<BarData> {
    const windowLake = await Lake.open(lakeDir);
    try {
      for (let d = first; d <= last; d = addDays(d, chunkDays)) {
        const end = addDays(d, chunkDays - 1);
        // The request's own bounds still apply inside the first and last window.
        const from = req.from !== undefined && d === first ? req.from : d;
        const to = req.to !== undefined && end >= last ? req.to : end;
        yield await barsFrom(windowLake, lakeDir, { ...req, from, to }, true);
      }
    } finally {
      windowLake.close();
    }
  }
  return { totalBars, windows: windows() };
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
