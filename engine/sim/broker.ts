// The simulated paper account behind the trading API: orders (simple, bracket, OCO, OTO), positions
// and cash, and the `trade_updates` events they produce. Orders are matched either by the
// backtest's exchange bar by bar (`matching: 'backtest'`, see matching.ts) or, for protocol tests
// that want Alpaca's instant fills, against the quote on every simulated trade ('quotes').

import { createHash, randomUUID } from 'node:crypto';
import type { OrderReplace, OrderRequest as CoreOrderRequest } from '../core/orders';
import type { Market, Tick } from './market';
import { CoreMatcher, type MatchingConfig } from './matching';
import {
  ApiFailure, CODE, OPEN_STATUSES, formatNumber, invalid, orderJson, parseOrderRequest, parseReplaceRequest,
  unprocessable, type OrderRequest, type OrderStatus, type SimOrder,
} from './orders';
import type { MinuteBar, SymbolInfo } from './source';
import { currentOrNextSession, isMarketOpen, previousSession, rfc3339Nano, sessionOn, etDate } from './time';

export type TradeUpdateEventName =
  | 'new' | 'fill' | 'partial_fill' | 'canceled' | 'expired' | 'replaced' | 'rejected' | 'done_for_day';

/** A `trade_updates` message body (the `data` of `{"stream":"trade_updates","data":…}`). */
export interface TradeUpdateData {
  event: TradeUpdateEventName;
  execution_id?: string;
  order: Record<string, unknown>;
  timestamp: string;
  price?: string;
  qty?: string;
  position_qty?: string;
}

interface Position {
  symbol: string;
  qty: number;
  avgEntry: number;
}

export type MatchingMode = 'quotes' | 'backtest';

export interface BrokerOptions {
  cash?: number;
  /**
   * 'quotes' (default): marketable orders fill at once at the standing quote and resting ones on
   * each simulated trade. 'backtest': US equity orders go to the backtest's exchange and fill when
   * a minute bar ends, exactly as a backtest of those bars would fill them.
   */
  matching?: MatchingMode;
  /** Fill rules for 'backtest' matching, with the backtest's names and defaults. */
  backtest?: MatchingConfig;
}

/** Deterministic per-symbol asset ids, so ids survive simulator restarts. */
export function assetId(symbol: string): string {
  const h = createHash('sha1').update(`asset:${symbol}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const EPS = 1e-9;

export class SimBroker {
  private readonly orders = new Map<string, SimOrder>();
  private readonly byClientId = new Map<string, string>();
  private readonly positions = new Map<string, Position>();
  private readonly listeners = new Set<(u: TradeUpdateData) => void>();
  private readonly initialCash: number;
  private cash: number;
  private lastEquity: number;
  private rejectNext = 0;
  private readonly halted = new Set<string>();
  private readonly accountId = randomUUID();
  private readonly createdAt: number;
  /** The backtest's exchange for equities in 'backtest' mode; crypto keeps quote matching. */
  private readonly core: CoreMatcher | null;
  private readonly coreIdOf = new Map<string, string>();
  private readonly simIdOf = new Map<string, string>();

  constructor(private readonly market: Market, private readonly now: () => number, options: BrokerOptions = {}) {
    this.initialCash = options.cash ?? 100_000;
    this.cash = this.initialCash;
    this.lastEquity = this.initialCash;
    this.createdAt = now();
    // Crypto trades 24/7 in fractions with gtc/ioc, which the backtest's Alpaca equity rules
    // reject, so only equities are handed to it.
    const equities = market.symbols().filter((s) => s.assetClass === 'us_equity').map((s) => s.symbol);
    this.core = options.matching === 'backtest' ? new CoreMatcher(equities, this.initialCash, now, options.backtest) : null;
  }

  get matching(): MatchingMode {
    return this.core ? 'backtest' : 'quotes';
  }

  onUpdate(listener: (u: TradeUpdateData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fault injection: the next `n` accepted orders are rejected by the "exchange". */
  rejectNextOrders(n: number): void {
    this.rejectNext = n;
  }

  /** A halted symbol's orders rest until it resumes. */
  setHalted(symbol: string, halted: boolean): void {
    if (halted) this.halted.add(symbol); else this.halted.delete(symbol);
  }

  /** Symbols whose open orders need every tick. */
  activeSymbols(): Set<string> {
    const out = new Set<string>();
    for (const o of this.orders.values()) if (OPEN_STATUSES.has(o.status)) out.add(o.symbol);
    return out;
  }

  // --- queries ---------------------------------------------------------------------------------

  order(id: string): SimOrder {
    const o = this.orders.get(id);
    if (!o) throw new ApiFailure(404, CODE.notFound, 'order not found');
    return o;
  }

  json(o: SimOrder, withLegs = true): Record<string, unknown> {
    return orderJson(o, (id) => this.orders.get(id), withLegs);
  }

  orderByClientId(clientOrderId: string): SimOrder {
    const id = this.byClientId.get(clientOrderId);
    if (!id) throw new ApiFailure(404, CODE.notFound, 'order not found');
    return this.order(id);
  }

  listOrders(q: {
    status: 'open' | 'closed' | 'all'; limit: number; after?: number; until?: number; direction: 'asc' | 'desc';
    nested: boolean; symbols?: Set<string>; side?: string;
  }): Record<string, unknown>[] {
    const matches = (o: SimOrder): boolean =>
      q.status === 'all' || (q.status === 'open') === OPEN_STATUSES.has(o.status);
    let list = [...this.orders.values()].filter((o) => {
      if (q.nested && o.parentId !== null) return false;
      if (q.symbols && !q.symbols.has(o.symbol)) return false;
      if (q.side && o.side !== q.side) return false;
      if (q.after !== undefined && o.submittedAt <= q.after) return false;
      if (q.until !== undefined && o.submittedAt >= q.until) return false;
      // A parent rolls up its legs, so it is listed while any of them matches.
      return matches(o) || (q.nested && o.legIds.some((id) => { const l = this.orders.get(id); return l !== undefined && matches(l); }));
    });
    list.sort((a, b) => a.submittedAt - b.submittedAt || a.createdAt - b.createdAt);
    if (q.direction === 'desc') list.reverse();
    list = list.slice(0, q.limit);
    return list.map((o) => this.json(o, q.nested));
  }

  account(): Record<string, unknown> {
    let longMv = 0, shortMv = 0;
    for (const p of this.positions.values()) {
      const mv = p.qty * this.priceOf(p.symbol, p.avgEntry);
      if (p.qty > 0) longMv += mv; else shortMv += mv;
    }
    const equity = this.cash + longMv + shortMv;
    const bp = this.buyingPower();
    const cashBp = this.cashBuyingPower();
    const s = formatNumber;
    return {
      id: this.accountId,
      account_number: 'PA1SIMULATOR',
      status: 'ACTIVE',
      crypto_status: 'ACTIVE',
      currency: 'USD',
      buying_power: s(bp),
      regt_buying_power: s(bp),
      daytrading_buying_power: '0',
      effective_buying_power: s(bp),
      non_marginable_buying_power: s(cashBp),
      options_buying_power: '0',
      bod_dtbp: '0',
      cash: s(this.cash),
      accrued_fees: '0',
      pending_transfer_in: '0',
      pending_transfer_out: '0',
      portfolio_value: s(equity),
      pattern_day_trader: false,
      trading_blocked: false,
      transfers_blocked: false,
      account_blocked: false,
      created_at: rfc3339Nano(this.createdAt),
      trade_suspended_by_user: false,
      multiplier: String(this.multiplier(equity)),
      shorting_enabled: true,
      equity: s(equity),
      last_equity: s(this.lastEquity),
      long_market_value: s(longMv),
      short_market_value: s(shortMv),
      position_market_value: s(longMv - shortMv),
      initial_margin: s(longMv - shortMv),
      maintenance_margin: s((longMv - shortMv) * 0.3),
      last_maintenance_margin: '0',
      sma: '0',
      daytrade_count: 0,
      balance_asof: etDate(this.now()),
      crypto_tier: 1,
      options_approved_level: 0,
      options_trading_level: 0,
    };
  }

  positionList(): Record<string, unknown>[] {
    return [...this.positions.values()].sort((a, b) => a.symbol.localeCompare(b.symbol)).map((p) => this.positionJson(p));
  }

  position(symbolOrId: string): Record<string, unknown> {
    const p = this.findPosition(symbolOrId);
    if (!p) throw new ApiFailure(404, CODE.notFound, 'position does not exist');
    return this.positionJson(p);
  }

  // --- commands --------------------------------------------------------------------------------

  /** POST /v2/orders. Returns the order as accepted; executions follow as trade updates. */
  submit(body: unknown): Record<string, unknown> {
    const req = parseOrderRequest(body);
    const info = this.market.info(req.symbol);
    if (!info) throw unprocessable(`asset "${req.symbol}" not found`);
    this.checkAsset(req, info);
    if (req.clientOrderId !== null && this.byClientId.has(req.clientOrderId)) throw invalid('client_order_id must be unique');
    const t = this.now();
    const last = this.market.lastTick(req.symbol);
    const base = req.limitPrice ?? last?.price;
    if (req.orderClass === 'bracket' || req.orderClass === 'oto') this.checkExitPrices(req, base);
    if (req.orderClass === 'oco') this.checkExitPrices({ ...req, side: req.side }, last?.price, true);
    this.checkFunds(req, info, last?.ask ?? base ?? 0);
    const routed = this.core?.handles(req.symbol) === true;
    // The core validates last, so the simulator's own Alpaca messages win where both object.
    const core = routed && this.rejectNext === 0 ? this.coreSubmit(req) : null;

    const parent = this.newOrder(req, info, t, {
      type: req.type,
      side: req.side,
      limitPrice: req.orderClass === 'oco' ? req.takeProfit?.limitPrice ?? req.limitPrice : req.limitPrice,
      stopPrice: req.orderClass === 'oco' ? null : req.stopPrice,
      clientOrderId: req.clientOrderId ?? randomUUID(),
    });
    const exitSide = req.side === 'buy' ? 'sell' : 'buy';
    const legs: SimOrder[] = [];
    if (req.orderClass === 'bracket' || req.orderClass === 'oto') {
      if (req.takeProfit) legs.push(this.newOrder(req, info, t, { type: 'limit', side: exitSide, limitPrice: req.takeProfit.limitPrice, stopPrice: null, clientOrderId: randomUUID() }));
      if (req.stopLoss) legs.push(this.newOrder(req, info, t, {
        type: req.stopLoss.limitPrice === null ? 'stop' : 'stop_limit', side: exitSide,
        limitPrice: req.stopLoss.limitPrice, stopPrice: req.stopLoss.stopPrice, clientOrderId: randomUUID(),
      }));
    } else if (req.orderClass === 'oco' && req.stopLoss) {
      legs.push(this.newOrder(req, info, t, {
        type: req.stopLoss.limitPrice === null ? 'stop' : 'stop_limit', side: req.side,
        limitPrice: req.stopLoss.limitPrice, stopPrice: req.stopLoss.stopPrice, clientOrderId: randomUUID(),
      }));
    }
    for (const leg of legs) {
      leg.parentId = parent.id;
      leg.status = req.orderClass === 'oco' ? 'accepted' : 'held';
      parent.legIds.push(leg.id);
    }
    parent.status = 'accepted';
    if (core) {
      this.link(parent.id, core.id);
      legs.forEach((leg, k) => this.link(leg.id, core.legIds[k]));
    }
    const accepted = this.json(parent);

    if (this.rejectNext > 0) {
      this.rejectNext--;
      for (const o of [parent, ...legs]) this.finish(o, 'rejected', t);
      return accepted;
    }
    this.setNew(parent, t);
    if (req.orderClass === 'oco') for (const leg of legs) this.setNew(leg, t);
    if (routed) {
      this.pump();
      return accepted;
    }
    this.tryImmediate(parent, t);
    if (req.orderClass === 'oco') for (const leg of legs) if (OPEN_STATUSES.has(leg.status)) this.tryImmediate(leg, t);
    return accepted;
  }

  cancel(id: string): void {
    const o = this.order(id);
    if (!OPEN_STATUSES.has(o.status)) throw unprocessable(`order is already in "${o.status}" state`);
    const coreId = this.coreIdOf.get(o.id);
    if (this.core && coreId !== undefined) {
      const refused = this.core.cancel(coreId);
      if (refused !== null) throw unprocessable(refused);
      this.pump();
      return;
    }
    const t = this.now();
    // Cancelling any order of a bracket/OCO/OTO group cancels the rest of the group.
    for (const member of this.group(o)) if (OPEN_STATUSES.has(member.status)) this.finish(member, 'canceled', t);
  }

  cancelAll(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const t = this.now();
    for (const o of [...this.orders.values()]) {
      if (!OPEN_STATUSES.has(o.status)) continue;
      const coreId = this.coreIdOf.get(o.id);
      if (this.core && coreId !== undefined) {
        this.core.cancel(coreId);
        this.pump();
      } else {
        this.finish(o, 'canceled', t);
      }
      out.push({ id: o.id, status: 200, body: this.json(o) });
    }
    return out;
  }

  replace(id: string, body: unknown): Record<string, unknown> {
    const old = this.order(id);
    const req = parseReplaceRequest(body);
    if (!OPEN_STATUSES.has(old.status)) throw unprocessable(`order is already in "${old.status}" state`);
    // FIX-style cancel/replace: qty is the new total, and what already filled stays on the order.
    if (req.qty !== null && req.qty <= old.filledQty + EPS) throw unprocessable(`qty must be greater than the filled qty (${formatNumber(old.filledQty)})`);
    if (req.clientOrderId !== null && this.byClientId.has(req.clientOrderId)) throw invalid('client_order_id must be unique');
    if (req.limitPrice !== null && !(old.type === 'limit' || old.type === 'stop_limit')) throw unprocessable('limit_price can only be replaced on limit and stop_limit orders');
    if (req.stopPrice !== null && !(old.type === 'stop' || old.type === 'stop_limit')) throw unprocessable('stop_price can only be replaced on stop and stop_limit orders');
    if (req.trail !== null && old.type !== 'trailing_stop') throw unprocessable('trail can only be replaced on trailing_stop orders');
    const coreId = this.coreIdOf.get(old.id);
    if (this.core && coreId !== undefined) {
      const change: OrderReplace = {
        qty: req.qty ?? undefined,
        timeInForce: req.timeInForce ?? undefined,
        limitPrice: req.limitPrice ?? undefined,
        stopPrice: req.stopPrice ?? undefined,
      };
      if (req.trail !== null) {
        if (old.trailPercent !== null) change.trailPercent = req.trail;
        else change.trailPrice = req.trail;
      }
      const refused = this.core.replace(coreId, change);
      if (refused !== null) throw unprocessable(refused);
    }
    const t = this.now();
    const next: SimOrder = {
      ...old,
      id: randomUUID(),
      clientOrderId: req.clientOrderId ?? randomUUID(),
      createdAt: t, updatedAt: t, submittedAt: t,
      qty: req.qty ?? old.qty,
      timeInForce: req.timeInForce ?? old.timeInForce,
      limitPrice: req.limitPrice ?? old.limitPrice,
      stopPrice: req.stopPrice ?? old.stopPrice,
      trailPrice: req.trail !== null && old.trailPrice !== null ? req.trail : old.trailPrice,
      trailPercent: req.trail !== null && old.trailPercent !== null ? req.trail : old.trailPercent,
      replaces: old.id, replacedBy: null, replacedAt: null,
      legIds: [...old.legIds],
    };
    this.orders.set(next.id, next);
    this.byClientId.set(next.clientOrderId, next.id);
    for (const legId of old.legIds) { const leg = this.orders.get(legId); if (leg) leg.parentId = next.id; }
    if (old.parentId) {
      const parent = this.orders.get(old.parentId);
      if (parent) parent.legIds = parent.legIds.map((x) => (x === old.id ? next.id : x));
    }
    old.status = 'replaced';
    old.replacedBy = next.id;
    old.replacedAt = t;
    old.updatedAt = t;
    this.emit({ event: 'replaced', order: this.json(old), timestamp: rfc3339Nano(t) });
    if (coreId !== undefined) this.link(next.id, coreId);
    if (next.status !== 'held') {
      next.status = 'accepted';
      this.setNew(next, t);
      if (next.filledQty > EPS) next.status = 'partially_filled';
      if (coreId === undefined) this.tryImmediate(next, t);
    }
    // The core changed the order in place; its OrderUpdated now lands on the new id.
    this.pump();
    return this.json(this.orders.get(next.id) ?? next);
  }

  closePosition(symbolOrId: string, qtyText: string | null, percentText: string | null): Record<string, unknown> {
    const p = this.findPosition(symbolOrId);
    if (!p) throw new ApiFailure(404, CODE.notFound, 'position does not exist');
    let qty = Math.abs(p.qty);
    if (qtyText !== null) qty = Number(qtyText);
    else if (percentText !== null) qty = Math.abs(p.qty) * Number(percentText) / 100;
    if (!(qty > 0) || qty > Math.abs(p.qty) + EPS) throw invalid('invalid qty or percentage');
    return this.submit({ symbol: p.symbol, qty: String(qty), side: p.qty > 0 ? 'sell' : 'buy', type: 'market', time_in_force: Number.isInteger(qty) ? 'gtc' : 'day' });
  }

  closeAll(cancelOrders: boolean): Record<string, unknown>[] {
    if (cancelOrders) this.cancelAll();
    const out: Record<string, unknown>[] = [];
    for (const p of [...this.positions.values()]) {
      try {
        out.push({ symbol: p.symbol, status: 200, body: this.closePosition(p.symbol, null, null) });
      } catch (e) {
        if (!(e instanceof ApiFailure)) throw e;
        out.push({ symbol: p.symbol, status: e.status, body: e.body() });
      }
    }
    return out;
  }

  // --- the market moves ------------------------------------------------------------------------

  onTick(tick: Tick): void {
    const open = [...this.orders.values()]
      .filter((o) => o.symbol === tick.symbol && OPEN_STATUSES.has(o.status) && o.status !== 'held' && !this.coreIdOf.has(o.id))
      .sort((a, b) => a.submittedAt - b.submittedAt);
    for (const o of open) {
      if (!OPEN_STATUSES.has(o.status)) continue; // a sibling's fill may have cancelled it
      this.matchTick(o, tick);
    }
  }

  /** A minute bar of `symbol` has ended: 'backtest' matching fills against it. */
  onBar(symbol: string, bar: MinuteBar): void {
    if (!this.core?.handles(symbol)) return;
    this.core.matchBar(symbol, bar, this.market.source);
    this.pump();
  }

  /** Called when the regular session closes at `t`: day orders expire. */
  onSessionClose(t: number): void {
    for (const o of [...this.orders.values()]) {
      // The core expires its own day orders after the session's last bar, as in a backtest.
      if (this.coreIdOf.has(o.id)) continue;
      if (!OPEN_STATUSES.has(o.status) || o.expiresAt === null || o.expiresAt > t) continue;
      this.finish(o, 'expired', t);
      for (const id of o.legIds) {
        const leg = this.orders.get(id);
        if (leg && leg.status === 'held') this.finish(leg, 'canceled', t);
      }
    }
    this.lastEquity = Number(this.account().equity);
  }

  // --- internals -------------------------------------------------------------------------------

  private link(simId: string, coreId: string | undefined): void {
    if (coreId === undefined) return;
    this.coreIdOf.set(simId, coreId);
    this.simIdOf.set(coreId, simId);
  }

  /** Hands an accepted request to the core; its refusal becomes Alpaca's 422. */
  private coreSubmit(req: OrderRequest): { id: string; legIds: string[] } {
    const core = this.core as CoreMatcher;
    const bar = this.market.lastBar(req.symbol);
    if (bar) core.mark(req.symbol, bar.c);
    let qty = req.qty;
    if (qty === null) {
      // The core sizes orders in shares; a notional order is sized at the last trade.
      const px = this.market.lastPrice(req.symbol);
      if (px === undefined || req.notional === null) throw unprocessable('no trade yet to size a notional order by');
      qty = Math.floor((req.notional / px) * 1e9) / 1e9;
    }
    const r = core.submit(toCoreRequest(req, qty));
    if (!r.ok) throw unprocessable(r.reason);
    return r;
  }

  /** Turns the core's order events into the account's fills and `trade_updates`. */
  private pump(): void {
    if (!this.core) return;
    for (const e of this.core.drain()) {
      const simId = this.simIdOf.get(e.orderId);
      const o = simId === undefined ? undefined : this.orders.get(simId);
      if (!o) continue;
      const t = Number(e.tsEvent / 1_000_000n);
      switch (e.type) {
        case 'OrderFilled':
        case 'OrderPartiallyFilled':
          this.book(o, e.lastQty, e.lastPx, e.fee, t, e.type === 'OrderFilled');
          break;
        case 'OrderReleased':
          o.qty = this.core.order(e.orderId)?.qty ?? o.qty;
          this.setNew(o, t);
          break;
        case 'OrderCanceled':
        case 'OrderExpired':
        case 'OrderRejected':
          if (OPEN_STATUSES.has(o.status)) this.finish(o, e.type === 'OrderCanceled' ? 'canceled' : e.type === 'OrderExpired' ? 'expired' : 'rejected', t);
          break;
        case 'OrderUpdated':
          // A linked exit shrinks when its sibling partly fills (or after a replace).
          o.qty = e.qty;
          o.limitPrice = e.limitPrice;
          if (o.type !== 'trailing_stop') o.stopPrice = e.stopPrice;
          o.updatedAt = t;
          break;
        case 'OrderTriggered':
          o.triggered = true;
          break;
        default:
          break;
      }
      if (o.type === 'trailing_stop') this.syncTrail(o, e.orderId);
    }
  }

  /** The core keeps the trailing stop's level; Alpaca shows it with the watermark behind it. */
  private syncTrail(o: SimOrder, coreId: string): void {
    const stop = this.core?.order(coreId)?.stopPrice ?? null;
    if (stop === null) return;
    o.stopPrice = stop;
    const sign = o.side === 'buy' ? -1 : 1;
    o.hwm = o.trailPrice !== null ? stop + sign * o.trailPrice : stop / (1 - (sign * (o.trailPercent ?? 0)) / 100);
  }

  private newOrder(req: OrderRequest, info: SymbolInfo, t: number, o: Pick<SimOrder, 'type' | 'side' | 'limitPrice' | 'stopPrice' | 'clientOrderId'>): SimOrder {
    const order: SimOrder = {
      id: randomUUID(),
      clientOrderId: o.clientOrderId,
      createdAt: t, updatedAt: t, submittedAt: t,
      filledAt: null, expiredAt: null, canceledAt: null, failedAt: null, replacedAt: null,
      replacedBy: null, replaces: null,
      assetId: assetId(info.symbol),
      symbol: info.symbol,
      assetClass: info.assetClass,
      notional: req.notional,
      qty: req.qty,
      filledQty: 0,
      filledAvgPrice: null,
      orderClass: req.orderClass,
      type: o.type,
      side: o.side,
      timeInForce: req.timeInForce,
      limitPrice: o.limitPrice,
      stopPrice: o.stopPrice,
      trailPrice: o.type === 'trailing_stop' ? req.trailPrice : null,
      trailPercent: o.type === 'trailing_stop' ? req.trailPercent : null,
      hwm: null,
      status: 'pending_new',
      extendedHours: req.extendedHours,
      positionIntent: req.positionIntent,
      legIds: [],
      parentId: null,
      triggered: false,
      expiresAt: req.timeInForce === 'day' && info.assetClass === 'us_equity' ? currentOrNextSession(t).close : null,
    };
    this.orders.set(order.id, order);
    this.byClientId.set(order.clientOrderId, order.id);
    return order;
  }

  private checkAsset(req: OrderRequest, info: SymbolInfo): void {
    if (info.assetClass === 'crypto') {
      if (req.timeInForce !== 'gtc' && req.timeInForce !== 'ioc') throw unprocessable('invalid crypto time_in_force');
      if (req.type === 'stop' || req.type === 'trailing_stop') throw unprocessable('invalid order type for crypto order');
      if (req.orderClass !== 'simple') throw unprocessable('crypto orders must be simple orders');
    }
  }

  /** Alpaca's take-profit/stop-loss sanity rules, measured from the entry's base price. */
  private checkExitPrices(req: OrderRequest, base: number | undefined, oco = false): void {
    if (base === undefined) return;
    // An OCO is an exit: its side is the exit side, so the comparisons flip.
    const long = oco ? req.side === 'sell' : req.side === 'buy';
    const b = formatNumber(base);
    if (req.takeProfit) {
      if (long && req.takeProfit.limitPrice < base + 0.01 - EPS) throw unprocessable(`take_profit.limit_price must be >= base_price + 0.01 (base_price: ${b})`);
      if (!long && req.takeProfit.limitPrice > base - 0.01 + EPS) throw unprocessable(`take_profit.limit_price must be <= base_price - 0.01 (base_price: ${b})`);
    }
    if (req.stopLoss) {
      if (long && req.stopLoss.stopPrice > base - 0.01 + EPS) throw unprocessable(`stop_loss.stop_price must be <= base_price - 0.01 (base_price: ${b})`);
      if (!long && req.stopLoss.stopPrice < base + 0.01 - EPS) throw unprocessable(`stop_loss.stop_price must be >= base_price + 0.01 (base_price: ${b})`);
    }
  }

  private checkFunds(req: OrderRequest, info: SymbolInfo, price: number): void {
    const pos = this.positions.get(req.symbol)?.qty ?? 0;
    const qty = req.qty ?? (req.notional !== null && price > 0 ? req.notional / price : 0);
    const cost = req.notional ?? qty * (req.limitPrice ?? price);
    if (req.side === 'sell' && req.orderClass !== 'bracket' && req.orderClass !== 'oto') {
      if (pos > 0) {
        const available = pos - this.heldForSells(req.symbol);
        if (qty > available + EPS) {
          throw new ApiFailure(403, CODE.forbidden, `insufficient qty available for order (requested: ${formatNumber(qty)}, available: ${formatNumber(Math.max(0, available))})`, {
            available: formatNumber(Math.max(0, available)), existing_qty: formatNumber(pos), held_for_orders: formatNumber(this.heldForSells(req.symbol)), symbol: req.symbol,
          });
        }
        return;
      }
      if (info.assetClass === 'crypto') {
        throw new ApiFailure(403, CODE.forbidden, `insufficient balance for ${req.symbol.split('/')[0]} (requested: ${formatNumber(qty)}, available: 0)`);
      }
    }
    if (req.side === 'buy' && pos < 0) return; // buying to cover frees funds
    // Crypto is not marginable: it is bought with cash only.
    const bp = info.assetClass === 'crypto' ? this.cashBuyingPower() : this.buyingPower();
    if (cost > bp + EPS) {
      throw new ApiFailure(403, CODE.forbidden, 'insufficient buying power', { buying_power: formatNumber(bp), cost_basis: formatNumber(cost) });
    }
  }

  /** Reg T margin: 2× from $2,000 of equity, as Alpaca's paper accounts; below that a cash account. */
  private multiplier(equity: number): number {
    return equity >= 2000 ? 2 : 1;
  }

  /** Value the open entry orders would commit if they filled now. */
  private reserved(): number {
    let reserved = 0;
    for (const o of this.orders.values()) {
      if (!OPEN_STATUSES.has(o.status) || o.parentId !== null || o.orderClass === 'oco') continue;
      const remaining = (o.qty ?? 0) - o.filledQty;
      const price = o.limitPrice ?? this.priceOf(o.symbol, 0);
      const pos = this.positions.get(o.symbol)?.qty ?? 0;
      if (o.side === 'buy' && pos >= 0) reserved += o.notional !== null && o.filledQty === 0 ? o.notional : remaining * price;
      if (o.side === 'sell' && pos <= 0) reserved += remaining * price;
    }
    return reserved;
  }

  private marketValues(): { longMv: number; shortMv: number } {
    let longMv = 0, shortMv = 0;
    for (const p of this.positions.values()) {
      const mv = Math.abs(p.qty) * this.priceOf(p.symbol, p.avgEntry);
      if (p.qty > 0) longMv += mv; else shortMv += mv;
    }
    return { longMv, shortMv };
  }

  /** Cash not committed to open entries; short proceeds are not spendable. */
  private cashBuyingPower(): number {
    return Math.max(0, this.cash - 2 * this.marketValues().shortMv - this.reserved());
  }

  /** Reg T buying power: equity times the multiplier, less what positions and open entries use. */
  private buyingPower(): number {
    const { longMv, shortMv } = this.marketValues();
    const equity = this.cash + longMv - shortMv;
    const m = this.multiplier(equity);
    if (m === 1) return this.cashBuyingPower();
    return Math.max(0, m * equity - longMv - shortMv - this.reserved());
  }

  private heldForSells(symbol: string): number {
    const groups = new Map<string, number>();
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || o.side !== 'sell' || !OPEN_STATUSES.has(o.status) || o.status === 'held') continue;
      // Exits of one group cover the same shares, so they count once.
      const key = o.parentId ?? o.id;
      groups.set(key, Math.max(groups.get(key) ?? 0, (o.qty ?? 0) - o.filledQty));
    }
    let sum = 0;
    for (const v of groups.values()) sum += v;
    return sum;
  }

  private priceOf(symbol: string, fallback: number): number {
    return this.market.lastPrice(symbol) ?? fallback;
  }

  private findPosition(symbolOrId: string): Position | undefined {
    const direct = this.positions.get(symbolOrId) ?? this.positions.get(symbolOrId.toUpperCase());
    if (direct) return direct;
    for (const p of this.positions.values()) {
      if (assetId(p.symbol) === symbolOrId || p.symbol.replace('/', '') === symbolOrId.toUpperCase()) return p;
    }
    return undefined;
  }

  private positionJson(p: Position): Record<string, unknown> {
    const info = this.market.info(p.symbol);
    const price = this.priceOf(p.symbol, p.avgEntry);
    const lastday = this.lastdayPrice(p.symbol) ?? price;
    const mv = p.qty * price;
    const cost = p.qty * p.avgEntry;
    const upl = mv - cost;
    const intraday = p.qty * (price - lastday);
    const s = formatNumber;
    return {
      asset_id: assetId(p.symbol),
      symbol: p.symbol,
      exchange: info?.exchange ?? 'NASDAQ',
      asset_class: info?.assetClass ?? 'us_equity',
      asset_marginable: info?.assetClass === 'us_equity',
      avg_entry_price: s(p.avgEntry),
      qty: s(p.qty),
      qty_available: s(p.qty > 0 ? p.qty - this.heldForSells(p.symbol) : p.qty),
      side: p.qty > 0 ? 'long' : 'short',
      market_value: s(mv),
      cost_basis: s(cost),
      unrealized_pl: s(upl),
      unrealized_plpc: s(cost !== 0 ? upl / Math.abs(cost) : 0),
      unrealized_intraday_pl: s(intraday),
      unrealized_intraday_plpc: s(lastday !== 0 ? (price - lastday) / lastday * Math.sign(p.qty) : 0),
      current_price: s(price),
      lastday_price: s(lastday),
      change_today: s(lastday !== 0 ? (price - lastday) / lastday : 0),
    };
  }

  private lastdayPrice(symbol: string): number | undefined {
    const t = this.now();
    const info = this.market.info(symbol);
    const cutoff = info?.assetClass === 'crypto' ? Math.floor(t / 86_400_000) * 86_400_000 : previousSession(t).open;
    return this.market.source.lastBarBefore(symbol, cutoff)?.c;
  }

  private group(o: SimOrder): SimOrder[] {
    const root = o.parentId ? this.orders.get(o.parentId) ?? o : o;
    const out = [root];
    for (const id of root.legIds) { const leg = this.orders.get(id); if (leg) out.push(leg); }
    return out;
  }

  private setNew(o: SimOrder, t: number): void {
    o.status = 'new';
    o.updatedAt = t;
    this.emit({ event: 'new', order: this.json(o), timestamp: rfc3339Nano(t) });
  }

  private finish(o: SimOrder, status: 'canceled' | 'expired' | 'rejected', t: number): void {
    o.status = status;
    o.updatedAt = t;
    if (status === 'canceled') o.canceledAt = t;
    if (status === 'expired') o.expiredAt = t;
    if (status === 'rejected') o.failedAt = t;
    this.emit({ event: status, order: this.json(o), timestamp: rfc3339Nano(t) });
  }

  private tradable(o: SimOrder, t: number): boolean {
    if (this.halted.has(o.symbol)) return false;
    if (o.assetClass === 'crypto') return true;
    if (isMarketOpen(t)) return true;
    if (!o.extendedHours) return false;
    const s = sessionOn(etDate(t));
    return s !== null && t >= s.preOpen && t < s.postClose;
  }

  /** Executes what can execute at once against the standing quote, then applies IOC/FOK. */
  private tryImmediate(o: SimOrder, t: number): void {
    if (o.timeInForce === 'opg' || o.timeInForce === 'cls') return;
    const q = this.market.lastTick(o.symbol);
    if (q && this.tradable(o, t)) {
      const buy = o.side === 'buy';
      const touch = buy ? q.ask : q.bid;
      if (o.type === 'trailing_stop') this.updateTrail(o, q.price);
      if ((o.type === 'stop' || o.type === 'stop_limit') && !o.triggered && o.stopPrice !== null) {
        if (buy ? q.price >= o.stopPrice : q.price <= o.stopPrice) o.triggered = true;
      }
      const marketable = o.type === 'market' || (o.type === 'stop' && o.triggered)
        || (o.type === 'limit' && o.limitPrice !== null && (buy ? touch <= o.limitPrice : touch >= o.limitPrice))
        || (o.type === 'stop_limit' && o.triggered && o.limitPrice !== null && (buy ? touch <= o.limitPrice : touch >= o.limitPrice));
      if (marketable) this.execute(o, this.remaining(o, touch), touch, t);
    }
    if ((o.timeInForce === 'ioc' || o.timeInForce === 'fok') && OPEN_STATUSES.has(o.status)) this.finish(o, 'canceled', t);
  }

  private remaining(o: SimOrder, price: number): number {
    if (o.qty === null && o.notional !== null) return Math.floor((o.notional / price) * 1e9) / 1e9;
    return (o.qty ?? 0) - o.filledQty;
  }

  private updateTrail(o: SimOrder, price: number): void {
    const buy = o.side === 'buy';
    o.hwm = o.hwm === null ? price : buy ? Math.min(o.hwm, price) : Math.max(o.hwm, price);
    const offset = o.trailPrice ?? (o.hwm * (o.trailPercent ?? 0)) / 100;
    o.stopPrice = Math.round((buy ? o.hwm + offset : o.hwm - offset) * 100) / 100;
  }

  private matchTick(o: SimOrder, tick: Tick): void {
    const buy = o.side === 'buy';
    const p = tick.price;
    if (o.timeInForce === 'opg' || o.timeInForce === 'cls') {
      const s = sessionOn(etDate(tick.t));
      if (!s) return;
      // The session's first print is the opening auction, its last the closing one.
      const auction = o.timeInForce === 'opg' ? tick.t === s.open + 1_000 : tick.t === s.close - 1_000;
      if (!auction) return;
      if (o.type === 'market' || (o.limitPrice !== null && (buy ? p <= o.limitPrice : p >= o.limitPrice))) this.execute(o, this.remaining(o, p), p, tick.t);
      if (OPEN_STATUSES.has(o.status)) this.finish(o, 'canceled', tick.t);
      return;
    }
    if (o.type === 'trailing_stop') {
      if (o.hwm === null) { this.updateTrail(o, p); return; }
      if (!o.triggered && o.stopPrice !== null && (buy ? p >= o.stopPrice : p <= o.stopPrice)) o.triggered = true;
      if (!o.triggered) { this.updateTrail(o, p); return; }
      this.execute(o, this.remaining(o, p), p, tick.t);
      return;
    }
    if ((o.type === 'stop' || o.type === 'stop_limit') && !o.triggered) {
      if (o.stopPrice === null || !(buy ? p >= o.stopPrice : p <= o.stopPrice)) return;
      o.triggered = true;
    }
    if (o.type === 'market' || o.type === 'stop') {
      this.execute(o, this.remaining(o, p), p, tick.t);
      return;
    }
    if (o.limitPrice !== null && (buy ? p <= o.limitPrice : p >= o.limitPrice)) {
      // Resting limits trade against the printed size, which is where partial fills come from.
      this.execute(o, Math.min(this.remaining(o, p), tick.size), p, tick.t);
    }
  }

  /** Quote matching's execution: the fill, then what it does to the order's group. */
  private execute(o: SimOrder, qty: number, price: number, t: number): void {
    if (!(qty > EPS)) return;
    const done = this.book(o, qty, price, 0, t);
    this.afterFill(o, done, t);
  }

  /** Books one fill into the order, cash and the position, and reports it on `trade_updates`. */
  private book(o: SimOrder, qty: number, price: number, fee: number, t: number, done?: boolean): boolean {
    const signed = o.side === 'buy' ? qty : -qty;
    const prevFilled = o.filledQty;
    o.filledQty = prevFilled + qty;
    o.filledAvgPrice = ((o.filledAvgPrice ?? 0) * prevFilled + price * qty) / o.filledQty;
    done ??= o.qty === null || o.filledQty >= o.qty - EPS;
    if (o.qty === null && done) o.qty = o.filledQty; // notional orders learn their quantity at the fill
    o.status = done ? 'filled' : 'partially_filled';
    o.updatedAt = t;
    if (done) o.filledAt = t;
    this.cash -= signed * price + fee;
    const pos = this.positions.get(o.symbol) ?? { symbol: o.symbol, qty: 0, avgEntry: 0 };
    const after = pos.qty + signed;
    if (pos.qty === 0 || Math.sign(pos.qty) === Math.sign(signed)) {
      pos.avgEntry = (pos.avgEntry * Math.abs(pos.qty) + price * qty) / Math.abs(after);
    } else if (Math.sign(after) !== Math.sign(pos.qty) && Math.abs(after) > EPS) {
      pos.avgEntry = price; // flipped through zero: the remainder opened at this price
    }
    pos.qty = Math.abs(after) < EPS ? 0 : after;
    if (pos.qty === 0) this.positions.delete(o.symbol); else this.positions.set(o.symbol, pos);
    this.emit({
      event: done ? 'fill' : 'partial_fill',
      execution_id: randomUUID(),
      order: this.json(o),
      timestamp: rfc3339Nano(t),
      price: formatNumber(price),
      qty: formatNumber(qty),
      position_qty: formatNumber(pos.qty),
    });
    return done;
  }

  private afterFill(o: SimOrder, done: boolean, t: number): void {
    const isExit = o.parentId !== null || o.orderClass === 'oco';
    if (!done) {
      // Both exits cover the same shares: what one sells, the other no longer needs to.
      if (isExit) {
        const left = (o.qty ?? 0) - o.filledQty;
        for (const m of this.group(o)) {
          const sibling = m !== o && OPEN_STATUSES.has(m.status) && (m.parentId !== null || m.orderClass === 'oco');
          if (sibling && m.qty !== null && m.qty - m.filledQty > left + EPS) { m.qty = m.filledQty + left; m.updatedAt = t; }
        }
      }
      return;
    }
    if (o.legIds.length > 0 && o.orderClass !== 'oco') {
      for (const id of o.legIds) {
        const leg = this.orders.get(id);
        if (leg && leg.status === 'held') { leg.qty = o.filledQty; this.setNew(leg, t); }
      }
      for (const id of o.legIds) {
        const leg = this.orders.get(id);
        if (leg && leg.status === 'new') this.tryImmediate(leg, t);
      }
      return;
    }
    // An exit filled: its siblings (the other side of the bracket/OCO) are cancelled.
    if (isExit) for (const member of this.group(o)) if (member !== o && OPEN_STATUSES.has(member.status)) this.finish(member, 'canceled', t);
  }

  private emit(u: TradeUpdateData): void {
    for (const l of this.listeners) l(u);
  }

  /** Statuses a test may assert on without reaching into internals. */
  statusOf(id: string): OrderStatus | undefined {
    return this.orders.get(id)?.status;
  }
}

function toCoreRequest(req: OrderRequest, qty: number): CoreOrderRequest {
  const opt = (x: number | null): number | undefined => (x === null ? undefined : x);
  return {
    symbol: req.symbol,
    side: req.side,
    qty,
    type: req.type,
    timeInForce: req.timeInForce,
    limitPrice: opt(req.limitPrice),
    stopPrice: opt(req.stopPrice),
    trailPrice: opt(req.trailPrice),
    trailPercent: opt(req.trailPercent),
    orderClass: req.orderClass,
    takeProfit: req.takeProfit ?? undefined,
    stopLoss: req.stopLoss ? { stopPrice: req.stopLoss.stopPrice, limitPrice: opt(req.stopLoss.limitPrice) } : undefined,
  };
}
