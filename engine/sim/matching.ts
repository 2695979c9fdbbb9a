// The backtest's own simulated exchange (engine/core/backtest/exchange.ts) driven one minute bar
// at a time by the simulator, so the paper broker fills equity orders by the very code a backtest
// of the same bars uses: validation, fill prices, intrabar ordering, volume caps, linked legs.

import { type BacktestConfig, type ResolvedConfig, SimulatedExchange, resolveConfig } from '../core/backtest';
import type { BarInput } from '../core/backtest/exchange';
import { TradeTracker } from '../core/backtest/trades';
import type { OrderEvent } from '../core/events';
import type { Order, OrderReplace, OrderRequest } from '../core/orders';
import { Portfolio } from '../core/portfolio/portfolio';
import type { MarketDataSource, MinuteBar } from './source';
import { DAY_MS, MINUTE_MS } from './time';

/** The backtest settings that decide fills; the same names and defaults as `BacktestConfig`. */
export type MatchingConfig = Pick<BacktestConfig, 'fill' | 'slippage' | 'fees' | 'allowShort' | 'enforceTickSize' | 'sessionOffsetNs'>;

export type SubmitResult = { ok: true; id: string; legIds: string[] } | { ok: false; reason: string };

export class CoreMatcher {
  readonly config: ResolvedConfig;
  private readonly exchange: SimulatedExchange;
  private readonly portfolio: Portfolio;
  private readonly index = new Map<string, number>();
  private readonly offsetMs: number;
  private readonly bar: BarInput = { barIndex: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, barStartNs: 0n, sessionFirst: false, sessionLast: false };
  private barCount = 0;

  /**
   * `symbols`: what the exchange trades. `cash` only feeds the core's own buying-power check; the
   * simulator's account (Alpaca's Reg T rules) is checked before an order gets here.
   */
  constructor(symbols: readonly string[], cash: number, now: () => number, config: MatchingConfig = {}) {
    // Alpaca paper accounts are Reg T margin accounts: 2x, as the simulator's account reports.
    const resolved = resolveConfig({ ...config, initialCash: cash, marginMultiplier: 2 });
    if (!resolved.ok) throw new Error(resolved.message);
    if (resolved.config.market === 'signal-close') {
      // It would fill at a close the client has already seen: a price no live order gets.
      throw new Error('config: fill.market signal-close cannot be simulated live; use next-open');
    }
    this.config = resolved.config;
    this.offsetMs = Number(resolved.config.sessionOffsetNs / 1_000_000n);
    const sorted = [...symbols].sort();
    sorted.forEach((s, i) => this.index.set(s, i));
    this.portfolio = new Portfolio(sorted, cash, { marginMultiplier: resolved.config.marginMultiplier });
    this.exchange = new SimulatedExchange({
      symbols: sorted,
      portfolio: this.portfolio,
      trades: new TradeTracker(sorted),
      now: () => BigInt(now()) * 1_000_000n,
      intrabar: resolved.config.intrabar,
      maxVolumeShare: resolved.config.maxVolumeShare,
      slippage: resolved.config.slippage,
      fees: resolved.config.fees,
      allowShort: resolved.config.allowShort,
      enforceTickSize: resolved.config.enforceTickSize,
    });
  }

  handles(symbol: string): boolean {
    return this.index.has(symbol);
  }

  /** The last price the core's validation judges market orders by: the latest completed close. */
  mark(symbol: string, price: number): void {
    const s = this.index.get(symbol);
    if (s !== undefined && Number.isFinite(price)) this.portfolio.mark(s, price);
  }

  submit(request: OrderRequest): SubmitResult {
    const before = this.exchange.pending.length;
    const id = this.exchange.submit(request);
    const legIds: string[] = [];
    for (let k = before; k < this.exchange.pending.length; k++) {
      const e = this.exchange.pending[k];
      if (e.type === 'OrderRejected' && e.orderId === id) {
        this.exchange.pending.length = before;
        return { ok: false, reason: e.reason };
      }
      if (e.type === 'OrderAccepted' && e.orderId !== id) legIds.push(e.orderId);
    }
    return { ok: true, id, legIds };
  }

  /** Null when done; otherwise the core's reason for refusing. */
  cancel(id: string): string | null {
    return this.exchange.cancel(id) ? null : this.takeRefusal(id);
  }

  replace(id: string, change: OrderReplace): string | null {
    return this.exchange.replace(id, change) ? null : this.takeRefusal(id);
  }

  order(id: string): Order | undefined {
    return this.exchange.get(id);
  }

  hasOrders(symbol: string): boolean {
    const s = this.index.get(symbol);
    return s !== undefined && this.exchange.hasWorkingOrders(s);
  }

  /**
   * Matches `symbol`'s orders against a minute bar that has just ended, then marks the symbol to
   * its close, as the backtest loop does at each bar's close time.
   */
  matchBar(symbol: string, bar: MinuteBar, source: MarketDataSource): void {
    const s = this.index.get(symbol);
    if (s === undefined) return;
    if (this.exchange.hasWorkingOrders(s)) {
      const flags = this.sessionFlags(source, symbol, bar);
      const b = this.bar;
      b.barIndex = this.barCount++;
      b.open = bar.o;
      b.high = bar.h;
      b.low = bar.l;
      b.close = bar.c;
      b.volume = bar.v;
      // The backtest passes the previous bar's close, which is this bar's start whenever bars are
      // contiguous; across a gap the start is the rule it stands for ("bars that start at or
      // after the order"), and here a client can submit inside the gap.
      b.barStartNs = BigInt(bar.t) * 1_000_000n;
      b.sessionFirst = flags.first;
      b.sessionLast = flags.last;
      this.exchange.matchBar(s, b);
    }
    this.portfolio.mark(s, bar.c);
  }

  /** Events since the last drain, in the order the core emitted them. */
  drain(): OrderEvent[] {
    return this.exchange.pending.splice(0);
  }

  /**
   * The backtest's session rule, applied to the source instead of a column: a bar opens (closes)
   * its session when no bar of the same day precedes (follows) it, the day being the close time
   * shifted by `sessionOffsetNs`.
   */
  private sessionFlags(source: MarketDataSource, symbol: string, bar: MinuteBar): { first: boolean; last: boolean } {
    const day = Math.floor((bar.t + MINUTE_MS + this.offsetMs) / DAY_MS);
    const prev = source.lastBarBefore(symbol, bar.t);
    const first = prev === undefined || Math.floor((prev.t + MINUTE_MS + this.offsetMs) / DAY_MS) !== day;
    const dayEndStart = (day + 1) * DAY_MS - this.offsetMs - MINUTE_MS;
    const last = source.minuteBars(symbol, bar.t + 1, dayEndStart).length === 0;
    return { first, last };
  }

  private takeRefusal(id: string): string {
    const q = this.exchange.pending;
    for (let k = q.length - 1; k >= 0; k--) {
      const e = q[k];
      if ((e.type === 'OrderCancelRejected' || e.type === 'OrderModifyRejected') && e.orderId === id) {
        q.splice(k, 1);
        return e.reason;
      }
    }
    return 'refused by the exchange';
  }
}
