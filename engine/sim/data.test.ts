// The official SDK v4 reading market data from the simulator: historical bars paged with
// page_token, the rate limit, and the msgpack and JSON market-data streams.

import { ApiError, type streaming, type values } from '@alpacahq/alpaca-trade-api';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSimulator, type Simulator, type SimulatorOptions } from './index';
import { collect, firstEvent, sdkFor } from './test-support';

const running: Simulator[] = [];
const tf = (text: string): values.TimeFrameString => text as values.TimeFrameString;
const cleanups: (() => void)[] = [];

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  running.push(s);
  return s;
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A raw JSON client, to see frames exactly as the server writes them. */
async function rawClient(url: string): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>[]> }> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  const queue: Record<string, unknown>[][] = [];
  const waiters: ((m: Record<string, unknown>[]) => void)[] = [];
  ws.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    const msg = JSON.parse(String(data)) as Record<string, unknown>[];
    const w = waiters.shift();
    if (w) w(msg); else queue.push(msg);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, next: () => new Promise((resolve) => { const m = queue.shift(); if (m) resolve(m); else waiters.push(resolve); }) };
}

describe('market data from the simulator through the official SDK', () => {
  it('pages through two days of minute bars with page_token and serves exactly the completed bars', async () => {
    const s = await sim({ start: '2024-01-05T15:00:00Z' });
    const alpaca = sdkFor(s.url);
    const seen = new Map<string, string[]>();
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await alpaca.marketData.stocks.stockBars({
        symbols: 'SPY,AAPL', timeframe: '1Min', start: new Date('2024-01-03T00:00:00Z'), end: new Date('2024-01-05T00:00:00Z'),
        limit: 250, feed: 'iex', adjustment: 'split', pageToken,
      });
      for (const [symbol, bars] of Object.entries(page.bars)) {
        const list = seen.get(symbol) ?? [];
        for (const b of bars as unknown as { t: string }[]) list.push(b.t);
        seen.set(symbol, list);
      }
      pageToken = page.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    // Two full regular sessions of 390 minutes for each of the two symbols.
    expect(pages).toBe(Math.ceil((2 * 2 * 390) / 250));
    for (const symbol of ['AAPL', 'SPY']) {
      const times = seen.get(symbol) ?? [];
      expect(times.length).toBe(780);
      expect(new Set(times).size).toBe(780);
      expect([...times].sort()).toEqual(times);
      expect(times[0]).toBe('2024-01-03T14:30:00Z');
      expect(times[779]).toBe('2024-01-04T20:59:00Z');
    }

    const single = await alpaca.marketData.collectStockBarSingle({ symbol: 'SPY', timeframe: tf('1Min'), start: new Date('2024-01-05T14:30:00Z'), limit: 7 });
    // 10:00 New York: exactly the 30 bars of 9:30–9:59 have completed; nothing from the future.
    expect(single.length).toBe(30);
    const daily = await alpaca.marketData.stocks.stockBarSingle({ symbol: 'SPY', timeframe: '1Day', start: new Date('2024-01-03T00:00:00Z'), end: new Date('2024-01-05T00:00:00Z') });
    const minutes = await alpaca.marketData.collectStockBarSingle({ symbol: 'SPY', timeframe: tf('1Min'), start: new Date('2024-01-03T00:00:00Z'), end: new Date('2024-01-04T00:00:00Z') });
    expect(daily.bars[0].t.toISOString()).toBe('2024-01-03T05:00:00.000Z');
    expect([daily.bars[0].o, daily.bars[0].c]).toEqual([minutes[0].o, minutes[minutes.length - 1].c]);
    expect(daily.bars[0].v).toBe(minutes.reduce((a, b) => a + b.v, 0));
  });

  it('answers 400 for a bad timeframe and 429 past the per-minute limit until the window resets', async () => {
    let wall = 1_700_000_000_000;
    const s = await sim({ rateLimitPerMinute: 2, wallNow: () => wall });
    const alpaca = sdkFor(s.url);
    const bad = await fetch(`${s.url}/v2/stocks/bars?symbols=SPY&timeframe=7Days`, { headers: { 'APCA-API-KEY-ID': 'K', 'APCA-API-SECRET-KEY': 'S' } });
    expect([bad.status, await bad.json()]).toEqual([400, { message: 'invalid timeframe: 7Days' }]);
    await alpaca.marketData.stocks.stockLatestTrades({ symbols: 'SPY' });
    let err: unknown;
    try {
      await alpaca.marketData.stocks.stockLatestTrades({ symbols: 'SPY' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const limited = err as ApiError;
    expect([limited.name, limited.status, limited.code]).toEqual(['RateLimitError', 429, 42910000]);
    expect(limited.rateLimit).toMatchObject({ limit: 2, remaining: 0 });
    // Trading has its own budget.
    expect((await alpaca.trading.account.getAccount()).status).toBe('ACTIVE');
    wall += 60_000;
    const ok = await alpaca.marketData.stocks.stockLatestTrades({ symbols: 'SPY' });
    expect(ok.trades.SPY.p).toBe(s.market.lastPrice('SPY'));
  });

  it('streams bars, trades and quotes over MessagePack to a subscriber as the clock advances', async () => {
    const s = await sim();
    const alpaca = sdkFor(s.url);
    const md = alpaca.marketData.stockStream({ url: s.urls.stockStream, reconnect: false });
    cleanups.push(() => md.disconnect());
    const bars = collect<streaming.StreamBar>((cb) => md.onBar(cb));
    const trades = collect<streaming.StreamTrade>((cb) => md.onTrade(cb));
    const daily = collect<streaming.StreamBar>((cb) => md.onDailyBar(cb));
    md.subscribeForBars(['AAPL']);
    md.subscribeForTrades(['AAPL']);
    md.subscribeForDailyBars(['AAPL']);
    const subscribed = firstEvent<Record<string, string[]>>((cb) => md.on('subscription', cb));
    md.connect();
    expect((await md.whenAuthenticated()).authenticated).toBe(true);
    expect(await subscribed).toMatchObject({ trades: ['AAPL'], bars: ['AAPL'], dailyBars: ['AAPL'], quotes: [] });

    const fifth = firstEvent<streaming.StreamBar>((cb) => md.onBar(cb), (b) => b.timestamp.toISOString() === '2024-01-03T15:04:00.000Z');
    s.advance(5 * 60_000);
    await fifth;
    expect(bars.map((b) => b.timestamp.toISOString())).toEqual(['15:00', '15:01', '15:02', '15:03', '15:04'].map((m) => `2024-01-03T${m}:00.000Z`));
    const rest = await alpaca.marketData.collectStockBarSingle({ symbol: 'AAPL', timeframe: tf('1Min'), start: new Date('2024-01-03T15:00:00Z') });
    expect(bars.map((b) => b.close)).toEqual(rest.map((b) => b.c));
    expect(trades.length).toBe(20);
    expect(trades[19].timestampRaw).toBe('2024-01-03T15:04:59.000000000Z');
    expect(trades[19].price).toBe(bars[4].close);
    expect(daily[daily.length - 1].timestamp.toISOString()).toBe('2024-01-03T05:00:00.000Z');
  });

  it('streams crypto bars on /v1beta3/crypto/us around the clock', async () => {
    const s = await sim({ start: '2024-01-06T12:00:00Z' }); // a Saturday: stocks are closed
    const md = sdkFor(s.url).marketData.cryptoStream({ url: s.urls.cryptoStream, reconnect: false });
    cleanups.push(() => md.disconnect());
    md.subscribeForBars(['BTC/USD']);
    const subscribed = firstEvent<unknown>((cb) => md.on('subscription', cb));
    md.connect();
    await subscribed;
    const bar = firstEvent<streaming.StreamBar>((cb) => md.onBar(cb));
    s.advance(60_000);
    expect(await bar).toMatchObject({ symbol: 'BTC/USD' });
  });

  it("speaks JSON to a client that does not ask for msgpack, with Alpaca's control messages and errors", async () => {
    const s = await sim({ authTimeoutMs: 50 });
    const c = await rawClient(`${s.urls.testStream}`);
    expect(await c.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    c.ws.send(JSON.stringify({ action: 'subscribe', bars: ['FAKEPACA'] }));
    expect(await c.next()).toEqual([{ T: 'error', code: 401, msg: 'not authenticated' }]);
    c.ws.send(JSON.stringify({ action: 'auth', key: 'K', secret: 'S' }));
    expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    c.ws.send(JSON.stringify({ action: 'auth', key: 'K', secret: 'S' }));
    expect(await c.next()).toEqual([{ T: 'error', code: 403, msg: 'already authenticated' }]);
    c.ws.send('{not json');
    expect(await c.next()).toEqual([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    c.ws.send(JSON.stringify({ action: 'subscribe', orderbooks: ['FAKEPACA'] }));
    expect(await c.next()).toEqual([{ T: 'error', code: 410, msg: 'invalid subscribe action for this feed' }]);
    c.ws.send(JSON.stringify({ action: 'subscribe', trades: ['FAKEPACA'], bars: ['FAKEPACA'] }));
    const [sub] = await c.next();
    expect(Object.keys(sub)[0]).toBe('T');
    expect(sub).toEqual({
      T: 'subscription', trades: ['FAKEPACA'], quotes: [], bars: ['FAKEPACA'], updatedBars: [], dailyBars: [], statuses: [],
      lulds: [], corrections: ['FAKEPACA'], cancelErrors: ['FAKEPACA'], imbalances: [],
    });
    s.advance(60_000);
    const data = await c.next();
    expect(data.map((m) => m.T)).toEqual(['t', 't', 't', 't', 'b']);
    expect(Object.keys(data[4])).toEqual(['T', 'S', 'o', 'h', 'l', 'c', 'v', 't', 'n', 'vw']);
    expect(data[4].t).toBe('2024-01-03T15:00:00Z');
    expect(data[0].t).toBe('2024-01-03T15:00:01.000000000Z');

    const late = await rawClient(s.urls.stockStream);
    expect(await late.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    expect(await late.next()).toEqual([{ T: 'error', code: 404, msg: 'auth timeout' }]);
    const wrong = await rawClient(s.urls.stockStream);
    await wrong.next();
    wrong.ws.send(JSON.stringify({ action: 'auth', key: '', secret: '' }));
    expect(await wrong.next()).toEqual([{ T: 'error', code: 402, msg: 'auth failed' }]);
  });

  it("enforces the plan's limits with Alpaca's codes: 406 connections, 405 symbols, 409 an unentitled feed", async () => {
    const s = await sim({ connectionLimit: 1, symbolLimit: 2, entitledFeeds: ['iex', 'test'] });
    const authed = async (url: string) => {
      const c = await rawClient(url);
      await c.next();
      c.ws.send(JSON.stringify({ action: 'auth', key: 'K', secret: 'S' }));
      return { c, reply: await c.next() };
    };
    const first = await authed(s.urls.stockStream);
    expect(first.reply).toEqual([{ T: 'success', msg: 'authenticated' }]);
    expect((await authed(s.urls.stockStream)).reply).toEqual([{ T: 'error', code: 406, msg: 'connection limit exceeded' }]);
    // Another endpoint counts on its own.
    expect((await authed(s.urls.testStream)).reply).toEqual([{ T: 'success', msg: 'authenticated' }]);
    expect((await authed(s.url.replace('http', 'ws') + '/v2/sip')).reply).toEqual([{ T: 'error', code: 409, msg: 'insufficient subscription' }]);

    first.c.ws.send(JSON.stringify({ action: 'subscribe', trades: ['SPY', 'AAPL'] }));
    expect((await first.c.next())[0]).toMatchObject({ T: 'subscription', trades: ['SPY', 'AAPL'] });
    first.c.ws.send(JSON.stringify({ action: 'subscribe', quotes: ['MSFT'] }));
    expect(await first.c.next()).toEqual([{ T: 'error', code: 405, msg: 'symbol limit exceeded' }]);
    // The refused change left the subscription as it was.
    first.c.ws.send(JSON.stringify({ action: 'subscribe', quotes: ['SPY'] }));
    expect((await first.c.next())[0]).toMatchObject({ T: 'subscription', trades: ['SPY', 'AAPL'], quotes: ['SPY'] });
  });

  it('holds stream messages back while a delay fault is switched on through the control endpoint', async () => {
    const s = await sim();
    const md = sdkFor(s.url).marketData.stockStream({ url: s.urls.stockStream, reconnect: false });
    cleanups.push(() => md.disconnect());
    const bars = collect<streaming.StreamBar>((cb) => md.onBar(cb));
    const subscribed = firstEvent<unknown>((cb) => md.on('subscription', cb));
    md.subscribeForBars(['SPY']);
    md.connect();
    await subscribed;
    const fault = await fetch(`${s.urls.control}/faults`, { method: 'POST', body: JSON.stringify({ delayMs: 1500 }) });
    expect(fault.status).toBe(200);
    const bar = firstEvent<streaming.StreamBar>((cb) => md.onBar(cb));
    s.advance(60_000);
    // A REST round trip made after the bar was published comes back first: the bar is held.
    await sdkFor(s.url).trading.account.getAccount();
    expect(bars).toEqual([]);
    expect((await bar).symbol).toBe('SPY');
    await fetch(`${s.urls.control}/faults`, { method: 'POST', body: JSON.stringify({ clear: true }) });
    const next = firstEvent<streaming.StreamBar>((cb) => md.onBar(cb));
    s.advance(60_000);
    expect((await next).timestamp.toISOString()).toBe('2024-01-03T15:01:00.000Z');
  }, 15_000);

  it('refuses a stream with wrong keys as the SDK expects (402, terminal)', async () => {
    const s = await sim({ keys: { keyId: 'good', secret: 'secret' } });
    const md = sdkFor(s.url, 'good', 'bad').marketData.stockStream({ url: s.urls.stockStream, reconnect: false });
    cleanups.push(() => md.disconnect());
    md.connect();
    expect(await md.whenAuthenticated()).toMatchObject({ authenticated: false, status: 'server_rejected', code: 402, message: 'auth failed' });
  });
});
