// `studio sim --workspace DIR --speed X --port 0` as a user runs it: a separate process replaying
// that workspace's lake in accelerated wall time, driven only by the official Alpaca SDK and by
// the simulator's HTTP control endpoint. The acceptance story of issue 6: account, a bracket
// order that fills with `new` and `fill` trade updates, its take-profit/stop-loss legs, cancelling
// the remaining leg, positions, a MessagePack bar stream of the lake's bars, and a dropped socket
// the adapter recovers from without a gap.

import { ApiError, type streaming } from '@alpacahq/alpaca-trade-api';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlpacaCredentials, AlpacaMarketData, connect, type ConnectionEvent, type MarketEvent } from '../../engine/alpaca';
import { generateSample } from '../../engine/core/sample';
import { Lake } from '../../engine/lake/lake';
import { writeBars } from '../../engine/lake/writer';
import { collect, firstEvent, sdkFor } from '../../engine/sim/test-support';
import { tmpDir } from '../support/tmp';

const root = path.resolve(import.meta.dirname, '..', '..');
const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-engine.mjs'], { cwd: root, stdio: 'pipe' });
}, 120_000);

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const c of children) c.kill('SIGTERM');
  await Promise.all([...children].map((c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('exit', resolve)))));
  children.clear();
});

interface Running { child: ChildProcess; url: string; out: string }

/** Starts `studio sim` and resolves once it has printed its last start-up line. */
function studioSim(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['bin/studio.js', 'sim', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '', err = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url && /^orders: .*$/m.test(out)) resolve({ child, url, out });
    });
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('exit', (code) => reject(new Error(`studio sim exited ${code}: ${err}${out}`)));
  });
}

function runStudioSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/studio.js', 'sim', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '', stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.once('close', (code) => { children.delete(child); resolve({ code, stdout, stderr }); }));
}

async function control(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/__sim/faults`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

type LakeBar = { t: number; o: number; h: number; l: number; c: number; v: number };

/** Two sessions of two symbols written into a workspace's lake; returns the bars by symbol. */
async function workspaceWithLake(): Promise<{ dir: string; bars: Record<string, LakeBar[]> }> {
  const dir = tmpDir('studio-sim-ws-');
  const sample = generateSample({ from: '2024-03-04', to: '2024-03-05', seed: 5, symbols: ['AAA', 'BBB'], timeframe: '1Min', corporateActions: 'none' });
  await writeBars(path.join(dir, 'lake'), sample.bars, 'test');
  const bars: Record<string, LakeBar[]> = {};
  for (const b of sample.bars) {
    bars[b.symbol] = Array.from(b.ts, (t, i) => ({ t: Number(t / 1_000_000n), o: b.open[i], h: b.high[i], l: b.low[i], c: b.close[i], v: b.volume[i] }));
  }
  return { dir, bars };
}

describe('studio sim, a separate process, against the official SDK', () => {
  it('replays the workspace lake: a bracket order fills with its trade updates and legs, the remaining leg is cancelled, bars stream over MessagePack', async () => {
    const ws = await workspaceWithLake();
    const sim = await studioSim(['--workspace', ws.dir, '--speed', '120', '--port', '0']);
    expect(sim.out).toContain(`  tradingStream: ws://${new URL(sim.url).host}/stream`);
    expect(sim.out).toContain(`  stockStream: ws://${new URL(sim.url).host}/v2/iex`);
    expect(sim.out).toContain(`market data: replaying the workspace lake (${path.join(ws.dir, 'lake')}): 1560 1Min bars of AAA, BBB, 2024-03-04 14:30 to 2024-03-05 20:59 UTC`);
    expect(sim.out).toContain('  also generated (seed 42): FAKEPACA, BTC/USD, ETH/USD');
    expect(sim.out).toContain('clock: starts 2024-03-04T14:31:00.000Z, 120x wall time');

    const alpaca = sdkFor(sim.url);
    expect((await alpaca.trading.account.getAccount()).status).toBe('ACTIVE');
    const assets = await alpaca.trading.assets.getV2Assets({ status: 'active' });
    expect(assets.map((a) => a.symbol).sort()).toEqual(['AAA', 'BBB', 'BTC/USD', 'ETH/USD', 'FAKEPACA']);

    const ts = alpaca.trading.stream({ url: `${sim.url.replace('http', 'ws')}/stream`, reconnect: false });
    cleanups.push(() => ts.disconnect());
    const updates = collect<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb));
    const listening = firstEvent<unknown>((cb) => ts.on('subscription', cb));
    ts.subscribeTradeUpdates();
    ts.connect();
    await ts.whenAuthenticated();
    await listening;

    const md = alpaca.marketData.stockStream({ url: `${sim.url.replace('http', 'ws')}/v2/iex`, reconnect: false });
    cleanups.push(() => md.disconnect());
    const streamed = collect<streaming.StreamBar>((cb) => md.onBar(cb));
    const mdSubscribed = firstEvent<unknown>((cb) => md.on('subscription', cb));
    md.subscribeForBars(['AAA']);
    md.connect();
    await mdSubscribed;
    // The SDK asks for MessagePack; the simulator says which codec each stream speaks.
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as { matching: string; dataStreams: unknown[] };
    expect(state.matching).toBe('backtest');
    expect(state.dataStreams).toEqual([{ path: '/v2/iex', codec: 'msgpack', authenticated: true }]);

    const px = (await alpaca.marketData.stocks.stockLatestTrades({ symbols: 'AAA' })).trades?.AAA?.p as number;
    expect(px).toBeGreaterThan(0);
    const order = await alpaca.trading.orders.bracket({
      symbol: 'AAA', qty: 10, side: 'buy', timeInForce: 'gtc', clientOrderId: 'acc-bracket',
      takeProfit: { limitPrice: +(px * 1.5).toFixed(2) }, stopLoss: { stopPrice: +(px * 0.5).toFixed(2) },
    });
    expect(order.orderClass).toBe('bracket');
    const isFill = (u: streaming.TradeUpdate): boolean => u.order.id === order.id && u.event === 'fill';
    const fill = updates.find(isFill) ?? await firstEvent<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb), isFill);
    expect(updates.filter((u) => u.order.id === order.id).map((u) => u.event)).toEqual(['new', 'fill']);
    // The backtest's rule: a market order fills at the open of the next bar, stamped at its close.
    const fillMs = (fill.timestamp as Date).getTime();
    const bar = ws.bars.AAA.find((b) => b.t === fillMs - 60_000);
    expect(Number(fill.price)).toBe(bar?.o);
    expect(fill.positionQty).toBe('10');

    const nested = await alpaca.trading.orders.getOrderByOrderID({ orderId: order.id as string, nested: true });
    expect(nested.legs?.map((l) => [l.type, l.side, l.status])).toEqual([['limit', 'sell', 'new'], ['stop', 'sell', 'new']]);
    const [tp, sl] = nested.legs ?? [];
    const canceled = (id: string) => (u: streaming.TradeUpdate): boolean => u.order.id === id && u.event === 'canceled';
    const bothCanceled = Promise.all([tp, sl].map((leg) => firstEvent<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb), canceled(leg.id as string))));
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: sl.id as string });
    await bothCanceled;
    expect(await alpaca.trading.orders.getAllOrders({ status: 'open', nested: true })).toEqual([]);

    const positions = await alpaca.trading.positions.getAllOpenPositions();
    expect(positions.map((p) => [p.symbol, p.qty])).toEqual([['AAA', '10']]);

    // Streamed bars are the lake's bars, minute by minute.
    if (streamed.length < 2) await firstEvent<streaming.StreamBar>((cb) => md.onBar(cb), () => streamed.length >= 2);
    for (const b of streamed) {
      const row = ws.bars.AAA.find((x) => x.t === b.timestamp.getTime());
      expect([b.symbol, b.open, b.high, b.low, b.close, b.volume]).toEqual(['AAA', row?.o, row?.h, row?.l, row?.c, row?.v]);
    }

    // Faults switched through the control endpoint: a 500 on the next account read, a rejected order.
    expect(await control(sim.url, { fail: { pathPrefix: '/v2/account', status: 500, count: 1 } })).toEqual({ status: 200, body: { ok: true, dropped: 0 } });
    const failed = await alpaca.trading.account.getAccount().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).status).toBe(500);
    expect((await alpaca.trading.account.getAccount()).status).toBe('ACTIVE');
    await control(sim.url, { rejectOrders: 1 });
    const doomed = await alpaca.trading.orders.market({ symbol: 'BBB', qty: 1, side: 'buy', clientOrderId: 'acc-rejected' });
    const rejected = updates.find((u) => u.order.id === doomed.id && u.event === 'rejected')
      ?? await firstEvent<streaming.TradeUpdate>((cb) => ts.onTradeUpdate(cb), (u) => u.order.id === doomed.id && u.event === 'rejected');
    expect(rejected.order.status).toBe('rejected');

    // Bad control input is refused with the field named, and the simulator carries on.
    expect(await control(sim.url, { fail: { status: 'often' } })).toMatchObject({ status: 400, body: { message: expect.stringContaining('fail.status') } });
    expect((await alpaca.trading.account.getAccount()).status).toBe('ACTIVE');
  });

  it('drops the market-data socket on request: the adapter reconnects, resubscribes and backfills, and no minute is missing', async () => {
    const ws = await workspaceWithLake();
    const sim = await studioSim(['--workspace', ws.dir, '--speed', '240', '--port', '0']);
    const conn = connect({ endpoint: { kind: 'simulator', url: sim.url }, credentials: new AlpacaCredentials('K', 'S') });
    // Reconnecting after 1.5 s of wall time misses about six simulated minutes at 240x.
    const live = new AlpacaMarketData(conn).live({ feed: 'iex', initialReconnectMs: 1500, maxReconnectMs: 1500 });
    cleanups.push(() => live.close());
    const events: (MarketEvent | ConnectionEvent)[] = [];
    live.on((e) => events.push(e));
    live.subscribeBars(['BBB']);
    await live.connect();
    const bars = () => events.filter((e): e is Extract<MarketEvent, { type: 'Bar' }> => e.type === 'Bar');
    const barCount = (n: number) => (bars().length >= n ? Promise.resolve() : firstEvent<unknown>((cb) => live.on(cb), () => bars().length >= n, 20_000));

    await barCount(2);
    const backfilled = firstEvent<MarketEvent | ConnectionEvent>((cb) => live.on(cb), (e) => e.type === 'BarsBackfilled', 20_000);
    expect(await control(sim.url, { dropStreams: 'data' })).toEqual({ status: 200, body: { ok: true, dropped: 1 } });
    const filled = (await backfilled) as Extract<ConnectionEvent | MarketEvent, { type: 'BarsBackfilled' }>;
    expect(filled.count).toBeGreaterThan(0);
    const upTo = bars().length;
    await barCount(upTo + 3);

    const got = bars();
    const starts = got.map((b) => Number(b.bar.start / 1_000_000n));
    const first = ws.bars.BBB.findIndex((b) => b.t === starts[0]);
    expect(first).toBeGreaterThanOrEqual(0);
    // Every minute from the first bar seen to the last, once, in order, with the lake's prices.
    expect(starts).toEqual(ws.bars.BBB.slice(first, first + got.length).map((b) => b.t));
    expect(got.map((b) => [b.bar.open, b.bar.close, b.bar.volume])).toEqual(ws.bars.BBB.slice(first, first + got.length).map((b) => [b.o, b.c, b.v]));
    expect(got.filter((b) => b.backfilled).length).toBe(filled.count);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['StreamReconnecting', 'StreamReconnected', 'Subscribed', 'BarsBackfilled']));
  });

  it('is what `studio lake fetch --url` pages from: a second workspace ends up with exactly the replayed bars', async () => {
    const ws = await workspaceWithLake();
    const sim = await studioSim(['--workspace', ws.dir, '--speed', '60', '--port', '0']);
    // Past the lake's last session, so every bar of it has completed on the simulated clock.
    const moved = await fetch(`${sim.url}/__sim/clock`, { method: 'POST', body: JSON.stringify({ to: '2024-03-06T00:00:00Z' }) });
    expect(moved.status).toBe(200);
    const target = tmpDir('studio-sim-fetch-');
    const fetched = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/studio.js', 'lake', 'fetch', '--symbols', 'AAA,BBB', '--from', '2024-03-04', '--to', '2024-03-05',
        '--page-limit', '500', '--url', sim.url, '--workspace', target], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: '' } });
      children.add(child);
      let stdout = '', stderr = '';
      child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.once('close', (code) => { children.delete(child); resolve({ code, stdout, stderr }); });
    });
    expect(fetched.stderr).toBe('');
    expect(fetched.stdout).toContain('fetched 1560 1Min bars in 4 pages for AAA,BBB');
    expect(fetched.stdout).toContain('the lake holds AAA 780, BBB 780');
    const lake = await Lake.open(path.join(target, 'lake'));
    try {
      for (const b of await lake.bars({ symbols: ['AAA', 'BBB'], timeframe: '1Min' })) {
        const got = Array.from(b.ts, (t, i) => ({ t: Number(t / 1_000_000n), o: b.open[i], h: b.high[i], l: b.low[i], c: b.close[i], v: b.volume[i] }));
        expect(got).toEqual(ws.bars[b.symbol]);
      }
    } finally {
      lake.close();
    }
  });

  it('falls back to a generated market when the workspace lake is empty, and names bad flags', async () => {
    const dir = tmpDir('studio-sim-empty-');
    const sim = await studioSim(['--workspace', dir, '--speed', '60', '--port', '0', '--seed', '7']);
    expect(sim.out).toContain(`market data: generated (synthetic, seed 7): the workspace lake (${path.join(dir, 'lake')}) has no 1Min bars`);
    const assets = await sdkFor(sim.url).trading.assets.getV2Assets({ status: 'active' });
    expect(assets.map((a) => a.symbol)).toContain('SPY');

    const bad = await runStudioSim(['--workspace', dir, '--speed', '0']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'studio: --speed: expected a positive number, got 0']);
    const half = await runStudioSim(['--workspace', dir, '--key', 'K']);
    expect([half.code, half.stderr.trim()]).toEqual([2, 'studio: --key and --secret go together']);
  });
});
