// Market-data REST routes of the simulator (stocks v2 and crypto v1beta3): historical bars,
// trades and quotes with page_token paging, latest values and snapshots, all bounded by the clock.

import { route, type RequestContext, type Route } from './http';
import { bucketStart, parseTimeframe, type Market, type Tick, type Timeframe } from './market';
import { ApiFailure } from './orders';
import type { MinuteBar, PriceAdjustment } from './source';
import { etDate, parseTime, previousSession, rfc3339Nano, rfc3339Seconds } from './time';

const FEEDS = new Set(['iex', 'sip', 'otc', 'boats', 'delayed_sip', 'overnight']);
const ADJUSTMENTS = new Set(['raw', 'split', 'dividend', 'spin-off', 'all']);

// Market-data errors carry only a message, unlike the trading API's `{code, message}`.
const bad = (message: string): ApiFailure => new ApiFailure(400, undefined, message);

export const barJson = (b: MinuteBar): Record<string, unknown> =>
  ({ t: rfc3339Seconds(b.t), o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: b.n, vw: b.vw });

function tradeJson(k: Tick, crypto: boolean): Record<string, unknown> {
  return crypto
    ? { t: rfc3339Nano(k.t), p: k.price, s: k.size, i: k.id, tks: k.takerSide }
    : { t: rfc3339Nano(k.t), x: 'V', p: k.price, s: k.size, c: ['@'], i: k.id, z: 'C' };
}

function quoteJson(k: Tick, crypto: boolean): Record<string, unknown> {
  return crypto
    ? { t: rfc3339Nano(k.t), bp: k.bid, bs: k.bidSize, ap: k.ask, as: k.askSize }
    : { t: rfc3339Nano(k.t), ax: 'V', ap: k.ask, as: k.askSize, bx: 'V', bp: k.bid, bs: k.bidSize, c: ['R'], z: 'C' };
}

interface PageQuery {
  symbols: string[];
  start: number;
  end: number;
  limit: number;
  asc: boolean;
  token: { symbol: string; t: number } | undefined;
}

export function encodePageToken(symbol: string, t: number): string {
  return Buffer.from(`${symbol}|${rfc3339Nano(t)}`).toString('base64');
}

function decodePageToken(text: string): { symbol: string; t: number } {
  const raw = Buffer.from(text, 'base64').toString('utf8');
  const bar = raw.lastIndexOf('|');
  const t = bar > 0 ? Date.parse(raw.slice(bar + 1)) : Number.NaN;
  if (Number.isNaN(t)) throw bad('invalid page_token');
  return { symbol: raw.slice(0, bar), t };
}

function pageQuery(ctx: RequestContext, symbols: string[], now: number): PageQuery {
  const q = ctx.query;
  const time = (name: string, fallback: number): number => {
    const raw = q.get(name);
    if (raw === null || raw === '') return fallback;
    const ms = parseTime(raw);
    if (Number.isNaN(ms)) throw bad(`invalid ${name}: ${raw}`);
    return ms;
  };
  const [y, m, d] = etDate(now).split('-').map(Number);
  const start = time('start', Date.UTC(y, m - 1, d));
  const end = time('end', now);
  if (end < start) throw new ApiFailure(422, undefined, 'end should not be before start');
  const limitRaw = q.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? 1000 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw bad(`invalid limit: ${limitRaw}`);
  const feed = q.get('feed');
  if (feed !== null && feed !== '' && !FEEDS.has(feed)) throw bad(`invalid feed: ${feed}`);
  const sort = q.get('sort') ?? 'asc';
  if (sort !== 'asc' && sort !== 'desc') throw bad(`invalid sort: ${sort}`);
  const tokenText = q.get('page_token');
  const token = tokenText ? decodePageToken(tokenText) : undefined;
  const sorted = [...new Set(symbols)].sort();
  if (token && !sorted.includes(token.symbol)) throw bad('invalid page_token');
  return { symbols: sorted, start, end, limit, asc: sort === 'asc', token };
}

/** Pages over symbol-sorted, time-sorted items; `limit` counts items across all symbols. */
function paginate<T>(pq: PageQuery, fetch: (symbol: string) => T[], timeOf: (x: T) => number): { bySymbol: Map<string, T[]>; next: string | null } {
  const bySymbol = new Map<string, T[]>();
  let count = 0;
  const first = pq.token ? pq.symbols.indexOf(pq.token.symbol) : 0;
  for (let i = first; i < pq.symbols.length; i++) {
    const symbol = pq.symbols[i];
    let items = fetch(symbol);
    if (!pq.asc) items = items.slice().reverse();
    if (i === first && pq.token) {
      const after = pq.token.t;
      items = items.filter((x) => (pq.asc ? timeOf(x) > after : timeOf(x) < after));
    }
    for (const item of items) {
      if (count === pq.limit) {
        const prev = [...bySymbol.entries()].pop() as [string, T[]];
        return { bySymbol, next: encodePageToken(prev[0], timeOf(prev[1][prev[1].length - 1])) };
      }
      let list = bySymbol.get(symbol);
      if (!list) bySymbol.set(symbol, (list = []));
      list.push(item);
      count++;
    }
  }
  return { bySymbol, next: null };
}

function symbolsParam(ctx: RequestContext): string[] {
  const raw = ctx.query.get('symbols');
  if (!raw) throw bad('missing symbols');
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function timeframeParam(ctx: RequestContext): Timeframe {
  const raw = ctx.query.get('timeframe');
  if (!raw) throw bad('missing timeframe');
  const tf = parseTimeframe(raw);
  if (!tf) throw bad(`invalid timeframe: ${raw}`);
  adjustmentParam(ctx);
  return tf;
}

/**
 * Alpaca takes one adjustment or a comma-separated set. Spin-offs are accepted and change
 * nothing: the lake records splits and dividends only.
 */
function adjustmentParam(ctx: RequestContext): PriceAdjustment {
  const raw = ctx.query.get('adjustment');
  if (raw === null || raw === '') return 'raw';
  const parts = raw.split(',').map((a) => a.trim());
  if (!parts.every((a) => ADJUSTMENTS.has(a))) throw bad(`invalid adjustment: ${raw}`);
  const split = parts.includes('split') || parts.includes('all');
  const dividend = parts.includes('dividend') || parts.includes('all');
  return split && dividend ? 'all' : split ? 'split' : dividend ? 'dividend' : 'raw';
}

interface Kind {
  key: 'bars' | 'trades' | 'quotes';
  fetch: (market: Market, symbol: string, pq: PageQuery, ctx: RequestContext) => { t: number; json: Record<string, unknown> }[];
}

function kinds(crypto: boolean): Record<'bars' | 'trades' | 'quotes', Kind> {
  return {
    bars: {
      key: 'bars',
      fetch: (market, symbol, pq, ctx) => {
        const tf = timeframeParam(ctx);
        // Skip what earlier pages served: the token's bar starts its bucket, so fetch from there.
        const from = pq.token && pq.asc && pq.token.symbol === symbol ? Math.max(pq.start, pq.token.t) : pq.start;
        return market.bars(symbol, tf, from, pq.end, adjustmentParam(ctx)).map((b) => ({ t: b.t, json: barJson(b) }));
      },
    },
    trades: {
      key: 'trades',
      fetch: (market, symbol, pq) => market.ticksBetween(symbol, pq.start - 1, pq.end - 1).map((k) => ({ t: k.t, json: tradeJson(k, crypto) })),
    },
    quotes: {
      key: 'quotes',
      fetch: (market, symbol, pq) => market.ticksBetween(symbol, pq.start - 1, pq.end - 1).map((k) => ({ t: k.t, json: quoteJson(k, crypto) })),
    },
  };
}

function historical(market: Market, now: () => number, kind: Kind, crypto: boolean, single: boolean) {
  return (ctx: RequestContext, params: string[]) => {
    const symbols = single ? [params[0]] : symbolsParam(ctx);
    if (kind.key === 'bars') timeframeParam(ctx);
    const pq = pageQuery(ctx, symbols, now());
    const known = (s: string): boolean => {
      const info = market.info(s);
      return info !== undefined && (info.assetClass === 'crypto') === crypto;
    };
    const { bySymbol, next } = paginate(pq, (s) => (known(s) ? kind.fetch(market, s, pq, ctx) : []), (x) => x.t);
    if (single) {
      return { status: 200, body: { [kind.key]: (bySymbol.get(params[0]) ?? []).map((x) => x.json), symbol: params[0], next_page_token: next } };
    }
    const out: Record<string, unknown[]> = {};
    for (const [s, items] of bySymbol) out[s] = items.map((x) => x.json);
    return { status: 200, body: { [kind.key]: out, next_page_token: next, ...(crypto ? {} : { currency: 'USD' }) } };
  };
}

function dailyBars(market: Market, symbol: string, now: number): { daily?: MinuteBar; prev?: MinuteBar } {
  const info = market.info(symbol);
  if (!info) return {};
  const dayStart = info.assetClass === 'crypto' ? Math.floor(now / 86_400_000) * 86_400_000 : previousSession(now).open;
  const day = (from: number, to: number): MinuteBar | undefined => {
    const bars = market.completedMinuteBars(symbol, from, to);
    if (bars.length === 0) return undefined;
    const v = bars.reduce((a, b) => a + b.v, 0);
    return {
      t: bucketStart({ n: 1, unit: 'Day' }, from), o: bars[0].o, c: bars[bars.length - 1].c, h: Math.max(...bars.map((b) => b.h)), l: Math.min(...bars.map((b) => b.l)),
      v, n: bars.reduce((a, b) => a + b.n, 0), vw: v > 0 ? Math.round((bars.reduce((a, b) => a + b.vw * b.v, 0) / v) * 10000) / 10000 : bars[0].vw,
    };
  };
  const prevStart = info.assetClass === 'crypto' ? dayStart - 86_400_000 : previousSession(dayStart - 1).open;
  return { daily: day(dayStart, now + 1), prev: day(prevStart, dayStart) };
}

function snapshot(market: Market, symbol: string, now: number, crypto: boolean): Record<string, unknown> | undefined {
  const tick = market.lastTick(symbol);
  if (!tick) return undefined;
  const minute = market.lastBar(symbol);
  const { daily, prev } = dailyBars(market, symbol, now);
  return {
    latestTrade: tradeJson(tick, crypto),
    latestQuote: quoteJson(tick, crypto),
    minuteBar: minute ? barJson(minute) : undefined,
    dailyBar: daily ? barJson(daily) : undefined,
    prevDailyBar: prev ? barJson(prev) : undefined,
  };
}

export function dataRoutes(market: Market, now: () => number): Route[] {
  const routes: Route[] = [];
  for (const crypto of [false, true]) {
    const k = kinds(crypto);
    const base = crypto ? '\\/v1beta3\\/crypto\\/[a-z0-9-]+' : '\\/v2\\/stocks';
    const known = (s: string): boolean => (market.info(s)?.assetClass === 'crypto') === crypto;
    for (const kind of Object.values(k)) {
      routes.push(route('GET', new RegExp(`^${base}\\/${kind.key}$`), historical(market, now, kind, crypto, false)));
      if (!crypto) routes.push(route('GET', new RegExp(`^${base}\\/([^/]+)\\/${kind.key}$`), historical(market, now, kind, crypto, true)));
    }
    const latest = (key: 'trades' | 'quotes' | 'bars', s: string): Record<string, unknown> | undefined => {
      if (!known(s)) return undefined;
      if (key === 'bars') { const b = market.lastBar(s); return b ? barJson(b) : undefined; }
      const tick = market.lastTick(s);
      return tick ? (key === 'trades' ? tradeJson(tick, crypto) : quoteJson(tick, crypto)) : undefined;
    };
    const singular = { trades: 'trade', quotes: 'quote', bars: 'bar' } as const;
    for (const key of ['trades', 'quotes', 'bars'] as const) {
      const multi = crypto ? new RegExp(`^${base}\\/latest\\/${key}$`) : new RegExp(`^${base}\\/${key}\\/latest$`);
      routes.push(route('GET', multi, (ctx) => {
        const out: Record<string, unknown> = {};
        for (const s of symbolsParam(ctx)) { const v = latest(key, s); if (v) out[s] = v; }
        return { status: 200, body: { [key]: out } };
      }));
      if (!crypto) {
        routes.push(route('GET', new RegExp(`^${base}\\/([^/]+)\\/${key}\\/latest$`), (_ctx, [s]) => {
          const v = latest(key, s);
          if (!v) throw new ApiFailure(404, undefined, `no ${singular[key]} found for ${s}`);
          return { status: 200, body: { symbol: s, [singular[key]]: v } };
        }));
      }
    }
    routes.push(route('GET', new RegExp(`^${base}\\/snapshots$`), (ctx) => {
      const out: Record<string, unknown> = {};
      for (const s of symbolsParam(ctx)) { const snap = known(s) ? snapshot(market, s, now(), crypto) : undefined; if (snap) out[s] = snap; }
      return { status: 200, body: crypto ? { snapshots: out } : out };
    }));
    if (!crypto) {
      routes.push(route('GET', new RegExp(`^${base}\\/([^/]+)\\/snapshot$`), (_ctx, [s]) => {
        const snap = known(s) ? snapshot(market, s, now(), crypto) : undefined;
        if (!snap) throw new ApiFailure(404, undefined, `no snapshot found for ${s}`);
        return { status: 200, body: { symbol: s, ...snap } };
      }));
    }
  }
  return routes;
}
