// Where the simulator's prices come from: a small pluggable interface with a deterministic
// synthetic source (seeded random walk) and a replay source fed with bar columns.

import { MINUTE_MS, dateOfDayNumber, dayNumber, etDate, sessionOn } from './time';

export type AssetClass = 'us_equity' | 'crypto';

export interface SymbolInfo {
  symbol: string;
  assetClass: AssetClass;
  name: string;
  exchange: string;
}

/** One-minute bar; `t` is the bar's start time in UTC ms (Alpaca labels bars by their start). */
export interface MinuteBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  vw: number;
}

/** Alpaca's price adjustments for historical bars: raw prints, or adjusted for splits, dividends or both. */
export type PriceAdjustment = 'raw' | 'split' | 'dividend' | 'all';

export interface MarketDataSource {
  symbols(): readonly SymbolInfo[];
  /**
   * Minute bars of `symbol` with from <= t < to, ascending. `adjustment` (default raw) is for
   * historical REST bars only; a source without corporate actions returns raw bars for any.
   */
  minuteBars(symbol: string, fromMs: number, toMs: number, adjustment?: PriceAdjustment): MinuteBar[];
  /** The latest minute bar with t < beforeMs, if any within the source. */
  lastBarBefore(symbol: string, beforeMs: number): MinuteBar | undefined;
}

// --- synthetic -------------------------------------------------------------------------------

export interface SyntheticSourceOptions {
  seed?: number;
  symbols?: readonly SymbolInfo[];
  /** Starting price level per symbol; unknown symbols start near 100. */
  basePrices?: Readonly<Record<string, number>>;
}

export const DEFAULT_SYMBOLS: readonly SymbolInfo[] = [
  { symbol: 'SPY', assetClass: 'us_equity', name: 'SPDR S&P 500 ETF Trust', exchange: 'ARCA' },
  { symbol: 'AAPL', assetClass: 'us_equity', name: 'Apple Inc. Common Stock', exchange: 'NASDAQ' },
  { symbol: 'MSFT', assetClass: 'us_equity', name: 'Microsoft Corporation Common Stock', exchange: 'NASDAQ' },
  { symbol: 'QQQ', assetClass: 'us_equity', name: 'Invesco QQQ Trust', exchange: 'NASDAQ' },
  { symbol: 'FAKEPACA', assetClass: 'us_equity', name: 'Alpaca test symbol', exchange: 'NASDAQ' },
  { symbol: 'BTC/USD', assetClass: 'crypto', name: 'Bitcoin / US Dollar', exchange: 'CRYPTO' },
  { symbol: 'ETH/USD', assetClass: 'crypto', name: 'Ethereum / US Dollar', exchange: 'CRYPTO' },
];

const DEFAULT_BASE: Record<string, number> = {
  SPY: 470, AAPL: 185, MSFT: 370, QQQ: 400, FAKEPACA: 130, 'BTC/USD': 42000, 'ETH/USD': 2300,
};

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: tiny, fast and good enough for prices that only need to look plausible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 10000) / 10000;

/** Epoch of the daily walk; prices before it are not generated. */
const WALK_EPOCH_DAY = dayNumber('2000-01-01');
const WALK_ANCHOR = dayNumber('2024-01-02') - WALK_EPOCH_DAY;

export class SyntheticSource implements MarketDataSource {
  private readonly seed: number;
  private readonly infos: readonly SymbolInfo[];
  private readonly byName = new Map<string, SymbolInfo>();
  private readonly base: Record<string, number>;
  private readonly walks = new Map<string, number[]>();
  private readonly dayCache = new Map<string, MinuteBar[]>();

  constructor(options: SyntheticSourceOptions = {}) {
    this.seed = options.seed ?? 42;
    this.infos = options.symbols ?? DEFAULT_SYMBOLS;
    for (const s of this.infos) this.byName.set(s.symbol, s);
    this.base = { ...DEFAULT_BASE, ...options.basePrices };
  }

  symbols(): readonly SymbolInfo[] {
    return this.infos;
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteBar[] {
    const info = this.byName.get(symbol);
    if (!info || toMs <= fromMs) return [];
    const out: MinuteBar[] = [];
    const first = dayNumber(new Date(fromMs).toISOString().slice(0, 10)) - 1;
    const last = dayNumber(new Date(toMs).toISOString().slice(0, 10)) + 1;
    for (let day = first; day <= last; day++) {
      for (const b of this.dayBars(info, day)) if (b.t >= fromMs && b.t < toMs) out.push(b);
    }
    return out;
  }

  lastBarBefore(symbol: string, beforeMs: number): MinuteBar | undefined {
    const info = this.byName.get(symbol);
    if (!info) return undefined;
    let day = info.assetClass === 'crypto'
      ? Math.floor(beforeMs / 86_400_000)
      : dayNumber(etDate(beforeMs));
    for (let i = 0; i < 15; i++, day--) {
      const bars = this.dayBars(info, day);
      for (let j = bars.length - 1; j >= 0; j--) if (bars[j].t < beforeMs) return bars[j];
    }
    return undefined;
  }

  /** Crypto days are UTC days; stock days are New York trading days with a regular session. */
  private dayBars(info: SymbolInfo, day: number): MinuteBar[] {
    if (day < WALK_EPOCH_DAY) return [];
    const key = `${info.symbol}|${day}`;
    const hit = this.dayCache.get(key);
    if (hit) return hit;
    let start: number, minutes: number;
    if (info.assetClass === 'crypto') {
      start = day * 86_400_000;
      minutes = 1440;
    } else {
      const s = sessionOn(dateOfDayNumber(day));
      if (!s) {
        this.remember(key, []);
        return [];
      }
      start = s.open;
      minutes = Math.round((s.close - s.open) / MINUTE_MS);
    }
    const crypto = info.assetClass === 'crypto';
    const rand = prng(fnv1a(key, this.seed));
    const sigma = crypto ? 0.0009 : 0.0007;
    let price = this.dayOpen(info.symbol, day);
    const bars: MinuteBar[] = new Array(minutes);
    for (let i = 0; i < minutes; i++) {
      const o = price;
      const c = o * Math.exp(sigma * gaussian(rand));
      const wick = sigma * 0.6;
      const h = Math.max(o, c) * (1 + wick * rand());
      const l = Math.min(o, c) * (1 - wick * rand());
      const v = crypto ? round4(0.05 + 4 * rand()) : Math.round(400 + 9600 * rand());
      const n = Math.max(4, Math.round(5 + 45 * rand()));
      const ro = round2(o), rc = round2(c);
      const rh = Math.max(round2(h), ro, rc), rl = Math.min(round2(l), ro, rc);
      bars[i] = { t: start + i * MINUTE_MS, o: ro, h: rh, l: rl, c: rc, v, n, vw: round4((ro + rh + rl + rc) / 4) };
      price = c;
    }
    this.remember(key, bars);
    return bars;
  }

  private remember(key: string, bars: MinuteBar[]): void {
    if (this.dayCache.size > 5000) this.dayCache.clear();
    this.dayCache.set(key, bars);
  }

  /** Day-level random walk from the epoch, so any day is reachable without generating minutes. */
  private dayOpen(symbol: string, day: number): number {
    let walk = this.walks.get(symbol);
    if (!walk) {
      walk = [0];
      this.walks.set(symbol, walk);
    }
    const idx = day - WALK_EPOCH_DAY;
    const need = Math.max(idx, WALK_ANCHOR) + 1;
    if (walk.length < need) {
      // Regenerate from the start: the walk is a pure function of the seed and symbol.
      const rand = prng(fnv1a(`walk|${symbol}`, this.seed));
      walk.length = 1;
      for (let i = 1; i < need + 365; i++) walk.push(walk[i - 1] + 0.012 * gaussian(rand) + 0.0002);
    }
    // Re-centre so the price sits near its base level around the anchor date.
    const anchor = walk[WALK_ANCHOR];
    return (this.base[symbol] ?? 100) * Math.exp(walk[idx] - anchor);
  }
}

// --- combined --------------------------------------------------------------------------------

/**
 * A primary source (the lake) plus the symbols of a fallback source it lacks, e.g. the test
 * stream's FAKEPACA and crypto pairs next to a lake of stocks.
 */
export class CombinedSource implements MarketDataSource {
  private readonly infos: SymbolInfo[];
  private readonly owner = new Map<string, MarketDataSource>();

  constructor(primary: MarketDataSource, fallback: MarketDataSource, onlyFallback?: readonly string[]) {
    for (const s of primary.symbols()) this.owner.set(s.symbol, primary);
    const extra = fallback.symbols().filter((s) => !this.owner.has(s.symbol) && (!onlyFallback || onlyFallback.includes(s.symbol)));
    for (const s of extra) this.owner.set(s.symbol, fallback);
    this.infos = [...primary.symbols(), ...extra];
  }

  symbols(): readonly SymbolInfo[] {
    return this.infos;
  }

  minuteBars(symbol: string, fromMs: number, toMs: number, adjustment?: PriceAdjustment): MinuteBar[] {
    return this.owner.get(symbol)?.minuteBars(symbol, fromMs, toMs, adjustment) ?? [];
  }

  lastBarBefore(symbol: string, beforeMs: number): MinuteBar | undefined {
    return this.owner.get(symbol)?.lastBarBefore(symbol, beforeMs);
  }
}

// --- replay ----------------------------------------------------------------------------------

/** Bar columns for one symbol; `t` holds bar start times in UTC ms (or ns when a BigInt64Array). */
export interface BarColumns {
  t: ArrayLike<number> | BigInt64Array;
  o: ArrayLike<number>;
  h: ArrayLike<number>;
  l: ArrayLike<number>;
  c: ArrayLike<number>;
  v: ArrayLike<number>;
  n?: ArrayLike<number>;
  vw?: ArrayLike<number>;
}

export interface ReplaySymbol {
  info: SymbolInfo;
  /** Raw bars: what the tape printed, what streams and fills use. */
  bars: BarColumns;
  /** The same bars adjusted for corporate actions; a missing variant means it equals raw. */
  adjusted?: Partial<Record<Exclude<PriceAdjustment, 'raw'>, BarColumns>>;
}

const floats = (col: ArrayLike<number>): Float64Array => (col instanceof Float64Array ? col : Float64Array.from(col));

/**
 * One symbol's bars kept as columns (about 64 bytes a bar, against several hundred as objects,
 * which matters for a year of minutes of many symbols); bars are built as they are asked for.
 */
class Series {
  private constructor(
    readonly t: Float64Array,
    private readonly o: Float64Array, private readonly h: Float64Array, private readonly l: Float64Array,
    private readonly c: Float64Array, private readonly v: Float64Array, private readonly n: Float64Array, private readonly vw: Float64Array,
  ) {}

  static of(symbol: string, bars: BarColumns): Series {
    const len = bars.t.length;
    for (const col of [bars.o, bars.h, bars.l, bars.c, bars.v, ...(bars.n ? [bars.n] : []), ...(bars.vw ? [bars.vw] : [])]) {
      if (col.length !== len) throw new Error(`replay columns for ${symbol} differ in length`);
    }
    const t = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const raw = bars.t[i];
      t[i] = typeof raw === 'bigint' ? Number(raw / 1_000_000n) : raw;
      if (i > 0 && t[i] <= t[i - 1]) throw new Error(`replay bars for ${symbol} are not strictly ascending at row ${i}`);
    }
    const o = floats(bars.o), h = floats(bars.h), l = floats(bars.l), c = floats(bars.c);
    const n = new Float64Array(len), vw = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      // Imported files often lack trade counts or VWAP; the lake stores those as NaN.
      n[i] = bars.n && Number.isFinite(bars.n[i]) ? bars.n[i] : 1;
      vw[i] = bars.vw && Number.isFinite(bars.vw[i]) ? bars.vw[i] : (o[i] + h[i] + l[i] + c[i]) / 4;
    }
    return new Series(t, o, h, l, c, floats(bars.v), n, vw);
  }

  get length(): number {
    return this.t.length;
  }

  bar(i: number): MinuteBar {
    return { t: this.t[i], o: this.o[i], h: this.h[i], l: this.l[i], c: this.c[i], v: this.v[i], n: this.n[i], vw: this.vw[i] };
  }

  /** First index with t >= `t`. */
  lowerBound(t: number): number {
    let lo = 0, hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}

export class ReplaySource implements MarketDataSource {
  private readonly infos: SymbolInfo[] = [];
  private readonly data = new Map<string, Series>();
  private readonly adjusted = new Map<string, Series>();

  constructor(series: readonly ReplaySymbol[]) {
    for (const { info, bars, adjusted } of series) {
      const raw = Series.of(info.symbol, bars);
      this.infos.push(info);
      this.data.set(info.symbol, raw);
      for (const [adj, cols] of Object.entries(adjusted ?? {})) {
        if (!cols) continue;
        const alt = Series.of(info.symbol, cols);
        if (alt.length !== raw.length || alt.t.some((t, i) => t !== raw.t[i])) {
          throw new Error(`replay bars for ${info.symbol} adjusted for ${adj} do not have the raw bars' times`);
        }
        this.adjusted.set(`${info.symbol}|${adj}`, alt);
      }
    }
  }

  symbols(): readonly SymbolInfo[] {
    return this.infos;
  }

  minuteBars(symbol: string, fromMs: number, toMs: number, adjustment: PriceAdjustment = 'raw'): MinuteBar[] {
    const rows = (adjustment !== 'raw' ? this.adjusted.get(`${symbol}|${adjustment}`) : undefined) ?? this.data.get(symbol);
    if (!rows) return [];
    const out: MinuteBar[] = [];
    for (let i = rows.lowerBound(fromMs); i < rows.length && rows.t[i] < toMs; i++) out.push(rows.bar(i));
    return out;
  }

  lastBarBefore(symbol: string, beforeMs: number): MinuteBar | undefined {
    const rows = this.data.get(symbol);
    if (!rows) return undefined;
    const i = rows.lowerBound(beforeMs) - 1;
    return i >= 0 ? rows.bar(i) : undefined;
  }
}
