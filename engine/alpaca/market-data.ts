// The engine's `MarketData` port on the official SDK: historical bars, trades and quotes paged
// with page_token (resumable from a token, 429s waited out), and a live stream that reconnects
// with backoff, resubscribes, backfills missed bars, trades and quotes over REST, reports every
// reconnect, and builds one-second bars from trades.

import type { streaming } from '@alpacahq/alpaca-trade-api';
import { z } from 'zod';
import { withRetry, type AdapterConnection } from './client';
import { AlpacaError, toAlpacaError } from './errors';
import { SecondBarAggregator } from './second-bars';
import {
  msToNs, wallClock, type Bar, type ConnectionEvent, type MarketEvent, type NsClock, type Quote, type Trade,
} from './events';

export interface HistoryRequest {
  symbols: readonly string[];
  start: Date;
  end?: Date;
  /** Items per page (Alpaca: 1–10000). */
  pageLimit?: number;
  feed?: 'iex' | 'sip' | 'otc' | 'boats';
  /** Resume a fetch interrupted after the page that returned this token. */
  pageToken?: string;
}

export interface BarRequest extends HistoryRequest {
  timeframe: string;
  adjustment?: 'raw' | 'split' | 'dividend' | 'all';
}

export interface Page<T> {
  items: T[];
  /** Token of the next page; persist it to resume. Null on the last page. */
  nextPageToken: string | null;
}

export interface LiveMarketDataOptions {
  feed?: 'iex' | 'sip' | 'delayed_sip' | 'test';
  crypto?: boolean;
  /** First reconnect delay; doubles up to maxReconnectMs, with jitter. */
  initialReconnectMs?: number;
  maxReconnectMs?: number;
  /** Fetch the bars, trades and quotes missed while disconnected over REST after each reconnect. */
  backfill?: boolean;
}

export interface LiveMarketData {
  subscribeBars(symbols: readonly string[]): void;
  /** Trades, with their corrections and cancel/errors (Alpaca sends those with trades). */
  subscribeTrades(symbols: readonly string[]): void;
  subscribeQuotes(symbols: readonly string[]): void;
  subscribeUpdatedBars(symbols: readonly string[]): void;
  subscribeDailyBars(symbols: readonly string[]): void;
  /** Trading statuses (halts, resumptions) and LULD bands; stocks only. */
  subscribeStatuses(symbols: readonly string[]): void;
  subscribeLulds(symbols: readonly string[]): void;
  /** One-second bars aggregated from the symbols' trades (subscribes the trades). */
  subscribeSecondBars(symbols: readonly string[]): void;
  on(listener: (event: MarketEvent | ConnectionEvent) => void): () => void;
  /** Resolves once authenticated; rejects with an AlpacaError when the keys are refused. */
  connect(): Promise<void>;
  close(): void;
}

export interface MarketData {
  barPages(req: BarRequest): AsyncIterable<Page<Bar>>;
  tradePages(req: HistoryRequest): AsyncIterable<Page<Trade>>;
  quotePages(req: HistoryRequest): AsyncIterable<Page<Quote>>;
  live(options?: LiveMarketDataOptions): LiveMarketData;
}

const rawBar = z.object({ t: z.string(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number(), n: z.number().optional(), vw: z.number().optional() });
const rawTrade = z.object({ t: z.string(), p: z.number(), s: z.number(), i: z.union([z.number(), z.string(), z.bigint()]).optional(), x: z.string().optional() });
const rawQuote = z.object({ t: z.string(), bp: z.number(), bs: z.number(), ap: z.number(), as: z.number() });
const symbolMap = <T extends z.ZodType>(item: T) => z.record(z.string(), z.array(item).nullable()).nullable().optional();

/** Nominal timeframe length, used to stamp a bar's close time (months count 30 days). */
export function timeframeMs(tf: string): number {
  const m = /^(\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$/.exec(tf);
  if (!m) throw new Error(`invalid timeframe "${tf}": expected e.g. 1Min, 15Min, 1Hour, 1Day, 1Week, 1Month`);
  const n = Number(m[1]);
  const unit = { Min: 60_000, T: 60_000, Hour: 3_600_000, H: 3_600_000, Day: 86_400_000, D: 86_400_000, Week: 604_800_000, W: 604_800_000, Month: 2_592_000_000, M: 2_592_000_000 }[m[2] as 'Min'];
  return n * unit;
}

/** Parses RFC-3339 with up to nanosecond digits without losing them. */
export function rfc3339ToNs(text: string): bigint {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new Error(`invalid timestamp from Alpaca: ${text}`);
  const secondsMs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secondsMs)) throw new Error(`invalid timestamp from Alpaca: ${text}`);
  return msToNs(secondsMs) + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

const isCrypto = (symbol: string): boolean => symbol.includes('/');

export class AlpacaMarketData implements MarketData {
  constructor(private readonly conn: AdapterConnection, private readonly clock: NsClock = wallClock) {}

  barPages(req: BarRequest): AsyncIterable<Page<Bar>> {
    const len = BigInt(timeframeMs(req.timeframe)) * 1_000_000n;
    return this.pages(req, 'bars', rawBar, async (symbols, crypto, pageToken) => {
      const md = this.conn.sdk.marketData;
      const common = { symbols, timeframe: req.timeframe, start: req.start, end: req.end, limit: req.pageLimit, pageToken };
      const r = crypto
        ? await md.crypto.cryptoBars({ ...common, loc: 'us' })
        : await md.stocks.stockBars({ ...common, feed: req.feed, adjustment: req.adjustment });
      return { data: r.bars, next: r.nextPageToken };
    }, (symbol, b, tsInit) => {
      const start = rfc3339ToNs(b.t);
      return { symbol, start, tsEvent: start + len, tsInit, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw ?? b.c, tradeCount: b.n ?? 0 };
    });
  }

  tradePages(req: HistoryRequest): AsyncIterable<Page<Trade>> {
    return this.pages(req, 'trades', rawTrade, async (symbols, crypto, pageToken) => {
      const md = this.conn.sdk.marketData;
      const common = { symbols, start: req.start, end: req.end, limit: req.pageLimit, pageToken };
      const r = crypto ? await md.crypto.cryptoTrades({ ...common, loc: 'us' }) : await md.stocks.stockTrades({ ...common, feed: req.feed });
      return { data: r.trades, next: r.nextPageToken };
    }, (symbol, t, tsInit) => ({ symbol, tsEvent: rfc3339ToNs(t.t), tsInit, price: t.p, size: t.s, tradeId: String(t.i ?? ''), exchange: t.x }));
  }

  quotePages(req: HistoryRequest): AsyncIterable<Page<Quote>> {
    return this.pages(req, 'quotes', rawQuote, async (symbols, crypto, pageToken) => {
      const md = this.conn.sdk.marketData;
      const common = { symbols, start: req.start, end: req.end, limit: req.pageLimit, pageToken };
      const r = crypto ? await md.crypto.cryptoQuotes({ ...common, loc: 'us' }) : await md.stocks.stockQuotes({ ...common, feed: req.feed });
      return { data: r.quotes, next: r.nextPageToken };
    }, (symbol, q, tsInit) => ({ symbol, tsEvent: rfc3339ToNs(q.t), tsInit, bidPrice: q.bp, bidSize: q.bs, askPrice: q.ap, askSize: q.as }));
  }

  private async *pages<R extends z.ZodType, T>(
    req: HistoryRequest,
    what: string,
    schema: R,
    fetchPage: (symbols: string, crypto: boolean, pageToken: string | undefined) => Promise<{ data: unknown; next: string | null | undefined }>,
    map: (symbol: string, raw: z.infer<R>, tsInit: bigint) => T,
  ): AsyncGenerator<Page<T>> {
    if (req.symbols.length === 0) return;
    const crypto = isCrypto(req.symbols[0]);
    if (req.symbols.some((s) => isCrypto(s) !== crypto)) throw new Error('one request cannot mix crypto and stock symbols');
    const symbols = req.symbols.join(',');
    const seen = new Set<string>();
    let token = req.pageToken;
    for (;;) {
      const page = await withRetry(this.conn, `historical ${what} for ${symbols}`, () => fetchPage(symbols, crypto, token));
      const parsed = symbolMap(schema).safeParse(page.data);
      if (!parsed.success) throw toAlpacaError(new Error(`unexpected ${what} page shape: ${parsed.error.message}`), `historical ${what}`);
      const tsInit = this.clock.nowNs();
      const items: T[] = [];
      for (const [symbol, list] of Object.entries(parsed.data ?? {})) for (const raw of list ?? []) items.push(map(symbol, raw, tsInit));
      const next = page.next ? page.next : null;
      yield { items, nextPageToken: next };
      // A repeated token would loop forever; Alpaca never sends one, a broken proxy might.
      if (next === null || seen.has(next)) return;
      seen.add(next);
      token = next;
    }
  }

  live(options: LiveMarketDataOptions = {}): LiveMarketData {
    return new AlpacaLiveMarketData(this.conn, this, this.clock, options);
  }
}

/** Trade keys remembered per symbol to drop what a backfill re-sends (late prints included). */
const SEEN_TRADES = 5000;

const nsOf = (raw: string | undefined, date: Date): bigint => (raw ? rfc3339ToNs(raw) : msToNs(date.getTime()));
const nsToDate = (ns: bigint): Date => new Date(Number(ns / 1_000_000n));

class AlpacaLiveMarketData implements LiveMarketData {
  private readonly stream: streaming.MarketDataStream;
  private readonly listeners = new Set<(e: MarketEvent | ConnectionEvent) => void>();
  private readonly barSymbols = new Set<string>();
  private readonly tradeSymbols = new Set<string>();
  private readonly quoteSymbols = new Set<string>();
  private readonly secondBarSymbols = new Set<string>();
  /** Start (ms) of the newest bar delivered per symbol, for gap backfill and de-duplication. */
  private readonly lastBar = new Map<string, number>();
  /** Newest trade time per symbol and the keys (ts|id) of the trades recently delivered. */
  private readonly lastTrade = new Map<string, bigint>();
  private readonly seenTrades = new Map<string, Set<string>>();
  private readonly lastQuote = new Map<string, bigint>();
  private backfilling: Promise<void> | undefined;
  private backfillDue = false;
  /** Live messages that arrived during a backfill, replayed after it in arrival order. */
  private readonly held: (() => void)[] = [];
  private readonly seconds: SecondBarAggregator;

  constructor(
    private readonly conn: AdapterConnection,
    private readonly history: MarketData,
    private readonly clock: NsClock,
    private readonly options: LiveMarketDataOptions,
  ) {
    const md = conn.sdk.marketData;
    const common = {
      reconnect: true,
      maxReconnectAttempts: -1,
      initialReconnectMs: options.initialReconnectMs ?? 1000,
      maxReconnectMs: options.maxReconnectMs ?? 30_000,
    };
    this.seconds = new SecondBarAggregator((bar, updated) => this.emit({ type: 'SecondBar', bar, updated }));
    this.stream = options.crypto
      ? md.cryptoStream({ ...common, url: conn.cryptoStreamUrl })
      : md.stockStream({ ...common, feed: options.feed === 'test' ? undefined : options.feed, url: conn.stockStreamUrl(options.feed ?? 'iex') });
    this.stream.onBar((b) => this.live(() => this.onBar(b)));
    this.stream.onTrade((t) => this.live(() => this.deliverTrade(t.symbol, nsOf(t.timestampRaw, t.timestamp), t.idRaw ?? String(t.id), t.price, t.size, t.exchange, false)));
    this.stream.onQuote((q) => this.live(() => this.deliverQuote(q.symbol, nsOf(q.timestampRaw, q.timestamp), q.bidPrice, q.bidSize, q.askPrice, q.askSize, false)));
    this.stream.onUpdatedBar((b) => this.emit({ type: 'UpdatedBar', bar: this.streamBar(b, 60_000_000_000n) }));
    this.stream.onDailyBar((b) => this.emit({ type: 'DailyBar', bar: this.streamBar(b, 86_400_000_000_000n) }));
    this.stream.onStatus((st) => this.emit({
      type: 'TradingStatus', symbol: st.symbol, statusCode: st.statusCode ?? '', statusMessage: st.statusMessage ?? '', reasonCode: st.reasonCode ?? '',
      reasonMessage: st.reasonMessage ?? '', tsEvent: nsOf(st.timestampRaw, st.timestamp), tsInit: this.clock.nowNs(),
    }));
    this.stream.onLuld((l) => this.emit({
      type: 'LimitBands', symbol: l.symbol, limitUp: l.limitUpPrice, limitDown: l.limitDownPrice, indicator: l.indicator ?? '',
      tsEvent: nsOf(l.timestampRaw, l.timestamp), tsInit: this.clock.nowNs(),
    }));
    this.stream.onCorrection((c) => this.emit({
      type: 'TradeCorrected', symbol: c.symbol, originalTradeId: c.originalIdRaw ?? String(c.originalId), originalPrice: c.originalPrice,
      originalSize: c.originalSize, correctedTradeId: c.correctedIdRaw ?? String(c.correctedId), correctedPrice: c.correctedPrice,
      correctedSize: c.correctedSize, tsEvent: msToNs(c.timestamp.getTime()), tsInit: this.clock.nowNs(),
    }));
    this.stream.onCancelError((x) => this.emit({
      type: 'TradeCanceled', symbol: x.symbol, tradeId: x.idRaw ?? String(x.id), price: x.price, size: x.size,
      tsEvent: nsOf(x.timestampRaw, x.timestamp), tsInit: this.clock.nowNs(),
    }));
    this.stream.onReconnecting((attempt) => {
      this.conn.logger?.warn({ attempt }, 'market-data stream reconnecting');
      this.emit({ type: 'StreamReconnecting', stream: 'market-data', attempt, tsInit: this.clock.nowNs() });
    });
    this.stream.onReconnected(() => {
      this.conn.logger?.info('market-data stream reconnected');
      this.emit({ type: 'StreamReconnected', stream: 'market-data', tsInit: this.clock.nowNs() });
      // The backfill waits for the server to confirm the resubscription: from then on every new
      // bar comes over the socket, so a REST read made after it leaves no minute in between.
      if (options.backfill !== false) this.backfillDue = true;
    });
    this.stream.on('subscription', (channels: Record<string, string[]>) => {
      this.emit({ type: 'Subscribed', channels, tsInit: this.clock.nowNs() });
      if (this.backfillDue) {
        this.backfillDue = false;
        this.startBackfill();
      }
    });
    this.stream.onError((message) => this.emit({ type: 'StreamError', stream: 'market-data', message, tsInit: this.clock.nowNs() }));
  }

  subscribeBars(symbols: readonly string[]): void {
    for (const s of symbols) this.barSymbols.add(s);
    this.stream.subscribeForBars([...symbols]);
  }

  subscribeTrades(symbols: readonly string[]): void {
    for (const s of symbols) this.tradeSymbols.add(s);
    this.stream.subscribeForTrades([...symbols]);
  }

  subscribeQuotes(symbols: readonly string[]): void {
    for (const s of symbols) this.quoteSymbols.add(s);
    this.stream.subscribeForQuotes([...symbols]);
  }

  subscribeUpdatedBars(symbols: readonly string[]): void {
    this.stream.subscribeForUpdatedBars([...symbols]);
  }

  subscribeDailyBars(symbols: readonly string[]): void {
    this.stream.subscribeForDailyBars([...symbols]);
  }

  subscribeStatuses(symbols: readonly string[]): void {
    this.stream.subscribeForStatuses([...symbols]);
  }

  subscribeLulds(symbols: readonly string[]): void {
    this.stream.subscribeForLulds([...symbols]);
  }

  subscribeSecondBars(symbols: readonly string[]): void {
    for (const s of symbols) this.secondBarSymbols.add(s);
    this.subscribeTrades(symbols);
  }

  on(listener: (e: MarketEvent | ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async connect(): Promise<void> {
    const wanted = Object.values(this.stream.getSubscriptions()).some((list) => list.length > 0);
    const subscribed = new Promise<void>((resolve) => { const off = this.on((e) => { if (e.type === 'Subscribed') { off(); resolve(); } }); });
    this.stream.connect();
    const result = await this.stream.whenAuthenticated();
    if (!result.authenticated) {
      throw new AlpacaError(`market-data stream authentication: ${result.message}`, result.code === 402 ? 401 : undefined, result.code, undefined);
    }
    // Data only flows once the subscriptions made before connect() are confirmed.
    if (wanted) await subscribed;
  }

  close(): void {
    this.stream.disconnect();
  }

  /** Runs a live message now, or after the backfill in progress so the order stays by time. */
  private live(run: () => void): void {
    if (this.backfilling) this.held.push(run);
    else run();
  }

  private streamBar(b: streaming.StreamBar, len: bigint): Bar {
    const start = msToNs(b.timestamp.getTime());
    return {
      symbol: b.symbol, start, tsEvent: start + len, tsInit: this.clock.nowNs(), open: b.open, high: b.high, low: b.low, close: b.close,
      volume: b.volume, vwap: b.vwap ?? b.close, tradeCount: b.tradeCount ?? 0,
    };
  }

  private onBar(b: streaming.StreamBar): void {
    this.deliver(b.symbol, b.timestamp.getTime(), {
      open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, vwap: b.vwap ?? b.close, tradeCount: b.tradeCount ?? 0,
    }, false);
  }

  private deliver(symbol: string, startMs: number, v: Omit<Bar, 'symbol' | 'start' | 'tsEvent' | 'tsInit'>, backfilled: boolean): boolean {
    const last = this.lastBar.get(symbol);
    if (last !== undefined && startMs <= last) return false; // already delivered (backfill overlap)
    this.lastBar.set(symbol, startMs);
    const start = msToNs(startMs);
    const tsInit = this.clock.nowNs();
    this.emit({ type: 'Bar', backfilled, bar: { symbol, start, tsEvent: start + 60_000_000_000n, tsInit, ...v } });
    // A minute bar is sent once its minute is over: every second of it is complete.
    this.seconds.advance(start + 60_000_000_000n, tsInit);
    return true;
  }

  private deliverTrade(symbol: string, ts: bigint, id: string, price: number, size: number, exchange: string | undefined, backfilled: boolean): boolean {
    let seen = this.seenTrades.get(symbol);
    if (!seen) this.seenTrades.set(symbol, (seen = new Set()));
    const key = `${ts}|${id}`;
    if (seen.has(key)) return false;
    // A backfill starts at the last trade seen; anything older was delivered or is out of reach.
    if (backfilled && ts < (this.lastTrade.get(symbol) ?? 0n)) return false;
    seen.add(key);
    if (seen.size > SEEN_TRADES) seen.delete(seen.values().next().value as string);
    if (ts > (this.lastTrade.get(symbol) ?? -1n)) this.lastTrade.set(symbol, ts);
    const tsInit = this.clock.nowNs();
    this.emit({ type: 'Trade', backfilled, trade: { symbol, tsEvent: ts, tsInit, price, size, tradeId: id, exchange } });
    if (this.secondBarSymbols.has(symbol)) this.seconds.addTrade(symbol, ts, price, size, tsInit);
    else this.seconds.advance(ts, tsInit);
    return true;
  }

  private deliverQuote(symbol: string, ts: bigint, bidPrice: number, bidSize: number, askPrice: number, askSize: number, backfilled: boolean): boolean {
    const last = this.lastQuote.get(symbol);
    // Quotes carry no id: live ones always pass; after a gap only strictly newer ones do.
    if ((backfilled || this.afterBackfill.has(symbol)) && last !== undefined && ts <= last) return false;
    if (last === undefined || ts > last) this.lastQuote.set(symbol, ts);
    const tsInit = this.clock.nowNs();
    this.emit({ type: 'Quote', backfilled, quote: { symbol, tsEvent: ts, tsInit, bidPrice, bidSize, askPrice, askSize } });
    this.seconds.advance(ts, tsInit);
    return true;
  }

  /** Symbols whose held live quotes may overlap what the last backfill delivered. */
  private readonly afterBackfill = new Set<string>();

  private startBackfill(): void {
    if (this.backfilling) return;
    const feed = this.options.feed === 'sip' ? 'sip' : 'iex';
    const run = async (): Promise<void> => {
      // Trades of all symbols in one time-ordered pass, so one-second bars close in order.
      const tradeStarts = [...this.tradeSymbols].map((s) => this.lastTrade.get(s)).filter((t): t is bigint => t !== undefined);
      if (tradeStarts.length > 0) {
        const symbols = [...this.tradeSymbols].filter((s) => this.lastTrade.has(s));
        const from = tradeStarts.reduce((a, b) => (a < b ? a : b));
        const got: Trade[] = [];
        const ok = await this.guard('trades', () => this.collect(this.history.tradePages({ symbols, start: nsToDate(from), feed, pageLimit: 10_000 }), got));
        got.sort((a, b) => (a.tsEvent < b.tsEvent ? -1 : a.tsEvent > b.tsEvent ? 1 : 0));
        const counts = new Map<string, number>();
        for (const t of got) if (this.deliverTrade(t.symbol, t.tsEvent, t.tradeId, t.price, t.size, t.exchange, true)) counts.set(t.symbol, (counts.get(t.symbol) ?? 0) + 1);
        if (ok) for (const s of symbols) this.emit({ type: 'TradesBackfilled', symbol: s, count: counts.get(s) ?? 0, tsInit: this.clock.nowNs() });
      }
      for (const symbol of this.quoteSymbols) {
        const last = this.lastQuote.get(symbol);
        if (last === undefined) continue;
        const got: Quote[] = [];
        const ok = await this.guard(`quotes of ${symbol}`, () => this.collect(this.history.quotePages({ symbols: [symbol], start: nsToDate(last), feed, pageLimit: 10_000 }), got));
        let count = 0;
        for (const q of got) if (this.deliverQuote(symbol, q.tsEvent, q.bidPrice, q.bidSize, q.askPrice, q.askSize, true)) count++;
        this.afterBackfill.add(symbol);
        if (ok) this.emit({ type: 'QuotesBackfilled', symbol, count, tsInit: this.clock.nowNs() });
      }
      for (const symbol of this.barSymbols) {
        const last = this.lastBar.get(symbol);
        if (last === undefined) continue;
        let count = 0;
        await this.guard(`bars of ${symbol}`, async () => {
          for await (const page of this.history.barPages({ symbols: [symbol], timeframe: '1Min', start: new Date(last + 60_000), feed, pageLimit: 10_000 })) {
            for (const bar of page.items) {
              const startMs = Number(bar.start / 1_000_000n);
              if (this.deliver(symbol, startMs, { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, vwap: bar.vwap, tradeCount: bar.tradeCount }, true)) count++;
            }
          }
        });
        this.emit({ type: 'BarsBackfilled', symbol, count, tsInit: this.clock.nowNs() });
      }
    };
    this.backfilling = run().finally(() => {
      this.backfilling = undefined;
      // Live messages that arrived during the backfill follow it, minus what it already gave.
      for (const next of this.held.splice(0)) next();
      this.afterBackfill.clear();
    });
  }

  private async collect<T>(pages: AsyncIterable<Page<T>>, into: T[]): Promise<void> {
    for await (const page of pages) into.push(...page.items);
  }

  /** Runs one backfill request; a failure becomes a StreamError event instead of a crash. */
  private async guard(what: string, run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (err) {
      this.emit({ type: 'StreamError', stream: 'market-data', message: toAlpacaError(err, `backfill of ${what}`).message, tsInit: this.clock.nowNs() });
      return false;
    }
  }

  private emit(e: MarketEvent | ConnectionEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.conn.logger?.error({ err }, 'market-data listener threw');
      }
    }
  }
}
