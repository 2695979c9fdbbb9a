// Bad input never takes the simulator down: arbitrary order bodies get Alpaca's 4xx answers with
// a message (never a 500), and garbage WebSocket frames, JSON or MessagePack, on the market-data
// and trade_updates streams get Alpaca's error messages, after which the official SDK is still
// served as if nothing happened.

import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { STREAM_ERRORS } from './ws-data';
import { startSimulator, type Simulator } from './index';
import { firstEvent, sdkFor } from './test-support';
import { decodeFrame } from './codec';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const HEADERS = { 'APCA-API-KEY-ID': 'K', 'APCA-API-SECRET-KEY': 'S', 'Content-Type': 'application/json' };

/** Values an order field might be sent as by a buggy client. */
const junk = fc.oneof(
  fc.constantFrom('1', '0', '-1', '1.5', '1e9', 'abc', '', 'NaN', 'buy', 'sell', 'market', 'limit', 'gtc', 'day', 'bracket', 'oco', 'oto', 'SPY', 'BTC/USD'),
  fc.double({ noNaN: false }), fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 40 }),
  fc.dictionary(fc.constantFrom('limit_price', 'stop_price', 'x'), fc.oneof(fc.double(), fc.string({ maxLength: 6 })), { maxKeys: 3 }),
  fc.array(fc.anything(), { maxLength: 3 }),
);

const orderBody = fc.oneof(
  fc.record({
    symbol: fc.oneof(fc.constantFrom('SPY', 'AAPL', 'BTC/USD', 'NOPE', 'spy', ''), junk),
    qty: junk, notional: junk, side: junk, type: junk, time_in_force: junk, limit_price: junk, stop_price: junk,
    trail_price: junk, trail_percent: junk, order_class: junk, take_profit: junk, stop_loss: junk, extended_hours: junk,
    client_order_id: fc.oneof(junk, fc.string({ minLength: 120, maxLength: 200 })), legs: junk,
  }, { requiredKeys: [] }),
  fc.anything(),
);

async function post(s: Simulator, path: string, body: string, method = 'POST'): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${s.url}${path}`, { method, headers: HEADERS, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** A raw WebSocket that records every message the simulator sends, decoded. */
async function rawSocket(url: string, msgpack: boolean) {
  const ws = new WebSocket(url, { headers: msgpack ? { 'Content-Type': 'application/msgpack' } : {} });
  const got: unknown[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data, isBinary) => {
    const msg = decodeFrame(data as Buffer, isBinary);
    for (const m of Array.isArray(msg) ? msg : [msg]) got.push(m);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const until = (n: number): Promise<void> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.length} messages, waited for ${n}: ${JSON.stringify(got.slice(-3))}`)), 5000);
    const check = () => {
      if (got.length >= n) { clearTimeout(timer); resolve(); } else waiters.push(check);
    };
    check();
  });
  return { ws, got, until };
}

const frames = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  fc.string({ maxLength: 60 }).map((t) => ({ data: t, binary: false })),
  fc.anything().map((v) => ({ data: JSON.stringify(v) ?? 'null', binary: false })),
  fc.record({
    action: fc.constantFrom('subscribe', 'unsubscribe', 'listen', 'nope', 5),
    trades: junk, bars: junk, quotes: junk, orderbooks: junk, data: junk,
  }, { requiredKeys: ['action'] }).map((v) => ({ data: Buffer.from(encode(v)), binary: true })),
);

describe('bad input to the simulator', () => {
  it("answers any order body with Alpaca's 4xx and a message, never a 500", async () => {
    // Hundreds of requests a minute: past Alpaca's 200/min, which is not what this is about.
    const s = await startSimulator({ rateLimitPerMinute: 0 });
    running.push(s);
    await fc.assert(fc.asyncProperty(orderBody, async (body) => {
      const text = JSON.stringify(body) ?? '';
      const r = await post(s, '/v2/orders', text);
      if (r.status === 200) {
        expect(typeof r.json.id).toBe('string');
        return;
      }
      expect([400, 403, 404, 422]).toContain(r.status);
      expect(typeof r.json.message).toBe('string');
      expect(String(r.json.message).length).toBeGreaterThan(0);
      expect(Number.isInteger(r.json.code)).toBe(true);
    }), { numRuns: 400, seed: 6 });
    // Replacing an order with junk is refused the same way.
    const order = await sdkFor(s.url).trading.orders.limit({ symbol: 'SPY', qty: 1, side: 'buy', limitPrice: 1, timeInForce: 'gtc' });
    await fc.assert(fc.asyncProperty(orderBody, async (body) => {
      const r = await post(s, `/v2/orders/${order.id as string}`, JSON.stringify(body) ?? '', 'PATCH');
      expect(r.status).not.toBe(500);
    }), { numRuns: 150, seed: 7 });
    expect((await sdkFor(s.url).trading.account.getAccount()).status).toBe('ACTIVE');
  }, 60_000);

  it("answers garbage frames on the market-data streams with Alpaca's error messages and keeps serving", async () => {
    const s = await startSimulator();
    running.push(s);
    for (const msgpack of [true, false]) {
      const c = await rawSocket(s.urls.stockStream, msgpack);
      await c.until(1);
      c.ws.send(msgpack ? Buffer.from(encode({ action: 'auth', key: 'K', secret: 'S' })) : JSON.stringify({ action: 'auth', key: 'K', secret: 'S' }));
      await c.until(2);
      expect(c.got).toEqual([{ T: 'success', msg: 'connected' }, { T: 'success', msg: 'authenticated' }]);
      const sample = fc.sample(frames, { numRuns: 200, seed: msgpack ? 1 : 2 });
      for (const f of sample) c.ws.send(f.data, { binary: f.binary });
      // A last frame that must be answered: everything before it was, in order.
      c.ws.send(JSON.stringify({ action: 'subscribe', bars: ['SPY'] }));
      await c.until(2 + sample.length + 1);
      for (const m of c.got.slice(2)) {
        const msg = m as { T: string; code?: number; msg?: string };
        expect(['error', 'subscription']).toContain(msg.T);
        if (msg.T === 'error') expect(msg.msg).toBe(STREAM_ERRORS[msg.code as number]);
      }
      expect((c.got.at(-1) as { T: string }).T).toBe('subscription');
      expect(c.ws.readyState).toBe(WebSocket.OPEN);
      c.ws.close();
    }
    // The SDK still streams as before.
    const md = sdkFor(s.url).marketData.stockStream({ url: s.urls.stockStream, reconnect: false });
    const bar = firstEvent<{ symbol: string }>((cb) => md.onBar(cb));
    const subscribed = firstEvent<unknown>((cb) => md.on('subscription', cb));
    md.subscribeForBars(['SPY']);
    md.connect();
    await subscribed;
    s.advance(60_000);
    expect((await bar).symbol).toBe('SPY');
    md.disconnect();
  });

  it('answers garbage frames on the trade_updates stream with error messages and keeps serving', async () => {
    const s = await startSimulator();
    running.push(s);
    const c = await rawSocket(s.urls.tradingStream, false);
    c.ws.send(JSON.stringify({ action: 'auth', key: 'K', secret: 'S' }));
    await c.until(1);
    expect(c.got).toEqual([{ stream: 'authorization', data: { status: 'authorized', action: 'auth' } }]);
    const sample = fc.sample(frames, { numRuns: 200, seed: 3 });
    for (const f of sample) c.ws.send(f.data, { binary: f.binary });
    c.ws.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
    await c.until(1 + sample.length + 1);
    for (const m of c.got.slice(1, -1)) {
      const msg = m as { action?: string; stream?: string; data: Record<string, unknown> };
      if (msg.stream === 'listening') continue;
      expect(msg.action).toBe('error');
      expect(['invalid syntax', 'invalid listen data', 'unrecognized action']).toContain(msg.data.error_message);
    }
    expect(c.got.at(-1)).toEqual({ stream: 'listening', data: { streams: ['trade_updates'] } });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
    expect((await sdkFor(s.url).trading.account.getAccount()).status).toBe('ACTIVE');
  });
});
