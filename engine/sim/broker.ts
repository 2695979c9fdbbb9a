// The simulated paper account behind the trading API: orders (simple, bracket, OCO, OTO) matched
// against the simulated market, positions and cash, and the `trade_updates` events they produce.

import { createHash, randomUUID } from 'node:crypto';
import type { Market, Tick } from './market';
import {
  ApiFailure, CODE, OPEN_STATUSES, formatNumber, invalid, orderJson, parseOrderRequest, parseReplaceRequest,
  unprocessable, type OrderRequest, type OrderStatus, type SimOrder,
} from './orders';
import type { SymbolInfo } from './source';
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

export interface BrokerOptions {
  cash?: number;
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
  private readonly accountId = randomUUID();
  private readonly createdAt: number;

  constructor(private readonly market: Market, private readonly now: () => number, options: BrokerOptions = {}) {
    this.initialCash = options.cash ?? 100_000;
    this.cash = this.initialCash;
    this.lastEquity = this.initialCash;
    this.createdAt = now();
  }

  onUpdate(listener: (u: TradeUpdateData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fault injection: the next `n` accepted orders are rejected by the "exchange". */
  rejectNextOrders(n: number): void {
    this.rejectNext = n;
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
      non_marginable_buying_power: s(bp),
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
      multiplier: '1',
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
    const accepted = this.json(parent);

    if (this.rejectNext > 0) {
      this.rejectNext--;
      for (const o of [parent, ...legs]) this.finish(o, 'rejected', t);
      return accepted;
    }
    this.setNew(parent, t);
    if (req.orderClass === 'oco') for (const leg of legs) this.setNew(leg, t);
    this.tryImmediate(parent, t);
    if (req.orderClass === 'oco') for (const leg of legs) if (OPEN_STATUSES.has(leg.status)) this.tryImmediate(leg, t);
    return accepted;
  }

  cancel(id: string): void {
    const o = this.order(id);
    if (!OPEN_STATUSES.has(o.status)) throw unprocessable(`order is already in "${o.status}" state`);
    const t = this.now();
    // Cancelling any order of a bracket/OCO/OTO group cancels the rest of the group.
    for (const member of this.group(o)) if (OPEN_STATUSES.has(member.status)) this.finish(member, 'canceled', t);
  }

  cancelAll(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const t = this.now();
    for (const o of [...this.orders.values()]) {
      if (!OPEN_STATUSES.has(o.status)) continue;
      this.finish(o, 'canceled', t);
      out.push({ id: o.id, status: 200, body: this.json(o) });
    }
    return out;
  }

  replace(id: string, body: unknown): Record<string, unknown> {
    const old = this.order(id);
    const req = parseReplaceRequest(body);
    if (!OPEN_STATUSES.has(old.status)) throw unprocessable(`order is already in "${old.status}" state`);
    if (old.status === 'partially_filled') throw unprocessable('cannot replace a partially filled order');
    if (req.clientOrderId !== null && this.byClientId.has(req.clientOrderId)) throw invalid('client_order_id must be unique');
    if (req.limitPrice !== null && !(old.type === 'limit' || old.type === 'stop_limit')) throw unprocessable('limit_price can only be replaced on limit and stop_limit orders');
    if (req.stopPrice !== null && !(old.type === 'stop' || old.type === 'stop_limit')) throw unprocessable('stop_price can only be replaced on stop and stop_limit orders');
    if (req.trail !== null && old.type !== 'trailing_stop') throw unprocessable('trail can only be replaced on trailing_stop orders');
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
    if (next.status !== 'held') {
      next.status = 'accepted';
      this.setNew(next, t);
      this.tryImmediate(next, t);
    }
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
      .filter((o) => o.symbol === tick.symbol && OPEN_STATUSES.has(o.status) && o.status !== 'held')
      .sort((a, b) => a.submittedAt - b.submittedAt);
    for (const o of open) {
      if (!OPEN_STATUSES.has(o.status)) continue; // a sibling's fill may have cancelled it
      this.matchTick(o, tick);
    }
  }

  /** Called when the regular session closes at `t`: day orders expire. */
  onSessionClose(t: number): void {
    for (const o of [...this.orders.values()]) {
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
    if (cost > this.buyingPower() + EPS) {
      throw new ApiFailure(403, CODE.forbidden, 'insufficient buying power', { buying_power: formatNumber(this.buyingPower()), cost_basis: formatNumber(cost) });
    }
  }

  /** Cash not committed to open entries; short proceeds are not spendable (a 1× account). */
  private buyingPower(): number {
    let shortMv = 0;
    for (const p of this.positions.values()) if (p.qty < 0) shortMv += -p.qty * this.priceOf(p.symbol, p.avgEntry);
    let reserved = 0;
    for (const o of this.orders.values()) {
      if (!OPEN_STATUSES.has(o.status) || o.parentId !== null || o.orderClass === 'oco') continue;
      const remaining = (o.qty ?? 0) - o.filledQty;
      const price = o.limitPrice ?? this.priceOf(o.symbol, 0);
      const pos = this.positions.get(o.symbol)?.qty ?? 0;
      if (o.side === 'buy' && pos >= 0) reserved += o.notional !== null && o.filledQty === 0 ? o.notional : remaining * price;
      if (o.side === 'sell' && pos <= 0) reserved += remaining * price;
    }
    return Math.max(0, this.cash - 2 * shortMv - reserved);
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

  private execute(o: SimOrder, qty: number, price: number, t: number): void {
    if (!(qty > EPS)) return;
    const signed = o.side === 'buy' ? qty : -qty;
    const prevFilled = o.filledQty;
    o.filledQty = prevFilled + qty;
    o.filledAvgPrice = ((o.filledAvgPrice ?? 0) * prevFilled + price * qty) / o.filledQty;
    if (o.qty === null) o.qty = o.filledQty; // notional orders learn their quantity at the fill
    const done = o.filledQty >= (o.qty ?? 0) - EPS;
    o.status = done ? 'filled' : 'partially_filled';
    o.updatedAt = t;
    if (done) o.filledAt = t;
    this.cash -= signed * price;
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
    if (!done) return;
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
    const isExit = o.parentId !== null || o.orderClass === 'oco';
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
