// The local Alpaca-protocol simulator on one 127.0.0.1 port: trading REST, market-data REST,
// the `trade_updates` stream and the market-data streams, all driven by one simulated clock.
// `startSimulator` is what tests, the runner and the `studio sim` command start.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { KeyPolicy, type SimKeys } from './auth';
import { SimBroker } from './broker';
import { SimClock } from './clock';
import {
  FailureInjector, RateLimiter, dispatch, readBody, sendJson, type InjectedFailure, type Reply, type RequestContext,
} from './http';
import { Market, bucketStart } from './market';
import { ApiFailure, CODE } from './orders';
import { dataRoutes } from './rest-data';
import { tradingRoutes } from './rest-trading';
import { SyntheticSource, type MarketDataSource, type MinuteBar } from './source';
import { MINUTE_MS, dateOfDayNumber, dayNumber, etDate, sessionOn } from './time';
import { DataStreamServer, type DataFeed } from './ws-data';
import { TradingStreamServer } from './ws-trading';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. The simulator always binds 127.0.0.1. */
  port?: number;
  /** When set, only these keys are accepted; otherwise any non-empty pair is. */
  keys?: SimKeys;
  /** Price source; defaults to the seeded synthetic source. */
  source?: MarketDataSource;
  /** Seed of the default synthetic source. */
  seed?: number;
  /** Simulated start time; defaults to 2024-01-03 10:00 New York, a regular session. */
  start?: string | number | Date;
  /** Live mode: simulated time follows wall time × speed. Omit to step the clock by hand. */
  speed?: number;
  /** Starting cash of the paper account. */
  cash?: number;
  /** Requests per minute per key and API before 429; 0 disables the limit. */
  rateLimitPerMinute?: number;
  /** Wall time for rate-limit windows; injected so tests can move past a window without waiting. */
  wallNow?: () => number;
  /** Market-data streams: auth deadline (Alpaca: 10 s). */
  authTimeoutMs?: number;
  /** Authenticated market-data connections per key and endpoint; 0 (default) for no limit. */
  connectionLimit?: number;
  /** Distinct trade+quote symbols per market-data connection; 0 (default) for no limit. */
  symbolLimit?: number;
  /** Market-data feeds the simulated plan includes; others get 409 at stream auth. */
  entitledFeeds?: readonly DataFeed[];
  logger?: Logger;
}

export interface SimulatorFaults {
  /** The next `count` requests whose path starts with `pathPrefix` answer `status`. */
  failRequests(plan: InjectedFailure): void;
  /** Drops open WebSockets without a close handshake; returns how many. */
  dropStreams(which?: 'all' | 'data' | 'trading'): number;
  /** Delays every WebSocket frame by this many wall-clock ms (0 to stop). */
  delayMessages(ms: number): void;
  /** The next `n` orders are accepted over REST and then rejected on the stream. */
  rejectOrders(n: number): void;
  /** Publishes a trading halt status for a symbol. */
  halt(symbol: string): void;
  clear(): void;
}

export interface Simulator {
  port: number;
  /** `http://127.0.0.1:PORT`: trading and market-data REST share it. */
  url: string;
  urls: { rest: string; tradingStream: string; stockStream: string; testStream: string; cryptoStream: string; control: string };
  clock: SimClock;
  market: Market;
  broker: SimBroker;
  faults: SimulatorFaults;
  /** Steps simulated time; orders match and streams publish everything in between. */
  advance(ms: number): void;
  advanceTo(time: string | number | Date): void;
  close(): Promise<void>;
}

const DEFAULT_START = '2024-01-03T15:00:00Z';

function toMs(t: string | number | Date): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
  if (!Number.isFinite(ms)) throw new Error(`invalid simulator time: ${String(t)}`);
  return ms;
}

const isDataPath = (p: string): boolean => p.startsWith('/v2/stocks') || p.startsWith('/v1beta3/crypto') || p.startsWith('/v1beta1/');

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const log = options.logger;
  const clock = new SimClock({ startMs: toMs(options.start ?? DEFAULT_START) });
  // Market and broker read this cursor, which the clock loop sets to each event's time, so an
  // order activated mid-step never sees prices from later in the same step.
  let cursor = clock.now();
  const now = (): number => cursor;
  const source = options.source ?? new SyntheticSource({ seed: options.seed });
  const market = new Market(source, now);
  const broker = new SimBroker(market, now, { cash: options.cash });
  const keys = new KeyPolicy(options.keys);
  let delayMs = 0;
  const data = new DataStreamServer({
    keys,
    authTimeoutMs: options.authTimeoutMs ?? 10_000,
    connectionLimit: options.connectionLimit ?? 0,
    symbolLimit: options.symbolLimit ?? 0,
    entitledFeeds: new Set<DataFeed>(options.entitledFeeds ?? ['iex', 'sip', 'delayed_sip', 'test', 'crypto']),
    delayMs: () => delayMs,
  });
  const trading = new TradingStreamServer(keys, () => delayMs);
  broker.onUpdate((u) => trading.publish(u));
  const failures = new FailureInjector();
  const wallNow = options.wallNow ?? Date.now;
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 200, wallNow);
  const routes = [...tradingRoutes(broker, market, now), ...dataRoutes(market, now)];

  clock.onAdvance((from, to) => {
    try {
      step(from, to);
    } finally {
      cursor = to;
    }
  });

  function step(from: number, to: number): void {
    const all = market.symbols().map((s) => s.symbol);
    const symbols = new Set([...broker.activeSymbols(), ...data.subscribedSymbols(all)]);
    const events: { t: number; rank: number; run: () => void }[] = [];
    for (const symbol of symbols) {
      const info = market.info(symbol);
      if (!info) continue;
      const crypto = info.assetClass === 'crypto';
      cursor = to;
      for (const tick of market.ticksBetween(symbol, from, to)) {
        events.push({ t: tick.t, rank: 1, run: () => { broker.onTick(tick); data.publishTick(tick, crypto); } });
      }
      // A minute bar is published when its minute ends.
      for (const bar of source.minuteBars(symbol, from - MINUTE_MS + 1, to - MINUTE_MS + 1)) {
        events.push({
          t: bar.t + MINUTE_MS, rank: 0, run: () => {
            data.publishBar({ symbol, kind: 'b', bar }, crypto);
            const daily = dailySoFar(symbol, bar.t + MINUTE_MS, crypto);
            if (daily) data.publishBar({ symbol, kind: 'd', bar: daily }, crypto);
          },
        });
      }
    }
    const lastDay = Math.min(dayNumber(etDate(to)), dayNumber(etDate(from)) + 3660);
    for (let d = dayNumber(etDate(from)); d <= lastDay; d++) {
      const s = sessionOn(dateOfDayNumber(d));
      if (s && s.close > from && s.close <= to) events.push({ t: s.close, rank: 2, run: () => broker.onSessionClose(s.close) });
    }
    events.sort((a, b) => a.t - b.t || a.rank - b.rank);
    for (const e of events) {
      cursor = e.t;
      e.run();
    }
    cursor = to;
    data.flush();
  }

  function dailySoFar(symbol: string, t: number, crypto: boolean): MinuteBar | undefined {
    const dayStart = crypto ? Math.floor((t - 1) / 86_400_000) * 86_400_000 : sessionOn(etDate(t - 1))?.open;
    if (dayStart === undefined) return undefined;
    const bars = source.minuteBars(symbol, dayStart, t);
    if (bars.length === 0) return undefined;
    const v = bars.reduce((a, b) => a + b.v, 0);
    return {
      // Daily bars are labelled at midnight New York time.
      t: crypto ? dayStart : bucketStart({ n: 1, unit: 'Day' }, dayStart),
      o: bars[0].o, h: Math.max(...bars.map((b) => b.h)), l: Math.min(...bars.map((b) => b.l)), c: bars[bars.length - 1].c,
      v, n: bars.reduce((a, b) => a + b.n, 0), vw: v > 0 ? Math.round((bars.reduce((a, b) => a + b.vw * b.v, 0) / v) * 10000) / 10000 : bars[0].vw,
    };
  }

  const faults: SimulatorFaults = {
    failRequests: (plan) => failures.add(plan),
    dropStreams: (which = 'all') => (which !== 'trading' ? data.dropAll() : 0) + (which !== 'data' ? trading.dropAll() : 0),
    delayMessages: (ms) => { delayMs = Math.max(0, ms); },
    rejectOrders: (n) => broker.rejectNextOrders(n),
    halt: (symbol) => {
      data.publishStatus(symbol, clock.now(), 'H', 'Trading Halt', 'T12', 'Trading Halted; For information requested by NASDAQ');
      data.flush();
    },
    clear: () => { failures.clear(); delayMs = 0; broker.rejectNextOrders(0); },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path.startsWith('/__sim/')) {
      sendJson(res, await control(method, path, req));
      return;
    }
    const api = isDataPath(path) ? 'data' : 'trading';
    const keyId = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    const bearer = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const check = bearer && !options.keys ? 'ok' : keys.check(keyId, secret);
    if (check !== 'ok') {
      // What Alpaca answers: the trading API refuses a request without keys as forbidden and
      // unknown keys as unauthorized; market data the other way round.
      const missing = check === 'missing';
      const reply: Reply = api === 'trading'
        ? missing ? { status: 403, body: { message: 'forbidden.' } } : { status: 401, body: { code: CODE.unauthorized, message: 'request is not authorized' } }
        : missing ? { status: 401, body: { message: 'unauthorized.' } } : { status: 403, body: { message: 'forbidden' } };
      sendJson(res, reply);
      return;
    }
    const rate = limiter.take(`${api}|${String(keyId ?? bearer)}`);
    if (rate.limited) {
      sendJson(res, { status: 429, body: { code: CODE.rateLimited, message: 'rate limit exceeded' } }, rate.headers);
      return;
    }
    const injected = failures.take(path);
    if (injected) {
      const message = injected.message ?? (injected.status === 429 ? 'rate limit exceeded' : 'internal server error');
      sendJson(res, { status: injected.status, body: { code: injected.status * 100_000, message } }, rate.headers);
      return;
    }
    let body: unknown;
    if (method === 'POST' || method === 'PATCH') {
      const text = await readBody(req);
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new ApiFailure(400, CODE.malformed, 'request body format is invalid');
      }
    }
    const ctx: RequestContext = { method, path, query: url.searchParams, body, headers: req.headers };
    let reply: Reply;
    try {
      reply = dispatch(routes, ctx) ?? { status: 404, body: { code: CODE.notFound, message: 'endpoint not found' } };
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      reply = { status: err.status, body: err.body() };
    }
    log?.debug({ method, path, status: reply.status }, 'sim request');
    sendJson(res, reply, rate.headers);
  }

  async function control(method: string, path: string, req: IncomingMessage): Promise<Reply> {
    const text = method === 'POST' ? await readBody(req) : '';
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return { status: 400, body: { message: 'control body must be JSON' } };
    }
    const state = (): Reply => ({ status: 200, body: { now: new Date(clock.now()).toISOString(), live: clock.live, speed: clock.liveSpeed } });
    if (method === 'GET' && path === '/__sim/state') return state();
    if (method === 'POST' && path === '/__sim/clock') {
      if (typeof body.advanceMs === 'number') clock.advance(body.advanceMs);
      else if (typeof body.to === 'string') clock.advanceTo(toMs(body.to));
      else return { status: 400, body: { message: 'expected {"advanceMs": n} or {"to": "RFC-3339"}' } };
      return state();
    }
    if (method === 'POST' && path === '/__sim/faults') {
      if (body.clear === true) faults.clear();
      if (typeof body.fail === 'object' && body.fail !== null) faults.failRequests(body.fail as InjectedFailure);
      if (typeof body.delayMs === 'number') faults.delayMessages(body.delayMs);
      if (typeof body.rejectOrders === 'number') faults.rejectOrders(body.rejectOrders);
      if (typeof body.halt === 'string') faults.halt(body.halt);
      const dropped = body.dropStreams === 'all' || body.dropStreams === 'data' || body.dropStreams === 'trading' ? faults.dropStreams(body.dropStreams) : 0;
      return { status: 200, body: { ok: true, dropped } };
    }
    return { status: 404, body: { message: 'unknown control endpoint' } };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ApiFailure) {
        sendJson(res, { status: err.status, body: err.body() });
        return;
      }
      log?.error({ err }, 'simulator request failed');
      if (!res.headersSent) sendJson(res, { status: 500, body: { code: 50010000, message: 'internal server error' } });
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const feed = DataStreamServer.feedOf(path);
    if (path !== '/stream' && !feed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (feed) data.attach(ws, req, path, feed);
      else trading.attach(ws, req);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const ws = `ws://127.0.0.1:${port}`;
  if (options.speed !== undefined) clock.startLive(options.speed);
  log?.info({ url }, 'alpaca simulator listening');

  let closed: Promise<void> | undefined;
  return {
    port,
    url,
    urls: {
      rest: url, tradingStream: `${ws}/stream`, stockStream: `${ws}/v2/iex`, testStream: `${ws}/v2/test`,
      cryptoStream: `${ws}/v1beta3/crypto/us`, control: `${url}/__sim`,
    },
    clock,
    market,
    broker,
    faults,
    advance: (ms) => clock.advance(ms),
    advanceTo: (time) => clock.advanceTo(toMs(time)),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        clock.stopLive();
        data.closeAll();
        trading.closeAll();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
