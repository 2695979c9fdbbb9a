// The simulated market seen at the simulator clock: trades and quotes derived from minute bars,
// the latest price of every symbol, and bars aggregated to Alpaca's timeframes. Nothing after
// the clock is ever visible: a minute bar exists only once its minute has ended.

import type { AssetClass, MarketDataSource, MinuteBar, PriceAdjustment, SymbolInfo } from './source';
import { MINUTE_MS, etDate, etToUtc } from './time';

/** One synthetic trade with the quote standing at that moment. */
export interface Tick {
  symbol: string;
  t: number;
  id: number;
  price: number;
  size: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  /** Crypto taker side. */
  takerSide: 'B' | 'S';
}

/** Where inside its minute each derived trade happens; the last one prints the bar's close. */
const TICK_OFFSETS = [1_000, 20_000, 40_000, 59_000];

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function ticksOfBar(info: SymbolInfo, bar: MinuteBar): Tick[] {
  const up = bar.c >= bar.o;
  const prices = [bar.o, up ? bar.l : bar.h, up ? bar.h : bar.l, bar.c];
  const crypto = info.assetClass === 'crypto';
  const sizes = splitVolume(bar.v, crypto);
  const baseId = Math.floor(bar.t / MINUTE_MS) * 4;
  return TICK_OFFSETS.map((off, k) => {
    const p = prices[k];
    const half = Math.max(0.01, round2(p * (crypto ? 0.0001 : 0.00005)));
    const lots = 1 + ((baseId + k) * 7919) % 9;
    return {
      symbol: info.symbol,
      t: bar.t + off,
      id: baseId + k,
      price: p,
      size: sizes[k],
      bid: round2(p - half),
      ask: round2(p + half),
      bidSize: crypto ? lots / 10 : lots,
      askSize: crypto ? (10 - lots) / 10 : 10 - lots,
      takerSide: k % 2 === 0 ? 'B' : 'S',
    };
  });
}

function splitVolume(v: number, fractional: boolean): number[] {
  if (fractional) {
    const q = Math.round((v / 4) * 1e6) / 1e6;
    return [q, q, q, Math.round((v - 3 * q) * 1e6) / 1e6];
  }
  const q = Math.floor(v / 4);
  return [q, q, q, v - 3 * q];
}

// --- timeframes ------------------------------------------------------------------------------

export type TimeframeUnit = 'Min' | 'Hour' | 'Day' | 'Week' | 'Month';
export interface Timeframe { n: number; unit: TimeframeUnit }

/** Parses Alpaca's timeframe strings (`5Min`, `1Hour`, `1Day`, `1Week`, `3Month`, and `5T`/`1H`/`1D`/`1W`/`1M`). */
export function parseTimeframe(text: string): Timeframe | undefined {
  const m = /^(\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = ({ Min: 'Min', T: 'Min', Hour: 'Hour', H: 'Hour', Day: 'Day', D: 'Day', Week: 'Week', W: 'Week', Month: 'Month', M: 'Month' } as const)[m[2] as 'Min'];
  const ok = unit === 'Min' ? n >= 1 && n <= 59
    : unit === 'Hour' ? n >= 1 && n <= 23
    : unit === 'Month' ? [1, 2, 3, 6, 12].includes(n)
    : n === 1;
  return ok ? { n, unit } : undefined;
}

/** Start of the bucket holding minute `t`; day-based buckets start at midnight New York time. */
export function bucketStart(tf: Timeframe, t: number): number {
  switch (tf.unit) {
    case 'Min': return Math.floor(t / (tf.n * MINUTE_MS)) * tf.n * MINUTE_MS;
    case 'Hour': return Math.floor(t / (tf.n * 3_600_000)) * tf.n * 3_600_000;
    default: {
      const [y, m, d] = etDate(t).split('-').map(Number);
      if (tf.unit === 'Day') return etToUtc(y, m, d, 0, 0);
      if (tf.unit === 'Week') {
        const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
        const monday = new Date(Date.UTC(y, m - 1, d - ((dow + 6) % 7)));
        return etToUtc(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0);
      }
      const month0 = Math.floor((m - 1) / tf.n) * tf.n;
      return etToUtc(y, month0 + 1, 1, 0, 0);
    }
  }
}

export function aggregate(tf: Timeframe, minutes: readonly MinuteBar[]): MinuteBar[] {
  if (tf.unit === 'Min' && tf.n === 1) return minutes.slice();
  const out: MinuteBar[] = [];
  let cur: MinuteBar | undefined;
  let pv = 0;
  for (const b of minutes) {
    const start = bucketStart(tf, b.t);
    if (!cur || cur.t !== start) {
      if (cur) cur.vw = cur.v > 0 ? Math.round((pv / cur.v) * 10000) / 10000 : cur.vw;
      cur = { t: start, o: b.o, h: b.h, l: b.l, c: b.c, v: 0, n: 0, vw: b.vw };
      pv = 0;
      out.push(cur);
    }
    cur.h = Math.max(cur.h, b.h);
    cur.l = Math.min(cur.l, b.l);
    cur.c = b.c;
    cur.v += b.v;
    cur.n += b.n;
    pv += b.vw * b.v;
  }
  if (cur) cur.vw = cur.v > 0 ? Math.round((pv / cur.v) * 10000) / 10000 : cur.vw;
  return out;
}

// --- the market at the clock -----------------------------------------------------------------

export class Market {
  private readonly infos = new Map<string, SymbolInfo>();

  constructor(readonly source: MarketDataSource, private readonly now: () => number) {
    for (const s of source.symbols()) this.infos.set(s.symbol, s);
  }

  info(symbol: string): SymbolInfo | undefined {
    return this.infos.get(symbol);
  }

  symbols(): SymbolInfo[] {
    return [...this.infos.values()];
  }

  assetClass(symbol: string): AssetClass | undefined {
    return this.infos.get(symbol)?.assetClass;
  }

  /** Minute bars that have completed by the clock, with from <= t < to. */
  completedMinuteBars(symbol: string, fromMs: number, toMs: number, adjustment: PriceAdjustment = 'raw'): MinuteBar[] {
    const limit = Math.min(toMs, this.now() - MINUTE_MS + 1);
    return limit > fromMs ? this.source.minuteBars(symbol, fromMs, limit, adjustment) : [];
  }

  /** Historical bars; longer timeframes aggregate the (adjusted) minute bars. */
  bars(symbol: string, tf: Timeframe, fromMs: number, toMs: number, adjustment: PriceAdjustment = 'raw'): MinuteBar[] {
    // Pull whole buckets so the first aggregated bar is not cut in half by `from`.
    const first = tf.unit === 'Min' && tf.n === 1 ? fromMs : bucketStart(tf, fromMs);
    return aggregate(tf, this.completedMinuteBars(symbol, first, toMs, adjustment)).filter((b) => b.t >= fromMs && b.t < toMs);
  }

  /** Trades printed in (fromMs, toMs], ascending; bounded by the clock. */
  ticksBetween(symbol: string, fromMs: number, toMs: number): Tick[] {
    const info = this.infos.get(symbol);
    const upto = Math.min(toMs, this.now());
    if (!info || upto <= fromMs) return [];
    const firstMinute = Math.floor((fromMs + 1) / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    const out: Tick[] = [];
    for (const b of this.source.minuteBars(symbol, firstMinute, upto + 1)) {
      for (const tick of ticksOfBar(info, b)) if (tick.t > fromMs && tick.t <= upto) out.push(tick);
    }
    return out;
  }

  /** The last trade printed at or before the clock. */
  lastTick(symbol: string): Tick | undefined {
    const info = this.infos.get(symbol);
    if (!info) return undefined;
    const now = this.now();
    const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const cur = this.source.minuteBars(symbol, currentMinute, currentMinute + 1)[0];
    if (cur) {
      const seen = ticksOfBar(info, cur).filter((t) => t.t <= now);
      if (seen.length > 0) return seen[seen.length - 1];
    }
    const prev = this.source.lastBarBefore(symbol, currentMinute);
    if (!prev) return undefined;
    const ticks = ticksOfBar(info, prev);
    return ticks[ticks.length - 1];
  }

  lastPrice(symbol: string): number | undefined {
    return this.lastTick(symbol)?.price;
  }

  /** The latest completed minute bar. */
  lastBar(symbol: string): MinuteBar | undefined {
    return this.source.lastBarBefore(symbol, this.now() - MINUTE_MS + 1);
  }
}

// --- late trades and updated bars --------------------------------------------------------------

/** A late print: the last trade of the minute reaches the tape 30 s after the minute ends. */
export const LATE_REPORT_DELAY_MS = 31_000;

/**
 * Whether a minute's last trade is reported late. About one minute in thirty (xx:17 and xx:47
 * UTC), a fixed rule so tests and replays know where `u` bars come from.
 */
export function hasLateTrade(barStart: number): boolean {
  return Math.floor(barStart / MINUTE_MS) % 30 === 17;
}

/** The bar as first published, before its late trade arrived: ticks 0–2 of the minute only. */
export function preliminaryBar(info: SymbolInfo, bar: MinuteBar): MinuteBar {
  const ticks = ticksOfBar(info, bar).slice(0, 3);
  const v = ticks.reduce((a, t) => a + t.size, 0);
  const vw = v > 0 ? Math.round((ticks.reduce((a, t) => a + t.price * t.size, 0) / v) * 10000) / 10000 : bar.vw;
  return {
    t: bar.t, o: ticks[0].price, h: Math.max(...ticks.map((t) => t.price)), l: Math.min(...ticks.map((t) => t.price)),
    c: ticks[2].price, v: info.assetClass === 'crypto' ? Math.round(v * 1e6) / 1e6 : v, n: Math.max(1, bar.n - 1), vw,
  };
}

/** Limit up/limit down bands around the five-minute average, as the LULD plan sets them. */
export function luldBands(closes: readonly number[], wideWindow: boolean): { up: number; down: number } {
  const ref = closes.reduce((a, c) => a + c, 0) / closes.length;
  // Tier 1: 5 % in the core session, doubled in the first and last quarter hour.
  const pct = wideWindow ? 0.1 : 0.05;
  return { up: round2(ref * (1 + pct)), down: round2(ref * (1 - pct)) };
}
