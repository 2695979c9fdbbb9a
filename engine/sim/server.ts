// The local Alpaca-protocol simulator on one 127.0.0.1 port: trading REST, market-data REST,
// the `trade_updates` stream and the market-data streams, all driven by one simulated clock.
// `startSimulator` is what tests, the runner and the `studio sim` command start.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { KeyPolicy, type SimKeys } from './auth';
import { SimBroker, type MatchingMode } from './broker';
import { SimClock } from './clock';
import {
  FailureInjector, RateLimiter, RequestGate, dispatch, readBody, sendJson, type HeldRequests, type HoldPlan, type InjectedFailure,
  type Reply, type RequestContext,
} from './http';
import type { MatchingConfig } from './matching';
import { ClockBody, FaultsBody, describeProblem } from './control';
import { LATE_REPORT_DELAY_MS, Market, bucketStart, hasLateTrade, luldBands, preliminaryBar } from './market';
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
  /**
   * 'quotes' (default): Alpaca-like instant fills at the standing quote, what protocol tests
   * expect. 'backtest': equity orders fill by the backtest's exchange when each minute bar ends,
   * so a session replays like the backtest of the same bars (`studio sim` uses this).
   */
  matching?: MatchingMode;
  /** Fill rules for 'backtest' matching, with the backtest's names and defaults. */
  backtest?: MatchingConfig;
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
  /**
   * Parks matching REST requests (after the first `after`) unanswered until released, so a test
   * can kill a client at a known point, e.g. while it waits for its third page.
   */
  holdRequests(plan: HoldPlan): HeldRequests;
  /** Halts a symbol: a trading halt status goes out and its orders stop executing. */
  halt(symbol: string): void;
  /** Ends a halt with a trading resumption status. */
  resume(symbol: string): void;
  /** Publishes a correction of the symbol's last trade to `price` (default: one cent higher). */
  correctTrade(symbol: string, price?: number): void;
  /** Publishes a cancel/error for the symbol's last trade. */
  cancelTrade(symbol: string): void;
  clear(): void;
}

export interface Simulator {
  port: number;
  /** `http://127.0.0.1:PORT`: trading and market-data REST share it. */
  url: string;
  urls: { rest: string; tradingStream: string; stockStream: string; testStream: string; cryptoStream: string; control: string };
  clock: SimClock;
  market: Market;
  matching: MatchingMode;
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
  const broker = new SimBroker(market, now, { cash: options.cash, matching: options.matching, backtest: options.backtest });
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
  const halted = new Set<string>();
  const lulds = new Map<string, { up: number; down: number; wide: boolean; date: string }>();
  const gate = new RequestGate();
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
    // By name, as the backtest orders symbols within one time: the sort below is stable, so fills
    // of different symbols at the same instant come out in the backtest's order.
    const symbols = [...new Set([...broker.activeSymbols(), ...data.subscribedSymbols(all)])].sort();
    const events: { t: number; rank: number; run: () => void }[] = [];
    for (const symbol of symbols) {
      const info = market.info(symbol);
      if (!info) continue;
      const crypto = info.assetClass === 'crypto';
      cursor = to;
      const lateTick = (t: number): boolean => t % MINUTE_MS === 59_000 && hasLateTrade(t - 59_000);
      for (const tick of market.ticksBetween(symbol, from, to)) {
        events.push({
          t: tick.t, rank: 1, run: () => {
            if (!halted.has(symbol)) broker.onTick(tick);
            data.publishTick(tick, crypto, lateTick(tick.t) ? 'quote' : 'both');
          },
        });
      }
      // Late prints reach the tape half a minute after the minute, then the bar they changed is
      // re-sent as an updated bar (`u`) with the same start time.
      for (const tick of market.ticksBetween(symbol, from - LATE_REPORT_DELAY_MS, to - LATE_REPORT_DELAY_MS)) {
        if (!lateTick(tick.t)) continue;
        const bar = source.minuteBars(symbol, tick.t - 59_000, tick.t - 59_000 + 1)[0];
        events.push({
          t: tick.t + LATE_REPORT_DELAY_MS, rank: 1, run: () => {
            data.publishTick(tick, crypto, 'trade');
            if (bar) data.publishBar({ symbol, kind: 'u', bar }, crypto);
          },
        });
      }
      // A minute bar is published when its minute ends.
      for (const bar of source.minuteBars(symbol, from - MINUTE_MS + 1, to - MINUTE_MS + 1)) {
        events.push({
          t: bar.t + MINUTE_MS, rank: 0, run: () => {
            // Fills come before the bar that caused them, as in the backtest loop; matching uses
            // the final bar even when a late print makes the first published one preliminary.
            if (!halted.has(symbol)) broker.onBar(symbol, bar);
            data.publishBar({ symbol, kind: 'b', bar: hasLateTrade(bar.t) ? preliminaryBar(info, bar) : bar }, crypto);
            const daily = dailySoFar(symbol, bar.t + MINUTE_MS, crypto);
            if (daily) data.publishBar({ symbol, kind: 'd', bar: daily }, crypto);
            if (!crypto) publishLuld(symbol, bar);
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

  /** Bands are re-sent when they move by 1 % or more, or when the session's band width changes. */
  function publishLuld(symbol: string, bar: MinuteBar): void {
    const session = sessionOn(etDate(bar.t));
    if (!session) return;
    const end = bar.t + MINUTE_MS;
    const wide = end <= session.open + 15 * MINUTE_MS || end > session.close - 25 * MINUTE_MS;
    const closes = source.minuteBars(symbol, Math.max(session.open, bar.t - 4 * MINUTE_MS), end).map((b) => b.c);
    if (closes.length === 0) return;
    const bands = luldBands(closes, wide);
    const prev = lulds.get(symbol);
    if (prev && prev.wide === wide && prev.date === session.date && Math.abs(bands.up - prev.up) < prev.up * 0.01) return;
    lulds.set(symbol, { ...bands, wide, date: session.date });
    data.publishLuld(symbol, end, bands.up, bands.down);
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
      halted.add(symbol);
      broker.setHalted(symbol, true);
      data.publishStatus(symbol, clock.now(), 'H', 'Trading Halt', 'T12', 'Trading Halted; For information requested by NASDAQ');
      data.flush();
    },
    resume: (symbol) => {
      halted.delete(symbol);
      broker.setHalted(symbol, false);
      data.publishStatus(symbol, clock.now(), 'T', 'Trading Resumption', 'T12', 'Trading Halted; For information requested by NASDAQ');
      data.flush();
    },
    correctTrade: (symbol, price) => {
      const tick = market.lastTick(symbol);
      if (!tick) return;
      data.publishCorrection(tick, tick.id + 1_000_000_000, price ?? Math.round((tick.price + 0.01) * 100) / 100, tick.size, clock.now());
      data.flush();
    },
    cancelTrade: (symbol) => {
      const tick = market.lastTick(symbol);
      if (!tick) return;
      data.publishCancelError(tick, clock.now());
      data.flush();
    },
    holdRequests: (plan) => gate.hold(plan),
    clear: () => { failures.clear(); gate.releaseAll(); delayMs = 0; broker.rejectNextOrders(0); },
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
    await gate.pass(path);
    // The client may have given up (or been killed) while its request was parked.
    if (res.destroyed) return;
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
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return { status: 400, body: { message: 'control body must be JSON' } };
    }
    const state = (): Reply => ({
      status: 200,
      body: { now: new Date(clock.now()).toISOString(), live: clock.live, speed: clock.liveSpeed, matching: broker.matching, dataStreams: data.describe() },
    });
    if (method === 'GET' && path === '/__sim/state') return state();
    if (method === 'POST' && path === '/__sim/clock') {
      const parsed = ClockBody.safeParse(body);
      if (!parsed.success) return { status: 400, body: { message: `expected {"advanceMs": n >= 0} or {"to": "RFC-3339"}; ${describeProblem(parsed.error)}` } };
      if ('advanceMs' in parsed.data) clock.advance(parsed.data.advanceMs);
      else if (toMs(parsed.data.to) < clock.now()) return { status: 409, body: { message: `the clock is already at ${new Date(clock.now()).toISOString()}` } };
      else clock.advanceTo(toMs(parsed.data.to));
      return state();
    }
    if (method === 'POST' && path === '/__sim/faults') {
      const parsed = FaultsBody.safeParse(body);
      if (!parsed.success) return { status: 400, body: { message: describeProblem(parsed.error) } };
      const f = parsed.data;
      if (f.clear) faults.clear();
      if (f.fail) faults.failRequests(f.fail);
      if (f.delayMs !== undefined) faults.delayMessages(f.delayMs);
      if (f.rejectOrders !== undefined) faults.rejectOrders(f.rejectOrders);
      if (f.halt) faults.halt(f.halt);
      if (f.resume) faults.resume(f.resume);
      if (f.correctTrade) faults.correctTrade(f.correctTrade);
      if (f.cancelTrade) faults.cancelTrade(f.cancelTrade);
      if (f.hold) faults.holdRequests(f.hold);
      const dropped = f.dropStreams ? faults.dropStreams(f.dropStreams) : 0;
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
    matching: broker.matching,
    broker,
    faults,
    advance: (ms) => clock.advance(ms),
    advanceTo: (time) => clock.advanceTo(toMs(time)),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        clock.stopLive();
        gate.releaseAll();
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
