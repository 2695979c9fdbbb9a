// The market-data WebSocket endpoints (`/v2/{iex,sip,delayed_sip,test}`, `/v1beta3/crypto/{loc}`):
// Alpaca's connect/auth/subscribe protocol with its success, error and subscription messages,
// and the data the simulator publishes as its clock moves.

import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { KeyPolicy } from './auth';
import { WireTime, codecOf, decodeFrame, encodeFrame, type Codec } from './codec';
import type { Tick } from './market';
import type { MinuteBar } from './source';

export type DataFeed = 'iex' | 'sip' | 'delayed_sip' | 'test' | 'crypto';

const STOCK_CHANNELS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'imbalances'] as const;
const CRYPTO_CHANNELS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'orderbooks'] as const;
const ALL_CHANNELS = new Set<string>([...STOCK_CHANNELS, ...CRYPTO_CHANNELS, 'news', 'corrections', 'cancelErrors']);

type Channel = (typeof STOCK_CHANNELS)[number] | (typeof CRYPTO_CHANNELS)[number] | 'corrections' | 'cancelErrors';

export const STREAM_ERRORS: Record<number, string> = {
  400: 'invalid syntax', 401: 'not authenticated', 402: 'auth failed', 403: 'already authenticated',
  404: 'auth timeout', 405: 'symbol limit exceeded', 406: 'connection limit exceeded', 407: 'slow client',
  409: 'insufficient subscription', 410: 'invalid subscribe action for this feed', 500: 'internal error',
};

const SYMBOL_RE = /^(\*|[A-Z0-9][A-Z0-9.\-/]{0,20})$/;

export interface DataStreamOptions {
  keys: KeyPolicy;
  authTimeoutMs: number;
  /** Authenticated connections allowed per key and endpoint; 0 for no limit. */
  connectionLimit: number;
  /** Symbols allowed across trades+quotes; 0 for no limit. */
  symbolLimit: number;
  /** Feeds the simulated subscription includes. */
  entitledFeeds: ReadonlySet<DataFeed>;
  /** Wall-time delay before each frame is sent (fault injection). */
  delayMs: () => number;
}

export interface PublishedBar { symbol: string; kind: 'b' | 'd' | 'u'; bar: MinuteBar }

class DataConnection {
  authenticated = false;
  keyId = '';
  readonly subs = new Map<Channel, Set<string>>();
  private authTimer: ReturnType<typeof setTimeout> | undefined;
  private pending: Record<string, unknown>[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly codec: Codec,
    readonly feed: DataFeed,
    readonly path: string,
    private readonly server: DataStreamServer,
  ) {}

  channels(): readonly Channel[] {
    return this.feed === 'crypto' ? CRYPTO_CHANNELS : STOCK_CHANNELS;
  }

  start(headerKey: unknown, headerSecret: unknown): void {
    this.send([{ T: 'success', msg: 'connected' }]);
    if (headerKey !== undefined) {
      this.auth(headerKey, headerSecret);
      return;
    }
    this.authTimer = setTimeout(() => {
      if (this.authenticated) return;
      this.error(404);
      this.ws.close();
    }, this.server.options.authTimeoutMs);
    this.authTimer.unref?.();
  }

  stop(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
  }

  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = decodeFrame(data, isBinary);
    } catch {
      this.error(400);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.error(400);
      return;
    }
    const m = msg as Record<string, unknown>;
    switch (m.action) {
      case 'auth':
        this.auth(m.key, m.secret);
        return;
      case 'subscribe':
      case 'unsubscribe':
        if (!this.authenticated) {
          this.error(401);
          return;
        }
        this.changeSubscription(m, m.action === 'subscribe');
        return;
      default:
        this.error(400);
    }
  }

  private auth(key: unknown, secret: unknown): void {
    if (this.authenticated) {
      this.error(403);
      return;
    }
    if (this.server.options.keys.check(key, secret) !== 'ok') {
      this.error(402);
      return;
    }
    if (!this.server.options.entitledFeeds.has(this.feed)) {
      this.error(409);
      return;
    }
    const limit = this.server.options.connectionLimit;
    if (limit > 0 && this.server.authenticatedCount(String(key), this.path) >= limit) {
      this.error(406);
      this.ws.close();
      return;
    }
    this.authenticated = true;
    this.keyId = String(key);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.send([{ T: 'success', msg: 'authenticated' }]);
  }

  private changeSubscription(m: Record<string, unknown>, add: boolean): void {
    const allowed = new Set<string>(this.channels());
    const changes: [Channel, string[]][] = [];
    for (const [key, value] of Object.entries(m)) {
      if (key === 'action') continue;
      if (!ALL_CHANNELS.has(key) || key === 'corrections' || key === 'cancelErrors') {
        this.error(400);
        return;
      }
      if (!allowed.has(key)) {
        this.error(410);
        return;
      }
      if (!Array.isArray(value) || !value.every((s) => typeof s === 'string' && SYMBOL_RE.test(s))) {
        this.error(400);
        return;
      }
      changes.push([key as Channel, value as string[]]);
    }
    if (changes.length === 0) {
      this.error(400);
      return;
    }
    const next = new Map<Channel, Set<string>>();
    for (const c of this.channels()) next.set(c, new Set(this.subs.get(c) ?? []));
    for (const [channel, symbols] of changes) {
      const set = next.get(channel) as Set<string>;
      for (const s of symbols) if (add) set.add(s); else set.delete(s);
    }
    const limit = this.server.options.symbolLimit;
    if (limit > 0 && add) {
      const distinct = new Set([...(next.get('trades') ?? []), ...(next.get('quotes') ?? [])]);
      distinct.delete('*');
      if (distinct.size > limit) {
        this.error(405);
        return;
      }
    }
    this.subs.clear();
    for (const [c, set] of next) this.subs.set(c, set);
    if (this.feed !== 'crypto') {
      // Trades bring their corrections and cancel/errors with them.
      this.subs.set('corrections', new Set(next.get('trades')));
      this.subs.set('cancelErrors', new Set(next.get('trades')));
    }
    this.send([this.subscriptionMessage()]);
  }

  subscriptionMessage(): Record<string, unknown> {
    const msg: Record<string, unknown> = { T: 'subscription' };
    const list = (c: Channel): string[] => [...(this.subs.get(c) ?? [])];
    if (this.feed === 'crypto') {
      for (const c of ['trades', 'quotes', 'orderbooks', 'bars', 'updatedBars', 'dailyBars'] as const) msg[c] = list(c);
    } else {
      for (const c of ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors', 'imbalances'] as const) msg[c] = list(c);
    }
    return msg;
  }

  wants(channel: Channel, symbol: string): boolean {
    const set = this.subs.get(channel);
    return set !== undefined && (set.has(symbol) || set.has('*'));
  }

  symbolsOfInterest(into: Set<string>, all: readonly string[]): void {
    for (const set of this.subs.values()) {
      if (set.has('*')) for (const s of all) into.add(s);
      for (const s of set) if (s !== '*') into.add(s);
    }
  }

  queue(msg: Record<string, unknown>): void {
    this.pending.push(msg);
  }

  flush(): void {
    // Data arrives batched, as on the real stream; cap frames so a long catch-up stays sendable.
    for (let i = 0; i < this.pending.length; i += 500) this.send(this.pending.slice(i, i + 500));
    this.pending = [];
  }

  error(code: number): void {
    this.send([{ T: 'error', code, msg: STREAM_ERRORS[code] }]);
  }

  send(messages: Record<string, unknown>[]): void {
    const frame = encodeFrame(this.codec, messages);
    const delay = this.server.options.delayMs();
    const go = (): void => {
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame, { binary: this.codec === 'msgpack' });
    };
    if (delay > 0) setTimeout(go, delay).unref?.(); else go();
  }
}

export class DataStreamServer {
  private readonly conns = new Set<DataConnection>();

  constructor(readonly options: DataStreamOptions) {}

  /** Feed served at `path`, or undefined when the path is not a market-data stream. */
  static feedOf(path: string): DataFeed | undefined {
    const m = /^\/v2\/(iex|sip|delayed_sip|test)$/.exec(path);
    if (m) return m[1] as DataFeed;
    if (/^\/v1beta3\/crypto\/[a-z0-9-]+$/.test(path)) return 'crypto';
    return undefined;
  }

  attach(ws: WebSocket, req: IncomingMessage, path: string, feed: DataFeed): void {
    const conn = new DataConnection(ws, codecOf(req), feed, path, this);
    this.conns.add(conn);
    ws.on('message', (data, isBinary) => {
      try {
        conn.onFrame(data as Buffer, isBinary);
      } catch {
        conn.error(500);
      }
    });
    ws.on('close', () => {
      conn.stop();
      this.conns.delete(conn);
    });
    ws.on('error', () => ws.terminate());
    conn.start(req.headers['apca-api-key-id'], req.headers['apca-api-secret-key']);
  }

  /** Open market-data connections, for the control endpoint: which wire format each speaks. */
  describe(): { path: string; codec: Codec; authenticated: boolean }[] {
    return [...this.conns].map((c) => ({ path: c.path, codec: c.codec, authenticated: c.authenticated }));
  }

  authenticatedCount(keyId: string, path: string): number {
    let n = 0;
    for (const c of this.conns) if (c.authenticated && c.keyId === keyId && c.path === path) n++;
    return n;
  }

  /** Symbols any connection listens to, so the clock only derives data someone will receive. */
  subscribedSymbols(all: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const c of this.conns) if (c.authenticated) c.symbolsOfInterest(out, all);
    return out;
  }

  /** A trade with its quote; `parts` splits them when the trade reaches the tape late. */
  publishTick(tick: Tick, crypto: boolean, parts: 'both' | 'trade' | 'quote' = 'both'): void {
    for (const c of this.conns) {
      if (!c.authenticated || (c.feed === 'crypto') !== crypto) continue;
      const t = new WireTime(tick.t);
      if (parts !== 'quote' && c.wants('trades', tick.symbol)) {
        c.queue(crypto
          ? { T: 't', S: tick.symbol, p: tick.price, s: tick.size, t, i: tick.id, tks: tick.takerSide }
          : { T: 't', S: tick.symbol, i: tick.id, x: 'V', p: tick.price, s: tick.size, c: ['@'], t, z: 'C' });
      }
      if (parts !== 'trade' && c.wants('quotes', tick.symbol)) {
        c.queue(crypto
          ? { T: 'q', S: tick.symbol, bp: tick.bid, bs: tick.bidSize, ap: tick.ask, as: tick.askSize, t }
          : { T: 'q', S: tick.symbol, bx: 'V', bp: tick.bid, bs: tick.bidSize, ax: 'V', ap: tick.ask, as: tick.askSize, c: ['R'], t, z: 'C' });
      }
    }
  }

  publishBar(b: PublishedBar, crypto: boolean): void {
    const channel: Channel = b.kind === 'b' ? 'bars' : b.kind === 'd' ? 'dailyBars' : 'updatedBars';
    for (const c of this.conns) {
      if (!c.authenticated || (c.feed === 'crypto') !== crypto || !c.wants(channel, b.symbol)) continue;
      const { bar } = b;
      c.queue({ T: b.kind, S: b.symbol, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v, t: new WireTime(bar.t, 'seconds'), n: bar.n, vw: bar.vw });
    }
  }

  /** Trading status messages (`T: "s"`), e.g. a halt injected by a test. */
  publishStatus(symbol: string, t: number, code: string, message: string, reasonCode: string, reasonMessage: string): void {
    for (const c of this.conns) {
      if (!c.authenticated || c.feed === 'crypto' || !c.wants('statuses', symbol)) continue;
      c.queue({ T: 's', S: symbol, sc: code, sm: message, rc: reasonCode, rm: reasonMessage, t: new WireTime(t), z: 'C' });
    }
  }

  /** Limit up/limit down bands (`T: "l"`). */
  publishLuld(symbol: string, t: number, up: number, down: number): void {
    for (const c of this.conns) {
      if (!c.authenticated || c.feed === 'crypto' || !c.wants('lulds', symbol)) continue;
      c.queue({ T: 'l', S: symbol, u: up, d: down, i: 'B', t: new WireTime(t), z: 'C' });
    }
  }

  /** A trade correction (`T: "c"`), sent to whoever gets the symbol's trades. */
  publishCorrection(tick: Tick, correctedId: number, correctedPrice: number, correctedSize: number, t: number): void {
    for (const c of this.conns) {
      if (!c.authenticated || c.feed === 'crypto' || !c.wants('corrections', tick.symbol)) continue;
      c.queue({
        T: 'c', S: tick.symbol, x: 'V', oi: tick.id, op: tick.price, os: tick.size, oc: ['@'], ci: correctedId, cp: correctedPrice,
        cs: correctedSize, cc: ['@'], z: 'C', t: new WireTime(t),
      });
    }
  }

  /** A trade cancel/error (`T: "x"`). */
  publishCancelError(tick: Tick, t: number): void {
    for (const c of this.conns) {
      if (!c.authenticated || c.feed === 'crypto' || !c.wants('cancelErrors', tick.symbol)) continue;
      c.queue({ T: 'x', S: tick.symbol, i: tick.id, x: 'V', p: tick.price, s: tick.size, a: 'C', z: 'C', t: new WireTime(t) });
    }
  }

  flush(): void {
    for (const c of this.conns) c.flush();
  }

  /** Fault injection: drop every market-data socket without a close handshake. */
  dropAll(): number {
    let n = 0;
    for (const c of this.conns) { c.ws.terminate(); n++; }
    return n;
  }

  closeAll(): void {
    for (const c of this.conns) { c.stop(); c.ws.terminate(); }
    this.conns.clear();
  }
}
