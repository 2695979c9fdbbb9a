// Bar data as the backtest consumes it: per symbol, one typed array per field. Timestamps are
// bar close times in ns (NautilusTrader's convention): a bar is known once its close time passes.

import { type IsoDate, NYSE_FIRST_YEAR, NYSE_LAST_YEAR, newYorkDateOfNs, newYorkToUtcNs, sessionFor } from '../calendar/index';
import type { BarColumnsView } from '../strategy/history';

export interface BarColumns extends BarColumnsView {
  /** Bar close times, ns since the Unix epoch, strictly increasing. */
  readonly ts: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** NaN where unknown: such bars do not cap fills by volume. */
  readonly volume: Float64Array;
}

/** Per-symbol bar columns. */
export type BarData = Readonly<Record<string, BarColumns>>;

/**
 * Sources that stamp bars at their open (Alpaca, most CSVs) convert here: close = open + interval.
 * A daily bar stamped at midnight should instead be given the session's close time.
 */
export function closeTimesFromOpen(openTimes: BigInt64Array, intervalNs: bigint): BigInt64Array {
  const out = new BigInt64Array(openTimes.length);
  for (let i = 0; i < openTimes.length; i++) out[i] = openTimes[i] + intervalNs;
  return out;
}

const NS_PER_MINUTE = 60_000_000_000n;
const BAR_LENGTH_NS = {
  '1Min': NS_PER_MINUTE,
  '5Min': 5n * NS_PER_MINUTE,
  '15Min': 15n * NS_PER_MINUTE,
  '1Hour': 60n * NS_PER_MINUTE,
} as const;

export type LakeTimeframe = keyof typeof BAR_LENGTH_NS | '1Day';

/**
 * Close times for lake bars (engine/core/data), which are stamped at their start. A daily bar,
 * stamped at midnight New York of its session date, closes when that NYSE session closes — 13:00
 * on early-close days. Dates the calendar does not know (before 1990, after 2035, or a bar on a
 * day the exchange was closed) fall back to 16:00 New York.
 */
export function closeTimesForTimeframe(startTimes: BigInt64Array, timeframe: LakeTimeframe): BigInt64Array {
  if (timeframe !== '1Day') return closeTimesFromOpen(startTimes, BAR_LENGTH_NS[timeframe]);
  const out = new BigInt64Array(startTimes.length);
  for (let i = 0; i < startTimes.length; i++) out[i] = sessionCloseNs(newYorkDateOfNs(startTimes[i]));
  return out;
}

function sessionCloseNs(date: IsoDate): bigint {
  const year = Number(date.slice(0, 4));
  const session = year >= NYSE_FIRST_YEAR && year <= NYSE_LAST_YEAR ? sessionFor(date) : undefined;
  return session !== undefined ? session.closeNs : newYorkToUtcNs(date, 16);
}

export interface BarRow {
  ts: bigint;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

/** Builds columns from row objects: convenient for tests and small fixtures. */
/** First index at or after `from` whose time is >= `t` in increasing times `ts` (ts.length if none). */
export function lowerBoundTs(ts: BigInt64Array, t: bigint, from = 0): number {
  let lo = from;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function barColumns(rows: readonly BarRow[]): BarColumns {
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
    cols.ts[i] = r.ts;
    cols.open[i] = r.open;
    cols.high[i] = r.high;
    cols.low[i] = r.low;
    cols.close[i] = r.close;
    cols.volume[i] = r.volume ?? NaN;
  });
  return cols;
}

/** First problem found in the data, naming the symbol, bar and field; null when it is usable. */
export function checkBarData(data: BarData): string | null {
  if (typeof data !== 'object' || data === null) return 'data must map symbols to bar columns';
  const symbols = Object.keys(data);
  if (symbols.length === 0) return 'data has no symbols';
  for (const sym of symbols) {
    const c = data[sym];
    if (sym.length === 0) return 'data has an empty symbol name';
    if (typeof c !== 'object' || c === null) return `${sym}: expected bar columns`;
    if (!(c.ts instanceof BigInt64Array)) return `${sym}: ts must be a BigInt64Array of ns close times`;
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (!(c[f] instanceof Float64Array)) return `${sym}: ${f} must be a Float64Array`;
      if (c[f].length !== c.ts.length) return `${sym}: ${f} has ${c[f].length} values but ts has ${c.ts.length}`;
    }
    const n = c.ts.length;
    if (n === 0) return `${sym}: no bars`;
    // Compared as (signed high, unsigned low) 32-bit words: reading a bigint per bar allocates.
    const w = new Int32Array(c.ts.buffer, c.ts.byteOffset, 2 * n);
    const hiAt = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
    const where = (i: number) => `${sym} bar ${i} (ts ${c.ts[i]})`;
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        const hi = w[2 * i + hiAt];
        const prevHi = w[2 * i - 2 + hiAt];
        if (hi < prevHi || (hi === prevHi && w[2 * i + 1 - hiAt] >>> 0 <= w[2 * i - 1 - hiAt] >>> 0)) {
          return `${where(i)}: timestamps must be strictly increasing (previous ${c.ts[i - 1]})`;
        }
      }
      const o = c.open[i];
      const h = c.high[i];
      const l = c.low[i];
      const cl = c.close[i];
      if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(cl))) return `${where(i)}: open/high/low/close must be finite`;
      if (!(l > 0)) return `${where(i)}: prices must be positive (low ${l})`;
      if (h < Math.max(o, cl) || l > Math.min(o, cl)) return `${where(i)}: high ${h} / low ${l} do not contain open ${o} and close ${cl}`;
      const v = c.volume[i];
      if (v < 0 || v === Infinity) return `${where(i)}: volume must be >= 0 or NaN, got ${v}`;
    }
  }
  return null;
}
