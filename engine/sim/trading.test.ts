// The official SDK v4 trading against the simulator: account, clock, assets, orders of every
// class, trade_updates, Alpaca's errors and wrong keys.

import { ApiError, type streaming } from '@alpacahq/alpaca-trade-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from './index';
import { collect, firstEvent, sdkFor } from './test-support';

type TradeUpdate = streaming.TradeUpdate;

const running: Simulator[] = [];
const streams: { disconnect(): void }[] = [];

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  running.push(s);
  return s;
}

afterEach(async () => {
  for (const st of streams.splice(0)) st.disconnect();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function tradeStream(s: Simulator, keyId = 'K', secret = 'S') {
  const alpaca = sdkFor(s.url, keyId, secret);
  const ts = alpaca.trading.stream({ url: s.urls.tradingStream, reconnect: false });
  streams.push(ts);
  const updates = collect<TradeUpdate>((cb) => ts.onTradeUpdate(cb));
  seen.set(ts, updates);
  const listening = firstEvent<unknown>((cb) => ts.on('subscription', cb));
  ts.subscribeTradeUpdates();
  ts.connect();
  const auth = await ts.whenAuthenticated();
  if (auth.authenticated) await listening;
  return { alpaca, ts, updates, auth };
}

// The simulator may report an immediate fill before the POST's response arrives, so updates
// already received count too.
const seen = new WeakMap<streaming.TradingStream, TradeUpdate[]>();
const eventFor = (ts: streaming.TradingStream, id: string, event: string): Promise<TradeUpdate> => {
  const match = (u: TradeUpdate): boolean => u.order.id === id && u.event === event;
  const earlier = seen.get(ts)?.find(match);
  return earlier ? Promise.resolve(earlier) : firstEvent<TradeUpdate>((cb) => ts.onTradeUpdate(cb), match);
};

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

describe('the simulator as a paper broker for the official SDK', () => {
  it('serves the account, the market clock, the calendar and the tradable assets', async () => {
    const s = await sim();
    const alpaca = sdkFor(s.url);
    const account = await alpaca.trading.account.getAccount();
    expect(account.status).toBe('ACTIVE');
    expect(account.cash).toBe('100000');
    expect(account.buyingPower).toBe('200000'); // Reg T: twice the equity
    expect([account.multiplier, account.nonMarginableBuyingPower]).toEqual(['2', '100000']);

    const clock = await alpaca.trading.clock.legacyClock();
    expect(clock.isOpen).toBe(true);
    expect(clock.timestamp.toISOString()).toBe('2024-01-03T15:00:00.000Z');
    expect(clock.nextClose.toISOString()).toBe('2024-01-03T21:00:00.000Z');
    expect(clock.nextOpen.toISOString()).toBe('2024-01-04T14:30:00.000Z');

    const days = await alpaca.trading.calendar.legacyCalendar({ start: new Date('2024-01-12'), end: new Date('2024-01-16') });
    // Monday 15 January 2024 is Martin Luther King Jr. Day.
    expect(days.map((d) => d.date.toISOString().slice(0, 10))).toEqual(['2024-01-12', '2024-01-16']);
    expect(days[0]).toMatchObject({ open: '09:30', close: '16:00', sessionOpen: '0400', sessionClose: '2000' });
    expect(days[0].settlementDate.toISOString().slice(0, 10)).toBe('2024-01-17');

    const assets = await alpaca.trading.assets.getV2Assets({ status: 'active', assetClass: 'us_equity' });
    expect(assets.map((a) => a.symbol)).toContain('AAPL');
    expect(assets.every((a) => a.tradable)).toBe(true);
    const btc = await alpaca.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'BTC/USD' });
    expect(btc._class).toBe('crypto');
    const missing = await apiError(alpaca.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'NOPE' }));
    expect(missing.status).toBe(404);
  });

  it('fills a market order at the ask and reports new then fill on trade_updates', async () => {
    const s = await sim();
    const { alpaca, ts, updates } = await tradeStream(s);
    const ask = s.market.lastTick('SPY')?.ask;
    const order = await alpaca.trading.orders.market({ symbol: 'SPY', qty: 10, side: 'buy', clientOrderId: 'mkt-1' });
    expect(order.status).toBe('accepted');
    expect(order.clientOrderId).toBe('mkt-1');
    const fill = await eventFor(ts, order.id as string, 'fill');
    expect(updates.filter((u) => u.order.id === order.id).map((u) => u.event)).toEqual(['new', 'fill']);
    expect(Number(fill.price)).toBe(ask);
    expect(fill.qty).toBe('10');
    expect(fill.positionQty).toBe('10');
    expect(fill.order.status).toBe('filled');

    const position = await alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: 'SPY' });
    expect(position.qty).toBe('10');
    expect(Number(position.avgEntryPrice)).toBe(ask);
    const account = await alpaca.trading.account.getAccount();
    expect(Number(account.cash)).toBeCloseTo(100_000 - 10 * (ask as number), 6);
    const byClientId = await alpaca.trading.orders.getOrderByClientOrderId({ clientOrderId: 'mkt-1' });
    expect(byClientId.id).toBe(order.id);
  });

  it('runs a bracket order: the entry fills, the legs go live, the stop fills and cancels the take-profit', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastPrice('AAPL') as number;
    const order = await alpaca.trading.orders.bracket({
      symbol: 'AAPL', qty: 5, side: 'buy', timeInForce: 'gtc',
      takeProfit: { limitPrice: +(px * 1.5).toFixed(2) }, stopLoss: { stopPrice: +(px - 0.2).toFixed(2) }, clientOrderId: 'br-1',
    });
    expect(order.orderClass).toBe('bracket');
    expect(order.legs?.map((l) => [l.type, l.side, l.status])).toEqual([['limit', 'sell', 'held'], ['stop', 'sell', 'held']]);
    await eventFor(ts, order.id as string, 'fill');

    const live = await alpaca.trading.orders.getOrderByOrderID({ orderId: order.id as string, nested: true });
    expect(live.legs?.map((l) => l.status)).toEqual(['new', 'new']);
    const [tp, sl] = live.legs ?? [];
    const stopFilled = eventFor(ts, sl.id as string, 'fill');
    const tpCanceled = eventFor(ts, tp.id as string, 'canceled');
    for (let i = 0; i < 3 * 390 && s.broker.statusOf(sl.id as string) !== 'filled'; i++) s.advance(60_000);
    const fill = await stopFilled;
    expect(Number(fill.price)).toBeLessThanOrEqual(+(px - 0.2).toFixed(2));
    expect(fill.positionQty).toBe('0');
    await tpCanceled;
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it('runs OTO and OCO orders, and cancelling one leg cancels its sibling', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastPrice('MSFT') as number;
    const oto = await alpaca.trading.orders.oto({ symbol: 'MSFT', qty: 4, side: 'buy', timeInForce: 'gtc', stopLoss: { stopPrice: +(px * 0.5).toFixed(2) } });
    await eventFor(ts, oto.id as string, 'fill');
    const legs = (await alpaca.trading.orders.getOrderByOrderID({ orderId: oto.id as string })).legs ?? [];
    expect(legs.map((l) => [l.type, l.status])).toEqual([['stop', 'new']]);
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: legs[0].id as string });

    const oco = await alpaca.trading.orders.oco({
      symbol: 'MSFT', qty: 4, side: 'sell', timeInForce: 'gtc',
      takeProfit: { limitPrice: +(px * 2).toFixed(2) }, stopLoss: { stopPrice: +(px * 0.5).toFixed(2) },
    });
    expect(oco.orderClass).toBe('oco');
    expect(oco.legs?.map((l) => l.type)).toEqual(['stop']);
    const legCanceled = eventFor(ts, oco.legs?.[0].id as string, 'canceled');
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: oco.id as string });
    await legCanceled;
    const open = await alpaca.trading.orders.getAllOrders({ status: 'open' });
    expect(open).toEqual([]);
  });

  it('replaces and cancels a resting limit order, then refuses to cancel it twice', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastPrice('SPY') as number;
    const order = await alpaca.trading.orders.limit({ symbol: 'SPY', qty: 2, side: 'buy', limitPrice: +(px * 0.8).toFixed(2), timeInForce: 'gtc' });
    const replacedEvent = eventFor(ts, order.id as string, 'replaced');
    const replacement = await alpaca.trading.orders.patchOrderByOrderId({ orderId: order.id as string, patchOrderRequest: { limitPrice: (px * 0.7).toFixed(2) } });
    expect(replacement.replaces).toBe(order.id);
    expect(Number(replacement.limitPrice)).toBe(+(px * 0.7).toFixed(2));
    expect((await replacedEvent).order.replacedBy).toBe(replacement.id);

    const canceled = eventFor(ts, replacement.id as string, 'canceled');
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: replacement.id as string });
    expect((await canceled).order.status).toBe('canceled');
    const again = await apiError(alpaca.trading.orders.deleteOrderByOrderID({ orderId: replacement.id as string }));
    expect([again.status, again.code, again.message]).toEqual([422, 42210000, 'order is already in "canceled" state']);
    const unknown = await apiError(alpaca.trading.orders.deleteOrderByOrderID({ orderId: '00000000-0000-4000-8000-000000000000' }));
    expect([unknown.status, unknown.message]).toEqual([404, 'order not found']);
  });

  it('expires an unfilled day order at the close', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastPrice('QQQ') as number;
    const order = await alpaca.trading.orders.limit({ symbol: 'QQQ', qty: 1, side: 'buy', limitPrice: +(px * 0.5).toFixed(2), timeInForce: 'day' });
    const expired = eventFor(ts, order.id as string, 'expired');
    s.advanceTo('2024-01-03T21:00:00Z');
    expect((await expired).order.expiredAt?.toISOString()).toBe('2024-01-03T21:00:00.000Z');
  });

  it('fills a resting limit bigger than the printed size in parts', async () => {
    const s = await sim({ cash: 10_000_000 });
    const { alpaca, ts, updates } = await tradeStream(s);
    const px = s.market.lastPrice('SPY') as number;
    const order = await alpaca.trading.orders.limit({ symbol: 'SPY', qty: 6000, side: 'buy', limitPrice: +(px - 0.5).toFixed(2), timeInForce: 'gtc' });
    const filled = eventFor(ts, order.id as string, 'fill');
    for (let i = 0; i < 3 * 390 && s.broker.statusOf(order.id as string) !== 'filled'; i++) s.advance(60_000);
    await filled;
    const mine = updates.filter((u) => u.order.id === order.id);
    expect(mine.filter((u) => u.event === 'partial_fill').length).toBeGreaterThan(0);
    expect(mine.reduce((a, u) => a + Number(u.qty ?? 0), 0)).toBe(6000);
    for (const u of mine.filter((x) => x.price !== undefined)) expect(Number(u.price)).toBeLessThanOrEqual(+(px - 0.5).toFixed(2));
  });

  it('buys stocks on margin up to twice the equity, but crypto only with cash', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastTick('SPY')?.ask as number;
    const qty = Math.floor(150_000 / px);
    const order = await alpaca.trading.orders.market({ symbol: 'SPY', qty, side: 'buy' });
    await eventFor(ts, order.id as string, 'fill');
    const account = await alpaca.trading.account.getAccount();
    expect(Number(account.cash)).toBeCloseTo(100_000 - qty * px, 6);
    expect(Number(account.buyingPower)).toBeCloseTo(2 * Number(account.equity) - qty * (s.market.lastPrice('SPY') as number), 4);
    const crypto = await apiError(alpaca.trading.orders.market({ symbol: 'BTC/USD', qty: 0.01, side: 'buy', timeInForce: 'gtc' }));
    expect([crypto.status, crypto.message]).toEqual([403, 'insufficient buying power']);
  });

  it('replaces a partially filled order: the fills stay on it and the new quantity is the total', async () => {
    const s = await sim({ cash: 10_000_000 });
    const { alpaca, ts, updates } = await tradeStream(s);
    const px = s.market.lastPrice('SPY') as number;
    const order = await alpaca.trading.orders.limit({ symbol: 'SPY', qty: 6000, side: 'buy', limitPrice: +(px - 0.5).toFixed(2), timeInForce: 'gtc' });
    for (let i = 0; i < 6 * 3 * 390 && s.broker.statusOf(order.id as string) === 'new'; i++) s.advance(10_000);
    expect(s.broker.statusOf(order.id as string)).toBe('partially_filled');
    const before = await alpaca.trading.orders.getOrderByOrderID({ orderId: order.id as string });
    const tooSmall = await apiError(alpaca.trading.orders.patchOrderByOrderId({ orderId: order.id as string, patchOrderRequest: { qty: before.filledQty } }));
    expect(tooSmall.status).toBe(422);
    const next = await alpaca.trading.orders.patchOrderByOrderId({ orderId: order.id as string, patchOrderRequest: { qty: '8000' } });
    expect([next.replaces, next.qty]).toEqual([order.id, '8000']);
    expect(Number(next.filledQty)).toBeGreaterThanOrEqual(Number(before.filledQty));
    const filled = eventFor(ts, next.id as string, 'fill');
    for (let i = 0; i < 3 * 390 && s.broker.statusOf(next.id as string) !== 'filled'; i++) s.advance(60_000);
    await filled;
    const executed = updates.filter((u) => (u.order.id === order.id || u.order.id === next.id) && u.qty !== undefined);
    expect(executed.reduce((a, u) => a + Number(u.qty), 0)).toBe(8000);
    expect((await alpaca.trading.positions.getAllOpenPositions())[0].qty).toBe('8000');
  });

  it("shrinks a bracket's stop-loss as its take-profit fills in parts, and cancels it when the take-profit completes", async () => {
    const s = await sim({ cash: 10_000_000 });
    const { alpaca, ts } = await tradeStream(s);
    const px = s.market.lastPrice('SPY') as number;
    const order = await alpaca.trading.orders.bracket({
      symbol: 'SPY', qty: 6000, side: 'buy', timeInForce: 'gtc',
      takeProfit: { limitPrice: +(px + 0.3).toFixed(2) }, stopLoss: { stopPrice: +(px - 20).toFixed(2) },
    });
    await eventFor(ts, order.id as string, 'fill');
    const [tp, sl] = (await alpaca.trading.orders.getOrderByOrderID({ orderId: order.id as string, nested: true })).legs ?? [];
    for (let i = 0; i < 6 * 3 * 390 && s.broker.statusOf(tp.id as string) === 'new'; i++) s.advance(10_000);
    expect(s.broker.statusOf(tp.id as string)).toBe('partially_filled');
    const tpNow = await alpaca.trading.orders.getOrderByOrderID({ orderId: tp.id as string });
    const slNow = await alpaca.trading.orders.getOrderByOrderID({ orderId: sl.id as string });
    expect(Number(slNow.qty)).toBe(6000 - Number(tpNow.filledQty));
    const slCanceled = eventFor(ts, sl.id as string, 'canceled');
    for (let i = 0; i < 3 * 390 && s.broker.statusOf(tp.id as string) !== 'filled'; i++) s.advance(60_000);
    await slCanceled;
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it('holds a market order while its symbol is halted and fills it after the resumption', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    s.faults.halt('MSFT');
    const order = await alpaca.trading.orders.market({ symbol: 'MSFT', qty: 2, side: 'buy' });
    s.advance(5 * 60_000);
    expect(s.broker.statusOf(order.id as string)).toBe('new');
    const filled = eventFor(ts, order.id as string, 'fill');
    s.faults.resume('MSFT');
    s.advance(60_000);
    expect((await filled).order.filledAt?.getTime()).toBeGreaterThan(Date.parse('2024-01-03T15:05:00Z'));
  });

  it('closes at 13:00 on the day after Thanksgiving, as the NYSE calendar says', async () => {
    const s = await sim({ start: '2024-11-29T15:00:00Z' });
    const { alpaca, ts } = await tradeStream(s);
    const [day] = await alpaca.trading.calendar.legacyCalendar({ start: new Date('2024-11-29T00:00:00Z'), end: new Date('2024-11-29T23:00:00Z') });
    expect([day.open, day.close]).toEqual(['09:30', '13:00']);
    expect((await alpaca.trading.clock.legacyClock()).nextClose.toISOString()).toBe('2024-11-29T18:00:00.000Z');
    const px = s.market.lastPrice('QQQ') as number;
    const order = await alpaca.trading.orders.limit({ symbol: 'QQQ', qty: 1, side: 'buy', limitPrice: +(px * 0.5).toFixed(2), timeInForce: 'day' });
    const expired = eventFor(ts, order.id as string, 'expired');
    s.advanceTo('2024-11-29T21:00:00Z');
    expect((await expired).order.expiredAt?.toISOString()).toBe('2024-11-29T18:00:00.000Z');
    const bars = await alpaca.marketData.collectStockBarSingle({ symbol: 'QQQ', timeframe: '1Min' as never, start: new Date('2024-11-29T00:00:00Z'), end: new Date('2024-11-30T00:00:00Z') });
    expect([bars.length, bars[bars.length - 1].t.toISOString()]).toEqual([210, '2024-11-29T17:59:00.000Z']);
  });

  it("refuses invalid orders with Alpaca's statuses, codes and messages", async () => {
    const s = await sim();
    const alpaca = sdkFor(s.url);
    const cases: [() => Promise<unknown>, number, number, string][] = [
      [() => alpaca.trading.orders.market({ symbol: 'SPY', qty: 0, side: 'buy' }), 422, 40010001, 'qty must be > 0'],
      [() => alpaca.trading.orders.submit({ symbol: 'SPY', qty: 1, side: 'buy', type: 'limit' }), 422, 40010001, 'limit_price is required'],
      [() => alpaca.trading.orders.market({ symbol: 'NOPE', qty: 1, side: 'buy' }), 422, 42210000, 'asset "NOPE" not found'],
      [() => alpaca.trading.orders.market({ symbol: 'SPY', qty: 100000, side: 'buy' }), 403, 40310000, 'insufficient buying power'],
      [() => alpaca.trading.orders.bracket({ symbol: 'SPY', qty: 1, side: 'buy', timeInForce: 'gtc', takeProfit: { limitPrice: 1 }, stopLoss: { stopPrice: 0.5 } }), 422, 42210000, 'take_profit.limit_price must be >= base_price + 0.01'],
      [() => alpaca.trading.orders.market({ symbol: 'BTC/USD', qty: 1, side: 'buy', timeInForce: 'day' }), 422, 42210000, 'invalid crypto time_in_force'],
    ];
    for (const [call, status, code, message] of cases) {
      const err = await apiError(call());
      expect([err.status, err.code]).toEqual([status, code]);
      expect(err.message.startsWith(message)).toBe(true);
    }
    await alpaca.trading.orders.market({ symbol: 'SPY', qty: 1, side: 'buy', clientOrderId: 'dup' });
    const dup = await apiError(alpaca.trading.orders.market({ symbol: 'SPY', qty: 1, side: 'buy', clientOrderId: 'dup' }));
    expect([dup.status, dup.code, dup.message]).toEqual([422, 40010001, 'client_order_id must be unique']);
    const raw = await fetch(`${s.url}/v2/orders`, { method: 'POST', headers: { 'APCA-API-KEY-ID': 'K', 'APCA-API-SECRET-KEY': 'S' }, body: '{"symbol":' });
    expect([raw.status, await raw.json()]).toEqual([400, { code: 40010000, message: 'request body format is invalid' }]);
  });

  it('reports an order the exchange rejects as a rejected trade update', async () => {
    const s = await sim();
    const { alpaca, ts } = await tradeStream(s);
    s.faults.rejectOrders(1);
    const order = await alpaca.trading.orders.market({ symbol: 'SPY', qty: 1, side: 'buy' });
    const rejected = await eventFor(ts, order.id as string, 'rejected');
    expect(rejected.order.status).toBe('rejected');
    expect(await alpaca.trading.positions.getAllOpenPositions()).toEqual([]);
  });

  it('refuses wrong keys on REST and on the trading stream when keys are configured', async () => {
    const s = await sim({ keys: { keyId: 'good', secret: 'secret' } });
    expect((await sdkFor(s.url, 'good', 'secret').trading.account.getAccount()).status).toBe('ACTIVE');
    const bad = sdkFor(s.url, 'good', 'wrong');
    const err = await apiError(bad.trading.account.getAccount());
    expect([err.name, err.status, err.code, err.message]).toEqual(['AuthError', 401, 40110000, 'request is not authorized']);
    const data = await apiError(bad.marketData.stocks.stockLatestTrades({ symbols: 'SPY' }));
    expect([data.name, data.status]).toEqual(['PermissionError', 403]);
    const noKeys = await fetch(`${s.url}/v2/account`);
    expect(noKeys.status).toBe(403);
    const { auth } = await tradeStream(s, 'good', 'wrong');
    expect(auth).toMatchObject({ authenticated: false, status: 'server_rejected' });
  });
});
