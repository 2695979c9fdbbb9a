// The adapter (official SDK underneath) against the local simulator: orders and their engine
// events, paging and 429 backoff, and a market-data stream that survives a dropped socket.

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../sim/index';
import { firstEvent, sdkFor } from '../sim/test-support';
import {
  AlpacaBroker, AlpacaCredentials, AlpacaError, AlpacaMarketData, connect, type Bar, type ConnectionEvent, type MarketEvent,
  type NsClock, type OrderEvent, type RetryPolicy,
} from './index';

const running: Simulator[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function setup(options: SimulatorOptions = {}, retry: Partial<RetryPolicy> = {}) {
  const sim = await startSimulator(options);
  running.push(sim);
  const conn = connect({ endpoint: { kind: 'simulator', url: sim.url }, credentials: new AlpacaCredentials('K', 'S'), retry });
  let tick = 0n;
  const clock: NsClock = { nowNs: () => ++tick };
  return { sim, conn, clock };
}

describe('the Alpaca adapter on the official SDK, against the simulator', () => {
  it('places a bracket order with a client_order_id and reports engine order events in nanoseconds', async () => {
    const { sim, conn, clock } = await setup();
    const broker = new AlpacaBroker(conn, { clock, clientOrderIdPrefix: 'strat-a' });
    cleanups.push(() => broker.stop());
    const events: OrderEvent[] = [];
    broker.on((e) => { if (e.type.startsWith('Order')) events.push(e as OrderEvent); });
    await broker.start();
    expect((await broker.account()).cash).toBe(100_000);

    const px = sim.market.lastPrice('SPY') as number;
    const filled = firstEvent<OrderEvent | ConnectionEvent>((cb) => broker.on(cb), (e) => e.type === 'OrderFilled');
    const placed = await broker.submit({
      symbol: 'SPY', side: 'buy', type: 'market', timeInForce: 'gtc', qty: 3, orderClass: 'bracket',
      takeProfit: { limitPrice: (px * 1.2).toFixed(2) }, stopLoss: { stopPrice: (px * 0.8).toFixed(2) },
    });
    expect(placed.clientOrderId).toMatch(/^strat-a-[0-9a-f-]{36}$/);
    expect(placed.legs.map((l) => l.status)).toEqual(['held', 'held']);
    const fill = (await filled) as Extract<OrderEvent, { type: 'OrderFilled' }>;
    expect(fill).toMatchObject({ clientOrderId: placed.clientOrderId, venueOrderId: placed.venueOrderId, symbol: 'SPY', lastQty: 3, positionQty: 3 });
    expect(fill.lastPx).toBe(sim.market.lastTick('SPY')?.ask);
    expect(fill.tsEvent).toBe(BigInt(Date.parse('2024-01-03T15:00:00Z')) * 1_000_000n);
    expect(typeof fill.tsInit).toBe('bigint');
    expect(events.map((e) => [e.type, e.venueOrderId === placed.venueOrderId])).toEqual([
      ['OrderAccepted', true], ['OrderFilled', true], ['OrderAccepted', false], ['OrderAccepted', false],
    ]);
    expect(await broker.positions()).toMatchObject([{ symbol: 'SPY', qty: 3 }]);

    const [tp, sl] = (await broker.order(placed.venueOrderId)).legs;
    const canceled = firstEvent<OrderEvent | ConnectionEvent>((cb) => broker.on(cb), (e) => e.type === 'OrderCanceled' && e.venueOrderId === sl.venueOrderId);
    await broker.cancel(tp.venueOrderId);
    await canceled;
    expect(await broker.openOrders()).toEqual([]);
  });

  it('reads the market clock, the trading calendar and the tradable assets', async () => {
    const { conn } = await setup();
    const broker = new AlpacaBroker(conn);
    expect(await broker.marketClock()).toEqual({
      isOpen: true, timestamp: BigInt(Date.parse('2024-01-03T15:00:00Z')) * 1_000_000n,
      nextOpen: BigInt(Date.parse('2024-01-04T14:30:00Z')) * 1_000_000n, nextClose: BigInt(Date.parse('2024-01-03T21:00:00Z')) * 1_000_000n,
    });
    // Independence Day 2024 is a Thursday: no session; the day before closes early.
    expect(await broker.calendar('2024-07-02', '2024-07-05')).toEqual([
      { date: '2024-07-02', open: '09:30', close: '16:00' },
      { date: '2024-07-03', open: '09:30', close: '13:00' },
      { date: '2024-07-05', open: '09:30', close: '16:00' },
    ]);
    await expect(broker.calendar('July 2', '2024-07-05')).rejects.toThrow('calendar: from: expected a date YYYY-MM-DD, got "July 2"');
    const crypto = await broker.assets({ assetClass: 'crypto' });
    expect(crypto.map((a) => [a.symbol, a.assetClass, a.tradable])).toEqual([['BTC/USD', 'crypto', true], ['ETH/USD', 'crypto', true]]);
    expect((await broker.assets()).map((a) => a.symbol)).toEqual(expect.arrayContaining(['SPY', 'AAPL', 'BTC/USD']));
  });

  it('turns an invalid order into an AlpacaError and an exchange rejection into OrderRejected', async () => {
    const { sim, conn, clock } = await setup();
    const broker = new AlpacaBroker(conn, { clock });
    cleanups.push(() => broker.stop());
    await broker.start();
    const err = await broker.submit({ symbol: 'SPY', side: 'buy', type: 'market', timeInForce: 'day', qty: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlpacaError);
    expect(err).toMatchObject({ status: 422, code: 40010001 });
    expect((err as AlpacaError).message).toContain('qty must be > 0');

    sim.faults.rejectOrders(1);
    const rejected = firstEvent<OrderEvent | ConnectionEvent>((cb) => broker.on(cb), (e) => e.type === 'OrderRejected');
    const placed = await broker.submit({ symbol: 'SPY', side: 'buy', type: 'market', timeInForce: 'day', qty: 1, clientOrderId: 'reject-me' });
    expect(await rejected).toMatchObject({ type: 'OrderRejected', clientOrderId: 'reject-me', venueOrderId: placed.venueOrderId });
  });

  it('pages historical bars with page_token and resumes from a saved token with the same rows', async () => {
    const { conn, clock } = await setup({ start: '2024-01-05T15:00:00Z' });
    const md = new AlpacaMarketData(conn, clock);
    const req = { symbols: ['AAPL', 'SPY'], timeframe: '1Min', start: new Date('2024-01-04T00:00:00Z'), end: new Date('2024-01-05T00:00:00Z'), pageLimit: 300 };
    const all: Bar[] = [];
    const tokens: (string | null)[] = [];
    for await (const page of md.barPages(req)) {
      all.push(...page.items);
      tokens.push(page.nextPageToken);
    }
    expect(all.length).toBe(780);
    expect(tokens.length).toBe(3);
    expect(all[0]).toMatchObject({ symbol: 'AAPL', start: BigInt(Date.parse('2024-01-04T14:30:00Z')) * 1_000_000n });
    expect(all[0].tsEvent - all[0].start).toBe(60_000_000_000n);

    // Interrupted after the first page: resuming from its token yields exactly the rest.
    const resumed: Bar[] = [];
    for await (const page of md.barPages({ ...req, pageToken: tokens[0] ?? undefined })) resumed.push(...page.items);
    const key = (b: Bar): string => `${b.symbol}@${b.start}`;
    expect(resumed.map(key)).toEqual(all.slice(300).map(key));
  });

  it('waits out a 429 for as long as the rate-limit reset says, and retries a 503', async () => {
    // The simulator's wall clock runs ahead of real time by what the client "slept": the SDK
    // computes its wait from the real clock, so a frozen wall clock would lag it and flake.
    let skew = 0;
    const slept: number[] = [];
    const { sim, conn, clock } = await setup(
      { start: '2024-01-05T15:00:00Z', rateLimitPerMinute: 2, wallNow: () => Date.now() + skew },
      { sleep: async (ms) => { slept.push(ms); skew += ms; }, random: () => 0.5 },
    );
    const md = new AlpacaMarketData(conn, clock);
    const bars: Bar[] = [];
    for await (const page of md.barPages({ symbols: ['SPY'], timeframe: '1Min', start: new Date('2024-01-04T00:00:00Z'), end: new Date('2024-01-05T00:00:00Z'), pageLimit: 100 })) {
      bars.push(...page.items);
    }
    expect(bars.length).toBe(390);
    // Four pages at two per minute: one wait, until the window resets (about a minute).
    expect(slept.length).toBe(1);
    for (const ms of slept) expect(ms).toBeGreaterThan(55_000);

    sim.faults.failRequests({ status: 503, count: 2, pathPrefix: '/v2/account' });
    skew += 60_000;
    const broker = new AlpacaBroker(conn, { clock });
    expect((await broker.account()).status).toBe('ACTIVE');
    expect(slept.slice(1, 3)).toEqual([500, 1000]);
    // The failed attempts count against the trading API's own limit, so the third waits for its reset.
    expect(slept.length).toBe(4);
    expect(slept[3]).toBeGreaterThan(55_000);
  });

  it('reconnects a dropped market-data stream, resubscribes and backfills the missed bars without a gap', async () => {
    const { sim, conn, clock } = await setup();
    const live = new AlpacaMarketData(conn, clock).live({ feed: 'iex', initialReconnectMs: 20, maxReconnectMs: 100 });
    cleanups.push(() => live.close());
    const events: (MarketEvent | ConnectionEvent)[] = [];
    live.on((e) => events.push(e));
    live.subscribeBars(['AAPL']);
    await live.connect();

    sim.advance(3 * 60_000);
    await firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Bar' && e.bar.start === BigInt(Date.parse('2024-01-03T15:02:00Z')) * 1_000_000n);
    const backfilled = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'BarsBackfilled');
    const resubscribed = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Subscribed');
    expect(sim.faults.dropStreams('data')).toBe(1);
    sim.advance(5 * 60_000); // published to nobody: the socket is gone
    expect(await backfilled).toMatchObject({ symbol: 'AAPL', count: 5 });
    await resubscribed;
    sim.advance(2 * 60_000);
    await firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Bar' && e.bar.start === BigInt(Date.parse('2024-01-03T15:09:00Z')) * 1_000_000n);

    const bars = events.filter((e): e is Extract<MarketEvent, { type: 'Bar' }> => e.type === 'Bar');
    const minutes = bars.map((b) => new Date(Number(b.bar.start / 1_000_000n)).toISOString().slice(11, 16));
    expect(minutes).toEqual(['15:00', '15:01', '15:02', '15:03', '15:04', '15:05', '15:06', '15:07', '15:08', '15:09']);
    expect(bars.map((b) => b.backfilled)).toEqual([false, false, false, true, true, true, true, true, false, false]);
    expect(events.some((e) => e.type === 'StreamReconnecting')).toBe(true);
    expect(events.some((e) => e.type === 'StreamReconnected')).toBe(true);
  });

  it('backfills the trades and quotes a dropped socket missed, once each, and builds one-second bars from the trades', async () => {
    const { sim, conn, clock } = await setup();
    const live = new AlpacaMarketData(conn, clock).live({ feed: 'iex', initialReconnectMs: 20, maxReconnectMs: 100 });
    cleanups.push(() => live.close());
    const events: (MarketEvent | ConnectionEvent)[] = [];
    live.on((e) => events.push(e));
    live.subscribeBars(['AAPL']);
    live.subscribeQuotes(['AAPL']);
    live.subscribeSecondBars(['AAPL']);
    await live.connect();
    const minute = (hhmm: string): bigint => BigInt(Date.parse(`2024-01-03T${hhmm}:00Z`)) * 1_000_000n;
    const barAt = (hhmm: string) => firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Bar' && e.bar.start === minute(hhmm));

    let bar = barAt('15:01');
    sim.advance(2 * 60_000);
    await bar;
    const waits = ['TradesBackfilled', 'QuotesBackfilled', 'BarsBackfilled', 'Subscribed'].map((type) => firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === type));
    expect(sim.faults.dropStreams('data')).toBe(1);
    sim.advance(3 * 60_000); // 15:02–15:04 happen while nobody listens
    const [trades, quotes] = await Promise.all(waits);
    expect(trades).toMatchObject({ symbol: 'AAPL', count: 12 });
    expect(quotes).toMatchObject({ symbol: 'AAPL', count: 12 });
    bar = barAt('15:05');
    sim.advance(60_000);
    await bar;

    const rest = await sdkFor(sim.url).marketData.collectStockTradeSingle({ symbol: 'AAPL', start: new Date('2024-01-03T15:00:00Z'), end: new Date('2024-01-03T15:06:00Z') });
    const got = events.filter((e): e is Extract<MarketEvent, { type: 'Trade' }> => e.type === 'Trade');
    expect(got.map((e) => e.trade.tsEvent)).toEqual(rest.map((t) => BigInt(t.t.getTime()) * 1_000_000n));
    expect(got.map((e) => e.trade.price)).toEqual(rest.map((t) => t.p));
    expect(got.map((e) => e.backfilled)).toEqual([...Array(8).fill(false), ...Array(12).fill(true), ...Array(4).fill(false)]);
    const q = events.filter((e): e is Extract<MarketEvent, { type: 'Quote' }> => e.type === 'Quote');
    expect(q.map((e) => e.quote.tsEvent)).toEqual(got.map((e) => e.trade.tsEvent));

    // Each synthetic trade sits alone in its second: one one-second bar per trade, in order.
    const secs = events.filter((e): e is Extract<MarketEvent, { type: 'SecondBar' }> => e.type === 'SecondBar');
    expect(secs.map((e) => e.bar.start)).toEqual(got.map((e) => e.trade.tsEvent - (e.trade.tsEvent % 1_000_000_000n)));
    expect(secs.map((e) => [e.bar.close, e.bar.volume, e.bar.tradeCount, e.updated])).toEqual(got.map((e) => [e.trade.price, e.trade.size, 1, false]));
    expect(secs.every((e) => e.bar.tsEvent === e.bar.start + 1_000_000_000n)).toBe(true);
  });

  it('surfaces updated bars, trading halts and resumptions, LULD bands and trade corrections as engine events', async () => {
    const { sim, conn, clock } = await setup();
    const live = new AlpacaMarketData(conn, clock).live({ feed: 'iex' });
    cleanups.push(() => live.close());
    const events: (MarketEvent | ConnectionEvent)[] = [];
    live.on((e) => events.push(e));
    live.subscribeBars(['SPY']);
    live.subscribeTrades(['SPY']);
    live.subscribeUpdatedBars(['SPY']);
    live.subscribeStatuses(['SPY']);
    live.subscribeLulds(['SPY']);
    await live.connect();
    // 15:17 UTC has a late print: its bar is re-sent as an updated bar at 15:18:31.
    const updated = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'UpdatedBar');
    sim.advance(19 * 60_000);
    const u = (await updated) as Extract<MarketEvent, { type: 'UpdatedBar' }>;
    expect(new Date(Number(u.bar.start / 1_000_000n)).toISOString()).toBe('2024-01-03T15:17:00.000Z');
    const first = events.find((e): e is Extract<MarketEvent, { type: 'Bar' }> => e.type === 'Bar' && e.bar.start === u.bar.start);
    const [restBar] = await sdkFor(sim.url).marketData.collectStockBarSingle({ symbol: 'SPY', timeframe: '1Min' as never, start: new Date('2024-01-03T15:17:00Z'), end: new Date('2024-01-03T15:18:00Z') });
    expect([u.bar.close, u.bar.volume]).toEqual([restBar.c, restBar.v]);
    expect(first?.bar.volume).toBeLessThan(u.bar.volume);
    const late = events.find((e): e is Extract<MarketEvent, { type: 'Trade' }> => e.type === 'Trade' && e.trade.tsEvent === BigInt(Date.parse('2024-01-03T15:17:59Z')) * 1_000_000n);
    expect(events.indexOf(late as MarketEvent)).toBeGreaterThan(events.indexOf(first as MarketEvent));
    const bands = events.filter((e): e is Extract<MarketEvent, { type: 'LimitBands' }> => e.type === 'LimitBands');
    expect(bands.length).toBeGreaterThan(0);
    for (const b of bands) expect(b.limitDown).toBeLessThan(b.limitUp);

    const halted = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'TradingStatus' && e.statusCode === 'H');
    sim.faults.halt('SPY');
    expect(await halted).toMatchObject({ symbol: 'SPY', statusMessage: 'Trading Halt', reasonCode: 'T12' });
    const resumed = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'TradingStatus' && e.statusCode === 'T');
    sim.faults.resume('SPY');
    await resumed;
    const corrected = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'TradeCorrected');
    sim.faults.correctTrade('SPY', 1.23);
    const last = sim.market.lastTick('SPY');
    expect(await corrected).toMatchObject({ symbol: 'SPY', originalTradeId: String(last?.id), originalPrice: last?.price, correctedPrice: 1.23 });
  });

  it('streams crypto bars and trades from the crypto feed', async () => {
    const { sim, conn, clock } = await setup();
    const live = new AlpacaMarketData(conn, clock).live({ crypto: true });
    cleanups.push(() => live.close());
    live.subscribeBars(['BTC/USD']);
    live.subscribeTrades(['ETH/USD']);
    await live.connect();
    const bar = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Bar');
    const trade = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'Trade');
    sim.advance(60_000);
    expect(await bar).toMatchObject({ type: 'Bar', bar: { symbol: 'BTC/USD', start: BigInt(Date.parse('2024-01-03T15:00:00Z')) * 1_000_000n } });
    expect(await trade).toMatchObject({ type: 'Trade', trade: { symbol: 'ETH/USD' } });
  });

  it('refuses to open a stream with keys the simulator does not know', async () => {
    const sim = await startSimulator({ keys: { keyId: 'good', secret: 'secret' } });
    running.push(sim);
    const conn = connect({ endpoint: { kind: 'simulator', url: sim.url }, credentials: new AlpacaCredentials('good', 'nope') });
    const live = new AlpacaMarketData(conn).live();
    cleanups.push(() => live.close());
    live.subscribeBars(['SPY']);
    await expect(live.connect()).rejects.toMatchObject({ name: 'AlpacaError', status: 401, code: 402 });
    await expect(new AlpacaBroker(conn).account()).rejects.toMatchObject({ status: 401, code: 40110000 });
  });
});
