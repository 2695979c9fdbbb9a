// The engine's `Broker` port on the official SDK: account, positions, orders of every class
// with a client_order_id on each, cancel/replace, and the trade_updates stream turned into
// engine order events.

import { randomUUID } from 'node:crypto';
import type { streaming, trading } from '@alpacahq/alpaca-trade-api';
import { withRetry, type AdapterConnection } from './client';
import { AlpacaError, toAlpacaError } from './errors';
import {
  msToNs, wallClock, type ConnectionEvent, type NsClock, type OrderEvent, type OrderSnapshot, type ReplaceOrder,
  type SubmitOrder,
} from './events';

export interface AccountSnapshot {
  id: string;
  status: string;
  currency: string;
  cash: number;
  equity: number;
  buyingPower: number;
  longMarketValue: number;
  shortMarketValue: number;
}

export interface PositionSnapshot {
  symbol: string;
  qty: number;
  avgEntryPrice: number;
  marketValue: number;
  currentPrice: number;
  unrealizedPl: number;
}

export interface MarketClockSnapshot {
  isOpen: boolean;
  /** The venue's time, ns. */
  timestamp: bigint;
  nextOpen: bigint;
  nextClose: bigint;
}

/** One trading day: `open`/`close` are New York wall times, HH:MM. */
export interface CalendarDay {
  date: string;
  open: string;
  close: string;
}

export interface AssetSnapshot {
  symbol: string;
  name: string;
  assetClass: string;
  exchange: string;
  tradable: boolean;
  fractionable: boolean;
  shortable: boolean;
}

export interface Broker {
  account(): Promise<AccountSnapshot>;
  marketClock(): Promise<MarketClockSnapshot>;
  /** Trading days between two New York dates (YYYY-MM-DD), both included. */
  calendar(from: string, to: string): Promise<CalendarDay[]>;
  assets(filter?: { assetClass?: 'us_equity' | 'crypto' }): Promise<AssetSnapshot[]>;
  positions(): Promise<PositionSnapshot[]>;
  openOrders(): Promise<OrderSnapshot[]>;
  order(venueOrderId: string): Promise<OrderSnapshot>;
  /** Places an order. When the answer is lost, the order is looked up by its clientOrderId. */
  submit(cmd: SubmitOrder): Promise<OrderSnapshot>;
  cancel(venueOrderId: string): Promise<void>;
  replace(venueOrderId: string, changes: ReplaceOrder): Promise<OrderSnapshot>;
  on(listener: (e: OrderEvent | ConnectionEvent) => void): () => void;
  /** Opens trade_updates; resolves once Alpaca confirms the subscription. */
  start(): Promise<void>;
  stop(): void;
}

const num = (x: string | number | null | undefined): number | null => (x === null || x === undefined || x === '' ? null : Number(x));

export function snapshotOf(o: trading.Order | trading.OrderLeg): OrderSnapshot {
  const raw = o as unknown as Record<string, unknown>;
  return {
    venueOrderId: String(o.id ?? ''),
    clientOrderId: String(o.clientOrderId ?? ''),
    symbol: String(o.symbol ?? ''),
    side: o.side === 'sell' ? 'sell' : 'buy',
    type: String(o.type ?? o.orderType ?? ''),
    orderClass: String(o.orderClass ?? ''),
    timeInForce: String(o.timeInForce ?? ''),
    status: String(o.status ?? ''),
    qty: num(o.qty),
    filledQty: num(o.filledQty) ?? 0,
    filledAvgPrice: num(o.filledAvgPrice),
    limitPrice: num(o.limitPrice),
    stopPrice: num(o.stopPrice),
    legs: Array.isArray(o.legs) ? (o.legs as trading.OrderLeg[]).map(snapshotOf) : [],
    parentVenueOrderId: typeof raw.parent_order_id === 'string' ? raw.parent_order_id : null,
  };
}

/** Maps one trade update to an engine event; events the engine does not model give undefined. */
export function orderEventOf(u: streaming.TradeUpdate, tsInit: bigint): OrderEvent | undefined {
  const order = snapshotOf(u.order);
  const tsEvent = u.timestamp ? msToNs(u.timestamp.getTime()) : tsInit;
  const base = { clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId, symbol: order.symbol, tsEvent, tsInit, order };
  switch (u.event) {
    case 'new':
      return { type: 'OrderAccepted', ...base };
    case 'fill':
    case 'partial_fill':
      return {
        type: u.event === 'fill' ? 'OrderFilled' : 'OrderPartiallyFilled', ...base,
        executionId: u.executionId ?? '', lastQty: Number(u.qty ?? 0), lastPx: Number(u.price ?? 0), positionQty: Number(u.positionQty ?? 0),
      };
    case 'canceled':
      return { type: 'OrderCanceled', ...base };
    case 'expired':
    case 'done_for_day':
      return { type: 'OrderExpired', ...base };
    case 'rejected':
      return { type: 'OrderRejected', ...base, reason: String((u as Record<string, unknown>).reason ?? 'rejected by the venue') };
    case 'replaced':
      return { type: 'OrderReplaced', ...base, replacedBy: u.order.replacedBy ?? null };
    default:
      return undefined;
  }
}

export interface AlpacaBrokerOptions {
  clock?: NsClock;
  initialReconnectMs?: number;
  maxReconnectMs?: number;
  /** Prefix of generated client order ids, e.g. the strategy's name. */
  clientOrderIdPrefix?: string;
}

export class AlpacaBroker implements Broker {
  private readonly listeners = new Set<(e: OrderEvent | ConnectionEvent) => void>();
  private stream: streaming.TradingStream | undefined;
  private readonly clock: NsClock;

  constructor(private readonly conn: AdapterConnection, private readonly options: AlpacaBrokerOptions = {}) {
    this.clock = options.clock ?? wallClock;
  }

  async account(): Promise<AccountSnapshot> {
    const a = await withRetry(this.conn, 'account', () => this.conn.sdk.trading.account.getAccount());
    return {
      id: a.id, status: String(a.status), currency: a.currency ?? 'USD', cash: Number(a.cash ?? 0), equity: Number(a.equity ?? 0),
      buyingPower: Number(a.buyingPower ?? 0), longMarketValue: Number(a.longMarketValue ?? 0), shortMarketValue: Number(a.shortMarketValue ?? 0),
    };
  }

  async marketClock(): Promise<MarketClockSnapshot> {
    const c = await withRetry(this.conn, 'market clock', () => this.conn.sdk.trading.clock.legacyClock());
    return { isOpen: c.isOpen, timestamp: msToNs(c.timestamp.getTime()), nextOpen: msToNs(c.nextOpen.getTime()), nextClose: msToNs(c.nextClose.getTime()) };
  }

  async calendar(from: string, to: string): Promise<CalendarDay[]> {
    for (const [flag, d] of [['from', from], ['to', to]] as const) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new AlpacaError(`calendar: ${flag}: expected a date YYYY-MM-DD, got "${d}"`, undefined, undefined, undefined);
    }
    const days = await withRetry(this.conn, 'calendar', () => this.conn.sdk.trading.calendar.legacyCalendar({ start: new Date(from), end: new Date(to) }));
    return days.map((d) => ({ date: d.date.toISOString().slice(0, 10), open: d.open, close: d.close }));
  }

  async assets(filter: { assetClass?: 'us_equity' | 'crypto' } = {}): Promise<AssetSnapshot[]> {
    const list = await withRetry(this.conn, 'assets', () => this.conn.sdk.trading.assets.getV2Assets({ status: 'active', assetClass: filter.assetClass }));
    return list.map((a) => ({
      symbol: a.symbol, name: a.name ?? a.symbol, assetClass: String(a._class), exchange: String(a.exchange), tradable: a.tradable === true,
      fractionable: a.fractionable === true, shortable: a.shortable === true,
    }));
  }

  async positions(): Promise<PositionSnapshot[]> {
    const list = await withRetry(this.conn, 'positions', () => this.conn.sdk.trading.positions.getAllOpenPositions());
    return list.map((p) => ({
      symbol: p.symbol, qty: Number(p.qty), avgEntryPrice: Number(p.avgEntryPrice), marketValue: Number(p.marketValue),
      currentPrice: Number(p.currentPrice), unrealizedPl: Number(p.unrealizedPl),
    }));
  }

  async openOrders(): Promise<OrderSnapshot[]> {
    const list = await withRetry(this.conn, 'open orders', () => this.conn.sdk.trading.orders.getAllOrders({ status: 'open', nested: true, limit: 500 }));
    return list.map(snapshotOf);
  }

  async order(venueOrderId: string): Promise<OrderSnapshot> {
    return snapshotOf(await withRetry(this.conn, `order ${venueOrderId}`, () => this.conn.sdk.trading.orders.getOrderByOrderID({ orderId: venueOrderId, nested: true })));
  }

  async submit(cmd: SubmitOrder): Promise<OrderSnapshot> {
    const clientOrderId = cmd.clientOrderId ?? `${this.options.clientOrderIdPrefix ?? 'studio'}-${randomUUID()}`;
    const input = { ...cmd, clientOrderId };
    try {
      const placed = await withRetry(this.conn, `submit ${cmd.side} ${cmd.symbol}`, () => this.conn.sdk.trading.orders.submit(input), { idempotent: false });
      return snapshotOf(placed);
    } catch (err) {
      const e = err instanceof AlpacaError ? err : toAlpacaError(err, `submit ${cmd.side} ${cmd.symbol}`);
      if (e.status !== undefined) throw e;
      // No answer: the order may or may not exist. Its client_order_id tells which.
      try {
        return snapshotOf(await withRetry(this.conn, 'reconcile order', () => this.conn.sdk.trading.orders.getOrderByClientOrderId({ clientOrderId })));
      } catch (lookup) {
        if (lookup instanceof AlpacaError && lookup.status === 404) throw e;
        throw lookup;
      }
    }
  }

  async cancel(venueOrderId: string): Promise<void> {
    await withRetry(this.conn, `cancel ${venueOrderId}`, () => this.conn.sdk.trading.orders.deleteOrderByOrderID({ orderId: venueOrderId }));
  }

  async replace(venueOrderId: string, changes: ReplaceOrder): Promise<OrderSnapshot> {
    const s = (x: number | string | undefined): string | undefined => (x === undefined ? undefined : String(x));
    const patch = {
      qty: s(changes.qty), timeInForce: changes.timeInForce, limitPrice: s(changes.limitPrice), stopPrice: s(changes.stopPrice),
      trail: s(changes.trail), clientOrderId: changes.clientOrderId ?? `${this.options.clientOrderIdPrefix ?? 'studio'}-${randomUUID()}`,
    };
    const next = await withRetry(this.conn, `replace ${venueOrderId}`, () => this.conn.sdk.trading.orders.patchOrderByOrderId({ orderId: venueOrderId, patchOrderRequest: patch }), { idempotent: false });
    return snapshotOf(next);
  }

  on(listener: (e: OrderEvent | ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.stream) return;
    const ts = this.conn.sdk.trading.stream({
      url: this.conn.tradingStreamUrl,
      reconnect: true,
      maxReconnectAttempts: -1,
      initialReconnectMs: this.options.initialReconnectMs ?? 1000,
      maxReconnectMs: this.options.maxReconnectMs ?? 30_000,
    });
    this.stream = ts;
    ts.onTradeUpdate((u) => {
      const event = orderEventOf(u, this.clock.nowNs());
      if (event) this.emit(event);
    });
    ts.onReconnecting((attempt) => this.emit({ type: 'StreamReconnecting', stream: 'trading', attempt, tsInit: this.clock.nowNs() }));
    ts.onReconnected(() => this.emit({ type: 'StreamReconnected', stream: 'trading', tsInit: this.clock.nowNs() }));
    ts.onError((message) => this.emit({ type: 'StreamError', stream: 'trading', message, tsInit: this.clock.nowNs() }));
    const listening = new Promise<void>((resolve) => {
      const onSub = (streams: unknown): void => {
        if (Array.isArray(streams) && streams.includes('trade_updates')) {
          ts.off('subscription', onSub);
          resolve();
        }
      };
      ts.on('subscription', onSub);
    });
    ts.subscribeTradeUpdates();
    ts.connect();
    const auth = await ts.whenAuthenticated();
    if (!auth.authenticated) {
      this.stop();
      throw new AlpacaError(`trade_updates stream authentication: ${auth.message}`, 401, auth.code, undefined);
    }
    await listening;
  }

  stop(): void {
    this.stream?.disconnect();
    this.stream = undefined;
  }

  private emit(e: OrderEvent | ConnectionEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.conn.logger?.error({ err }, 'broker listener threw');
      }
    }
  }
}
