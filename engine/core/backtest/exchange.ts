// The simulated exchange: accepts orders (validated as Alpaca would), matches them against bars
// along the intrabar path, books fills into the portfolio and emits order events. Nothing here
// throws on a bad order: it becomes an OrderRejected / OrderModifyRejected event.

import { withRoom } from '../growable';
import type { OrderEvent } from '../events';
import { type FeeModel, type SlippageModel, computeFee, slippedPrice } from '../orders/costs';
import {
  type Order,
  type OrderClass,
  type OrderLegRole,
  type OrderReplace,
  type OrderRequest,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  type TimeInForce,
  ORDER_SIDES,
  ORDER_TYPES,
  TIMES_IN_FORCE,
  isOpenStatus,
} from '../orders/types';
import { type ValidationContext, normalizeOrderRequest, validateOrderRequest } from '../orders/validate';
import type { Portfolio } from '../portfolio/portfolio';
import { EventLog, type OrderNames } from './event-log';
import { BarPath } from './intrabar';
import type { TradeTracker } from './trades';

/**
 * How stops and targets that could both fill inside one bar are resolved.
 * - adaptive: follow the adaptive path (see intrabar.ts); whichever level the path meets first fills.
 * - conservative: as adaptive, except that when a take-profit and its linked stop-loss could both
 *   fill in the same bar, the stop-loss fills — the pessimistic reading of an ambiguous bar.
 */
export type IntrabarRule = 'adaptive' | 'conservative';

export interface ExchangeOptions {
  symbols: readonly string[];
  portfolio: Portfolio;
  trades: TradeTracker;
  now: () => bigint;
  intrabar: IntrabarRule;
  /** Share of a bar's volume one symbol's fills may take in that bar; Infinity for no cap. */
  maxVolumeShare: number;
  slippage: SlippageModel;
  fees: FeeModel;
  allowShort: boolean;
  enforceTickSize: boolean;
  /** Keep every event in `log` (default true); sweeps turn it off, they only need the figures. */
  keepLog?: boolean;
  /**
   * Forget orders once they are finished (default false: they stay queryable by id and in the
   * order list). A streamed run that keeps only its figures sets it, so its memory does not grow
   * with its orders; `get` of a finished order then gives undefined.
   */
  forgetFinished?: boolean;
}

const QTY_EPS = 1e-9;

/** The orders linked to `o`: its entry, the entry's legs, its one-cancels-other group. */
function relatives(o: SimOrder): SimOrder[] {
  const root = o.parent ?? o;
  const out = [root, ...root.children, ...(o.group ?? [])];
  return out.filter((m, k) => m !== o && out.indexOf(m) === k);
}

const NO_CHILDREN: readonly SimOrder[] = [];

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);

// The numeric state of every order lives in one Float64Array, ORDER_WIDTH numbers per order.
// As object fields each double would be a separate heap box (V8 does not store doubles inline),
// about a dozen per order, all kept to the end of the run for the order list: that was most of
// the garbage-collection time of an order-heavy run.
const QTY = 0;
const LIMIT = 1;
const STOP = 2;
const TRAIL_PRICE = 3;
const TRAIL_PERCENT = 4;
const FILLED_QTY = 5;
const AVG_FILL = 6;
const WATERMARK = 7;
const ACTIVE_POS = 8;
const EVAL_POS = 9;
const EVAL_PRICE = 10;
const EVAL_WATERMARK = 11;
const ORDER_WIDTH = 12;

/**
 * Growable numeric columns of the live orders of one exchange. A finished order's row is freed
 * for the next order (what a kept order still needs is copied into RetiredOrders' columns), so
 * the store stays as small as the most orders ever live at once and its rows stay in cache.
 */
class OrderNumbers {
  d = new Float64Array(64 * ORDER_WIDTH);
  /** Rows of finished orders, for reuse. */
  readonly free: number[] = [];
  private rows = 0;

  /** A free row for a new order. */
  row(): number {
    return this.free.pop() ?? this.rows++;
  }

  /** Drops capacity beyond the rows in use. */
  trim(): void {
    if (this.rows * ORDER_WIDTH < this.d.length) this.d = this.d.slice(0, this.rows * ORDER_WIDTH);
  }

  /** Base offset of order `row`'s numbers, growing the store as needed. */
  claim(row: number): number {
    const at = row * ORDER_WIDTH;
    this.d = withRoom(this.d, at + ORDER_WIDTH);
    return at;
  }
}

const STATUSES: readonly OrderStatus[] = ['accepted', 'held', 'triggered', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected'];
/**
 * A name's index in its list, -1 for none. Orders of a run mostly repeat one status, type and
 * time in force, so the last answer is checked first (a pointer compare) before the map.
 */
class Codes<T extends string> {
  private readonly map: ReadonlyMap<T, number>;
  private last: T | null = null;
  private lastCode = -1;

  constructor(names: readonly T[]) {
    this.map = new Map(names.map((n, k) => [n, k]));
  }

  of(name: T): number {
    if (name === this.last) return this.lastCode;
    const code = this.map.get(name) ?? -1;
    this.last = name;
    this.lastCode = code;
    return code;
  }
}
const STATUS_CODE = new Codes(STATUSES);
const TYPE_CODE = new Codes(ORDER_TYPES);
const TIF_CODE = new Codes(TIMES_IN_FORCE);

/**
 * Finished simple orders, as columns indexed by seq - 1 (their OrderNumbers row goes to the next order).
 * A sma-cross run over 10M bars makes ~300k orders; kept as objects to the end of the run for
 * `get`, `cancel` and the order list, every one was copied out of the young generation, which
 * was about a third of the loop. Retired here, the object dies young and a snapshot is rebuilt
 * from the columns when someone asks.
 */
class RetiredOrders {
  /** Status code + 1; 0 for an order that is not retired. */
  status = new Uint8Array(256);
  side = new Uint8Array(256);
  type = new Uint8Array(256);
  tif = new Uint8Array(256);
  symbol = new Int32Array(256);
  tsInit = new BigInt64Array(256);
  tsLast = new BigInt64Array(256);
  /** Tag as 1 + its index in `tagNames`, 0 for none: a strategy uses a handful of distinct tags. */
  tag = new Int32Array(256);
  qty = new Float64Array(256);
  filledQty = new Float64Array(256);
  avgFillPrice = new Float64Array(256);
  /**
   * Limit, stop, trail price and trail percent, four numbers per order that has any of them
   * (market orders, the bulk, have none): `priced[row]` is 1 + the order's index in `prices`/4.
   */
  priced = new Int32Array(256);
  private prices = new Float64Array(64);
  private pricedCount = 0;
  private readonly tagNames: string[] = [];
  private readonly tagCodes = new Map<string, number>();
  /** Strategy-chosen client ids: usually unique and rarer than not, so kept by seq where set. */
  readonly clientIds = new Map<number, string>();

  constructor(
    private readonly num: OrderNumbers,
    private readonly symbols: readonly string[],
    /** Finished orders are dropped, not kept as columns (ExchangeOptions.forgetFinished). */
    readonly forget: boolean,
  ) {}

  /**
   * Takes `o` over if it is a finished simple order whose every field has a column here (an
   * order rejected for a malformed request may not); false to keep it as an object. Forgetting,
   * it takes any finished order whose group is finished too, and keeps nothing of it.
   */
  retire(o: SimOrder): boolean {
    if (this.forget) {
      if (o.open || o.parent?.open === true || o.children.some((c) => c.open) || (o.group !== null && o.group.some((m) => m.open))) return false;
      this.num.free.push(o.row);
      return true;
    }
    if (!this.keep(o)) return false;
    this.num.free.push(o.row);
    return true;
  }

  /** Copies finished simple order `o` into the columns, or false if it does not fit them. */
  private keep(o: SimOrder): boolean {
    if (o.orderClass !== 'simple' || o.role !== 'entry' || o.parent !== null || o.group !== null || o.children.length > 0) return false;
    // Codes from small maps (last answer first) rather than four Array.indexOf scans per retired order.
    const status = STATUS_CODE.of(o.status);
    const side = o.side === 'buy' ? 0 : o.side === 'sell' ? 1 : -1;
    const type = TYPE_CODE.of(o.type);
    const tif = TIF_CODE.of(o.tif);
    if (status < 4 || side < 0 || type < 0 || tif < 0 || o.symbolIndex < 0 || this.symbols[o.symbolIndex] !== o.symbol) return false;
    const row = o.seq - 1;
    if (row >= this.status.length) this.grow(Math.max(row + 1, this.status.length * 2));
    this.status[row] = status + 1;
    this.side[row] = side;
    this.type[row] = type;
    this.tif[row] = tif;
    this.symbol[row] = o.symbolIndex;
    this.tsInit[row] = o.tsInit;
    this.tsLast[row] = o.tsLast;
    if (o.clientOrderId !== o.id) this.clientIds.set(o.seq, o.clientOrderId);
    this.tag[row] = o.tag === null ? 0 : this.tagCode(o.tag);
    this.qty[row] = o.qty;
    this.filledQty[row] = o.filledQty;
    this.avgFillPrice[row] = o.avgFillPrice;
    const limit = o.limitPrice;
    const stop = o.stopPrice;
    const trailPrice = o.trailPrice;
    const trailPercent = o.trailPercent;
    if (limit === limit || stop === stop || trailPrice === trailPrice || trailPercent === trailPercent) {
      const at = this.pricedCount++ * 4;
      this.prices = withRoom(this.prices, at + 4);
      this.prices[at] = limit;
      this.prices[at + 1] = stop;
      this.prices[at + 2] = trailPrice;
      this.prices[at + 3] = trailPercent;
      this.priced[row] = this.pricedCount;
    } else {
      this.priced[row] = 0;
    }
    return true;
  }

  /** For messages about a finished order: its status, or that it was forgotten. */
  statusOf(seq: number): string {
    return this.forget ? 'finished (finished orders are not kept in this run)' : STATUSES[this.status[seq - 1] - 1];
  }

  names(seq: number): OrderNames {
    const id = `O-${seq}`;
    if (this.forget) return { id, clientOrderId: id, symbol: '', side: 'buy' };
    return { id, clientOrderId: this.clientIds.get(seq) ?? id, symbol: this.symbols[this.symbol[seq - 1]], side: ORDER_SIDES[this.side[seq - 1]] };
  }

  /** The same object, key for key, as SimOrder.snapshot() gave while the order was live. */
  snapshot(seq: number): Order | undefined {
    if (this.forget) return undefined;
    const row = seq - 1;
    const p = this.priced[row];
    const at = (p - 1) * 4;
    const price = (k: number) => (p === 0 ? null : nullIfNaN(this.prices[at + k]));
    const id = `O-${seq}`;
    return {
      id,
      clientOrderId: this.clientIds.get(seq) ?? id,
      symbol: this.symbols[this.symbol[row]],
      side: ORDER_SIDES[this.side[row]],
      type: ORDER_TYPES[this.type[row]],
      timeInForce: TIMES_IN_FORCE[this.tif[row]],
      orderClass: 'simple',
      role: 'entry',
      parentId: null,
      linkedIds: [],
      qty: this.qty[row],
      filledQty: this.filledQty[row],
      avgFillPrice: this.avgFillPrice[row],
      limitPrice: price(0),
      stopPrice: price(1),
      trailPrice: price(2),
      trailPercent: price(3),
      status: STATUSES[this.status[row] - 1],
      tag: this.tag[row] === 0 ? null : this.tagNames[this.tag[row] - 1],
      tsInit: this.tsInit[row],
      tsLast: this.tsLast[row],
    };
  }

  private tagCode(tag: string): number {
    let code = this.tagCodes.get(tag);
    if (code === undefined) {
      code = this.tagNames.push(tag);
      this.tagCodes.set(tag, code);
    }
    return code;
  }

  /** Drops capacity beyond `rows` orders. */
  trim(rows: number): void {
    if (rows < this.status.length) this.grow(rows);
    if (this.pricedCount * 4 < this.prices.length) this.prices = this.prices.slice(0, this.pricedCount * 4);
  }

  private grow(n: number): void {
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a.subarray(0, n));
      return b;
    };
    this.status = u8(this.status);
    this.side = u8(this.side);
    this.type = u8(this.type);
    this.tif = u8(this.tif);
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a.subarray(0, n));
      return b;
    };
    this.symbol = i32(this.symbol);
    this.tag = i32(this.tag);
    this.priced = i32(this.priced);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a.subarray(0, n));
      return b;
    };
    this.qty = f64(this.qty);
    this.filledQty = f64(this.filledQty);
    this.avgFillPrice = f64(this.avgFillPrice);
    const a = new BigInt64Array(n);
    a.set(this.tsInit.subarray(0, n));
    this.tsInit = a;
    const b = new BigInt64Array(n);
    b.set(this.tsLast.subarray(0, n));
    this.tsLast = b;
  }
}

// Fields are `declare`d and assigned in the constructor: class-field syntax would define each
// one twice (undefined, then its value), which made the order object slow to build.
class SimOrder {
  declare status: OrderStatus;
  declare parent: SimOrder | null;
  /** Bracket/OTO legs; shared empty list for the (common) childless order, never mutated. */
  declare children: readonly SimOrder[];
  /** One-cancels-other members, this order included. */
  declare group: SimOrder[] | null;
  declare tsLast: bigint;
  /** Working since this time; eligible for a bar that starts at or after it. */
  declare submittedNs: bigint;
  declare triggered: boolean;
  declare closeChecked: boolean;
  // Per-bar matching state.
  declare inBar: boolean;
  declare doneThisBar: boolean;
  declare evalIter: number;
  declare evalMarketLike: boolean;
  declare evalTriggered: boolean;
  declare private readonly num: OrderNumbers;
  /** Offset of this order's numbers in `num.d`. */
  declare private readonly at: number;
  /** This order's row in `num` while it is live (freed for another order once it is retired). */
  declare readonly row: number;
  declare readonly seq: number;
  declare readonly id: string;
  declare readonly clientOrderId: string;
  declare readonly symbolIndex: number;
  declare readonly symbol: string;
  declare readonly side: OrderSide;
  declare type: OrderType;
  declare tif: TimeInForce;
  declare readonly orderClass: OrderClass;
  declare readonly role: OrderLegRole;
  declare readonly tag: string | null;
  declare readonly tsInit: bigint;

  constructor(
    num: OrderNumbers,
    seq: number,
    id: string,
    clientOrderId: string,
    symbolIndex: number,
    symbol: string,
    side: OrderSide,
    type: OrderType,
    tif: TimeInForce,
    orderClass: OrderClass,
    role: OrderLegRole,
    qty: number,
    limitPrice: number,
    stopPrice: number,
    trailPrice: number,
    trailPercent: number,
    tag: string | null,
    tsInit: bigint,
  ) {
    this.status = 'accepted';
    this.parent = null;
    this.children = NO_CHILDREN;
    this.group = null;
    this.tsLast = tsInit;
    this.submittedNs = tsInit;
    this.triggered = false;
    this.closeChecked = false;
    this.inBar = false;
    this.doneThisBar = false;
    this.evalIter = -1;
    this.evalMarketLike = false;
    this.evalTriggered = false;
    this.num = num;
    this.seq = seq;
    this.id = id;
    this.clientOrderId = clientOrderId;
    this.symbolIndex = symbolIndex;
    this.symbol = symbol;
    this.side = side;
    this.type = type;
    this.tif = tif;
    this.orderClass = orderClass;
    this.role = role;
    this.tag = tag;
    this.tsInit = tsInit;
    const row = num.row();
    const at = num.claim(row);
    this.at = at;
    this.row = row;
    const d = num.d;
    d[at + QTY] = qty;
    d[at + LIMIT] = limitPrice;
    d[at + STOP] = stopPrice;
    d[at + TRAIL_PRICE] = trailPrice;
    d[at + TRAIL_PERCENT] = trailPercent;
    d[at + FILLED_QTY] = 0;
    d[at + AVG_FILL] = NaN;
    d[at + WATERMARK] = NaN;
    d[at + ACTIVE_POS] = 0;
    d[at + EVAL_POS] = -1;
    d[at + EVAL_PRICE] = NaN;
    d[at + EVAL_WATERMARK] = NaN;
  }

  get qty(): number {
    return this.num.d[this.at + QTY];
  }
  set qty(v: number) {
    this.num.d[this.at + QTY] = v;
  }
  get limitPrice(): number {
    return this.num.d[this.at + LIMIT];
  }
  set limitPrice(v: number) {
    this.num.d[this.at + LIMIT] = v;
  }
  get stopPrice(): number {
    return this.num.d[this.at + STOP];
  }
  set stopPrice(v: number) {
    this.num.d[this.at + STOP] = v;
  }
  get trailPrice(): number {
    return this.num.d[this.at + TRAIL_PRICE];
  }
  set trailPrice(v: number) {
    this.num.d[this.at + TRAIL_PRICE] = v;
  }
  get trailPercent(): number {
    return this.num.d[this.at + TRAIL_PERCENT];
  }
  set trailPercent(v: number) {
    this.num.d[this.at + TRAIL_PERCENT] = v;
  }
  get filledQty(): number {
    return this.num.d[this.at + FILLED_QTY];
  }
  set filledQty(v: number) {
    this.num.d[this.at + FILLED_QTY] = v;
  }
  get avgFillPrice(): number {
    return this.num.d[this.at + AVG_FILL];
  }
  set avgFillPrice(v: number) {
    this.num.d[this.at + AVG_FILL] = v;
  }
  /** Trailing stops: best price seen since the order started working. */
  get watermark(): number {
    return this.num.d[this.at + WATERMARK];
  }
  set watermark(v: number) {
    this.num.d[this.at + WATERMARK] = v;
  }
  get activePos(): number {
    return this.num.d[this.at + ACTIVE_POS];
  }
  set activePos(v: number) {
    this.num.d[this.at + ACTIVE_POS] = v;
  }
  get evalPos(): number {
    return this.num.d[this.at + EVAL_POS];
  }
  set evalPos(v: number) {
    this.num.d[this.at + EVAL_POS] = v;
  }
  get evalPrice(): number {
    return this.num.d[this.at + EVAL_PRICE];
  }
  set evalPrice(v: number) {
    this.num.d[this.at + EVAL_PRICE] = v;
  }
  get evalWatermark(): number {
    return this.num.d[this.at + EVAL_WATERMARK];
  }
  set evalWatermark(v: number) {
    this.num.d[this.at + EVAL_WATERMARK] = v;
  }

  get open(): boolean {
    return isOpenStatus(this.status);
  }

  /** Open and not waiting for a parent. */
  get working(): boolean {
    return this.status !== 'held' && isOpenStatus(this.status);
  }

  get leaves(): number {
    return this.qty - this.filledQty;
  }

  trailOffset(ref: number): number {
    return Number.isNaN(this.trailPrice) ? (ref * this.trailPercent) / 100 : this.trailPrice;
  }

  snapshot(): Order {
    const num = nullIfNaN;
    return {
      id: this.id,
      clientOrderId: this.clientOrderId,
      symbol: this.symbol,
      side: this.side,
      type: this.type,
      timeInForce: this.tif,
      orderClass: this.orderClass,
      role: this.role,
      parentId: this.parent?.id ?? null,
      linkedIds: this.group === null ? [] : this.group.filter((o) => o !== this).map((o) => o.id),
      qty: this.qty,
      filledQty: this.filledQty,
      avgFillPrice: this.avgFillPrice,
      limitPrice: num(this.limitPrice),
      stopPrice: num(this.stopPrice),
      trailPrice: num(this.trailPrice),
      trailPercent: num(this.trailPercent),
      status: this.status,
      tag: this.tag,
      tsInit: this.tsInit,
      tsLast: this.tsLast,
    };
  }
}

/**
 * The validation context of a new order, reused across orders. Buying power is a sum over every
 * symbol, so it is worked out only if validation asks (orders that reduce a position never do).
 */
export class SubmitCheck implements ValidationContext {
  knownSymbol = false;
  lastPrice = NaN;
  positionQty = 0;
  constructor(
    private readonly pf: Portfolio,
    readonly allowShort: boolean,
    readonly enforceTickSize: boolean,
  ) {}

  get buyingPower(): number {
    return this.pf.buyingPower();
  }
}

/**
 * One trade or quote of one symbol, as the tick loop (ticks.ts) hands it to the exchange. The
 * symbol's flags say what else it has: with quotes, marketable orders fill only against a quote;
 * with trades, stops trigger only on trade prints.
 */
export interface TickInput {
  /** 0: a trade (price, size); 1: a quote (bid, ask and their sizes). */
  kind: 0 | 1;
  /** Position in the symbol's merged tick stream: the "bar" index of trade records. */
  index: number;
  tsNs: bigint;
  price: number;
  /** NaN where unknown: no cap. */
  size: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  quoted: boolean;
  traded: boolean;
  /** Offset added before taking the session date (config.sessionOffsetNs), for day orders. */
  sessionOffsetNs: bigint;
}

export interface BarInput {
  barIndex: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Close time of this symbol's previous bar (the start of this one); orders from before it are eligible. */
  barStartNs: bigint;
  sessionFirst: boolean;
  sessionLast: boolean;
}

const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);

const NS_PER_DAY = 86_400_000_000_000n;
/** Session date number of a time, for day orders on ticks (sessions never cross the offset midnight). */
const sessionDay = (ns: bigint, offsetNs: bigint): bigint => (ns + offsetNs) / NS_PER_DAY;

export class SimulatedExchange {
  /** Events not yet delivered to the strategy. */
  readonly pending: OrderEvent[] = [];
  /**
   * Whether events are queued in `pending`. The backtest turns it off for a strategy without
   * onOrderEvent: nobody would read them, and the log keeps what the result needs.
   */
  deliver = true;
  private readonly keepLog: boolean;
  /** The live orders (not yet retired), by seq: slots reused, so the object array stays small. */
  private readonly live: (SimOrder | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /** 1 + order seq's slot in `live` while it is live, 0 after: numbers, so no scavenge walks it. */
  private slotOf = new Int32Array(256);
  /** Instead of slots when finished orders are forgotten: the live ones by seq (nothing grows with the run). */
  private readonly liveBySeq: Map<number, SimOrder> | null;
  private readonly num: OrderNumbers;
  private readonly retired: RetiredOrders;
  private readonly eventLog = new EventLog((seq) => this.liveOrder(seq) ?? this.retired.names(seq));
  /**
   * Client order ids chosen by the strategy (or derived for legs) while their order is open. An
   * order whose client id is its own id is not listed: ids are unique by construction, and a
   * set insert per order costs more than the rest of a market order's round trip.
   */
  private readonly openClientIds = new Set<string>();
  private readonly books: SimOrder[][];
  private readonly budgetLeft: Float64Array;
  private readonly path = new BarPath();
  private readonly check: SubmitCheck;
  private seq = 0;
  private fills = 0;
  private iter = 0;
  /** Tick matching: orders that met a tick without filling (later limit fills are at their limit). */
  private readonly rested = new WeakSet<SimOrder>();
  /** Quantity left at this tick: [trade size, bid size, ask size]. */
  private readonly tickLeft = new Float64Array(3);

  constructor(private readonly opt: ExchangeOptions) {
    this.books = opt.symbols.map(() => []);
    this.budgetLeft = new Float64Array(opt.symbols.length);
    this.keepLog = opt.keepLog !== false;
    this.check = new SubmitCheck(opt.portfolio, opt.allowShort, opt.enforceTickSize);
    this.num = new OrderNumbers();
    this.liveBySeq = opt.forgetFinished === true ? new Map() : null;
    this.retired = new RetiredOrders(this.num, opt.symbols, opt.forgetFinished === true);
  }

  /** Every event, in order: the run's order log (empty with keepLog false). */
  get log(): OrderEvent[] {
    return this.eventLog.events;
  }

  /**
   * The run's order list and order log, built from this exchange when first read (the run is
   * over, so they no longer change): a caller that only wants the figures (a sweep, the CLI)
   * never pays for ~300 bytes per order. With `keep` false the list is empty, as is the log.
   */
  detachLog(keep: boolean): { readonly orders: Order[]; readonly events: OrderEvent[] } {
    if (!keep) return { orders: [], events: [] };
    // The stores grew by doubling; a kept result should not hold the slack.
    this.num.trim();
    this.retired.trim(this.seq);
    let orders: Order[] | null = null;
    const log = this.eventLog;
    const all = () => this.allOrders();
    return {
      get orders() {
        return (orders ??= all());
      },
      get events() {
        return log.events;
      },
    };
  }

  get fillCount(): number {
    return this.fills;
  }

  /** Orders submitted so far, legs included (kept or not). */
  get orderCount(): number {
    return this.seq;
  }

  hasWorkingOrders(symbolIndex: number): boolean {
    return this.books[symbolIndex].length > 0;
  }

  get(id: string): Order | undefined {
    const seq = this.seqOf(id);
    if (seq === 0) return undefined;
    return this.liveOrder(seq)?.snapshot() ?? this.retired.snapshot(seq);
  }

  openOrders(symbol?: string): Order[] {
    const out: Order[] = [];
    for (const book of this.books) for (const o of book) if (o.open && (symbol === undefined || o.symbol === symbol)) out.push(o.snapshot());
    return out;
  }

  allOrders(): Order[] {
    const out: Order[] = new Array<Order>(this.seq);
    // Only a run that keeps its finished orders lists them (one that forgets them keeps no log).
    for (let k = 0; k < out.length; k++) out[k] = this.liveOrder(k + 1)?.snapshot() ?? (this.retired.snapshot(k + 1) as Order);
    return out;
  }

  // ---------------------------------------------------------------- commands

  submit(request: OrderRequest): string {
    const now = this.opt.now();
    const seq = ++this.seq;
    const id = `O-${seq}`;
    const req = typeof request === 'object' && request !== null ? normalizeOrderRequest(request) : request;
    const s = typeof req?.symbol === 'string' ? this.opt.portfolio.indexOf(req.symbol) : -1;
    const pf = this.opt.portfolio;
    const check = this.check;
    check.knownSymbol = s >= 0;
    check.lastPrice = s >= 0 ? pf.lastPrices[s] : NaN;
    check.positionQty = s >= 0 ? pf.qtys[s] : 0;
    let reason = validateOrderRequest(req, check);
    const clientOrderId = typeof req?.clientOrderId === 'string' ? req.clientOrderId : id;
    // A fresh `O-<seq>` id can only clash with a strategy-chosen one; no order owns it yet.
    const inUse = clientOrderId === id ? this.openClientIds.size > 0 && this.openClientIds.has(id) : this.clientIdInUse(clientOrderId);
    if (reason === null && inUse) reason = `clientOrderId '${clientOrderId}' is already in use by an open order`;
    const tif = (req?.timeInForce ?? 'gtc') as TimeInForce;
    const cls = (req?.orderClass ?? 'simple') as OrderClass;
    const parent = new SimOrder(
      this.num,
      seq,
      id,
      clientOrderId,
      s,
      String(req?.symbol),
      req?.side,
      req?.type,
      tif,
      cls,
      cls === 'oco' ? 'take_profit' : 'entry',
      num(req?.qty),
      num(req?.limitPrice),
      num(req?.stopPrice),
      num(req?.trailPrice),
      num(req?.trailPercent),
      typeof req?.tag === 'string' ? req.tag : null,
      now,
    );
    this.addOrder(parent);
    if (reason !== null) {
      parent.status = 'rejected';
      this.emit({ type: 'OrderRejected', orderId: parent.id, clientOrderId: parent.clientOrderId, symbol: parent.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason });
      if (this.retired.retire(parent)) this.dropOrder(seq);
      return id;
    }
    if (clientOrderId !== id) this.openClientIds.add(clientOrderId);
    if (parent.type === 'trailing_stop') this.startTrailing(parent, pf.lastPrices[s]);
    const book = this.books[s];
    book.push(parent);
    this.emitAccepted(parent, now);

    if (cls === 'simple') return id;
    const exitSide: OrderSide = parent.side === 'buy' ? 'sell' : 'buy';
    const legs: SimOrder[] = [];
    if (cls === 'oco') {
      // The OCO's own order is the take-profit; the stop-loss works alongside it.
      legs.push(this.makeLeg(parent, parent.side, 'stop_loss', req.stopLoss?.stopPrice ?? NaN, req.stopLoss?.limitPrice ?? NaN, false));
      parent.group = [parent, legs[0]];
      legs[0].group = parent.group;
    } else if (cls === 'bracket' || cls === 'oto') {
      if (req.takeProfit !== undefined) legs.push(this.makeLeg(parent, exitSide, 'take_profit', NaN, req.takeProfit.limitPrice, true));
      if (req.stopLoss !== undefined) legs.push(this.makeLeg(parent, exitSide, 'stop_loss', req.stopLoss.stopPrice, req.stopLoss.limitPrice ?? NaN, true));
      if (legs.length > 1) {
        const group = [...legs];
        for (const l of legs) l.group = group;
      }
      parent.children = legs;
    }
    for (const leg of legs) {
      book.push(leg);
      this.emitAccepted(leg, now);
    }
    return id;
  }

  /** Cancels an order and, as Alpaca does, the rest of its order group. */
  cancel(id: string, reason = 'canceled by strategy'): boolean {
    const o = this.find(id);
    if (o === undefined) {
      const seq = this.seqOf(id);
      if (seq !== 0) {
        const n = this.retired.names(seq);
        this.emit({ type: 'OrderCancelRejected', orderId: n.id, clientOrderId: n.clientOrderId, symbol: n.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason: `order is ${this.retired.statusOf(seq)}` });
        return false;
      }
      this.emit({ type: 'OrderCancelRejected', orderId: id, clientOrderId: id, symbol: '', tsEvent: this.opt.now(), tsInit: this.opt.now(), reason: `unknown order '${id}'` });
      return false;
    }
    if (!o.open) {
      this.emit({ type: 'OrderCancelRejected', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason: `order is ${o.status}` });
      return false;
    }
    const root = o.parent ?? o;
    const members = new Set<SimOrder>([root, ...root.children, ...(root.group ?? []), o, ...(o.group ?? [])]);
    this.terminate(o, 'canceled', reason, false);
    for (const m of members) if (m !== o && m.open) this.terminate(m, 'canceled', `group member ${o.id} canceled`, false);
    this.compact(o.symbolIndex);
    return true;
  }

  replace(id: string, change: OrderReplace): boolean {
    const o = this.find(id);
    const now = this.opt.now();
    if (o === undefined) {
      const seq = this.seqOf(id);
      if (seq !== 0) {
        const n = this.retired.names(seq);
        this.emit({ type: 'OrderModifyRejected', orderId: n.id, clientOrderId: n.clientOrderId, symbol: n.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason: `order is ${this.retired.statusOf(seq)}` });
        return false;
      }
      this.emit({ type: 'OrderModifyRejected', orderId: id, clientOrderId: id, symbol: '', tsEvent: now, tsInit: now, reason: `unknown order '${id}'` });
      return false;
    }
    const reject = (reason: string): boolean => {
      this.emit({ type: 'OrderModifyRejected', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason });
      return false;
    };
    if (!o.open) return reject(`order is ${o.status}`);
    if (typeof change !== 'object' || change === null) return reject('replace needs an object of changes');
    if (o.type === 'trailing_stop' && change.stopPrice !== undefined) return reject('a trailing stop moves its own stop; change trailPrice or trailPercent');
    // Exit legs are sized by their entry (and each other): resizing one alone could sell more
    // than the entry bought.
    if (o.role !== 'entry' && change.qty !== undefined && change.qty !== o.qty) return reject(`the qty of a ${o.orderClass} ${o.role} leg follows its entry and cannot be replaced`);
    const opt = (x: number): number | undefined => (Number.isNaN(x) ? undefined : x);
    const isTrail = o.type === 'trailing_stop';
    const usesPercent = isTrail && (change.trailPercent !== undefined || (change.trailPrice === undefined && !Number.isNaN(o.trailPercent)));
    const candidate: OrderRequest = {
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      qty: change.qty ?? o.qty,
      timeInForce: change.timeInForce ?? o.tif,
      limitPrice: change.limitPrice ?? opt(o.limitPrice),
      stopPrice: isTrail ? undefined : (change.stopPrice ?? opt(o.stopPrice)),
      trailPrice: isTrail && !usesPercent ? (change.trailPrice ?? opt(o.trailPrice)) : undefined,
      trailPercent: isTrail && usesPercent ? (change.trailPercent ?? opt(o.trailPercent)) : undefined,
    };
    const reason = validateOrderRequest(candidate, {
      knownSymbol: true,
      lastPrice: NaN,
      positionQty: 0,
      allowShort: true,
      buyingPower: Infinity,
      enforceTickSize: this.opt.enforceTickSize,
    });
    if (reason !== null) return reject(reason);
    if (!(candidate.qty > o.filledQty + QTY_EPS)) return reject(`qty ${candidate.qty} must exceed the filled qty ${o.filledQty}`);
    if (o.orderClass !== 'simple' && candidate.timeInForce !== o.tif) return reject('time in force of an order-class leg cannot change');
    o.qty = candidate.qty;
    o.tif = candidate.timeInForce ?? o.tif;
    o.limitPrice = candidate.limitPrice ?? NaN;
    if (isTrail) {
      o.trailPrice = candidate.trailPrice ?? NaN;
      o.trailPercent = candidate.trailPercent ?? NaN;
      if (!Number.isNaN(o.watermark)) o.stopPrice = this.trailStop(o, o.watermark);
    } else {
      o.stopPrice = candidate.stopPrice ?? NaN;
    }
    o.tsLast = now;
    this.emit({
      type: 'OrderUpdated',
      orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(),
      qty: o.qty,
      limitPrice: Number.isNaN(o.limitPrice) ? null : o.limitPrice,
      stopPrice: Number.isNaN(o.stopPrice) ? null : o.stopPrice,
    });
    return true;
  }

    // ---------------------------------------------------------------- latency and ticks (ticks.ts)

  /**
   * The latency model: the order, and an OCO's working leg, reach the exchange at `arrivalNs`
   * instead of when submitted, so they meet no tick before it and no bar that starts before it.
   */
  setArrival(id: string, arrivalNs: bigint): void {
    const o = this.find(id);
    if (o === undefined || !o.open) return;
    o.submittedNs = arrivalNs;
    if (o.group !== null) for (const m of o.group) if (m.status !== 'held') m.submittedNs = arrivalNs;
  }

  /** Symbol index of an open order, -1 for anything else (a delayed cancel waits on that symbol). */
  openSymbolOf(id: string): number {
    const o = this.find(id);
    return o !== undefined && o.open ? o.symbolIndex : -1;
  }

  /**
   * Matches the symbol's working orders, in submission order, against one trade or quote.
   * Orders that reach the exchange at or before the tick meet it; legs released by a fill here
   * start at the next tick. Rules (see ticks.ts for the whole model):
   * - market-like orders (market, triggered stop/trailing stop) fill at the ask (buys) or bid
   *   (sells) of a quote; a symbol without quotes fills them at the next trade's price;
   * - limits take the market (the touch; without quotes, a trade at or through the limit) until
   *   they rest: once a quote (a trade, without quotes) finds them not marketable, they fill at
   *   their limit when a trade prints through it or the opposite quote reaches it;
   * - stops trigger on trade prices, on the quote (ask for buys, bid for sells) without trades;
   * - each fill is capped by what is left of the trade's size or the quote side's size.
   */
  matchTick(s: number, t: TickInput): void {
    const book = this.books[s];
    if (book.length === 0) return;
    const left = this.tickLeft;
    left[0] = t.kind === 0 && t.size >= 0 ? t.size : Infinity;
    left[1] = t.kind === 1 && t.bidSize >= 0 ? t.bidSize : Infinity;
    left[2] = t.kind === 1 && t.askSize >= 0 ? t.askSize : Infinity;
    for (let k = 0; k < book.length; k++) {
      const o = book[k];
      o.inBar = o.working && o.submittedNs <= t.tsNs;
    }
    for (let k = 0; k < book.length; k++) {
      const o = book[k];
      if (o.inBar && o.working) this.tickOrder(o, s, t);
    }
    for (let k = 0; k < book.length; k++) book[k].inBar = false;
    this.compact(s);
  }

  private tickOrder(o: SimOrder, s: number, t: TickInput): void {
    const buy = o.side === 'buy';
    if (o.tif === 'opg' || o.tif === 'cls') {
      this.terminate(o, 'canceled', `${o.tif}: auction orders need bars (an opening or closing price); this symbol fills from ticks`, false);
      return;
    }
    if (o.tif === 'day' && sessionDay(t.tsNs, t.sessionOffsetNs) > sessionDay(o.tsInit, t.sessionOffsetNs)) {
      this.terminate(o, 'expired', '', true);
      return;
    }
    const quote = t.kind === 1;
    // Where a market-like order fills at this tick; NaN where it cannot (a trade, with quotes).
    const mkt = quote ? (buy ? t.ask : t.bid) : t.quoted ? NaN : t.price;
    // The price that triggers stops and moves trailing stops at this tick (NaN: not this tick).
    const trig = !quote ? t.price : t.traded ? NaN : buy ? t.ask : t.bid;
    const fresh = !this.rested.has(o);
    let price = NaN;
    let marketLike = false;
    switch (o.type) {
      case 'market':
        price = mkt;
        marketLike = true;
        break;
      case 'limit':
        price = this.tickLimitPrice(o, t, buy, fresh);
        break;
      case 'stop':
        if (!o.triggered && (buy ? trig >= o.stopPrice : trig <= o.stopPrice)) this.tickTrigger(o);
        if (o.triggered) {
          price = mkt;
          marketLike = true;
        }
        break;
      case 'stop_limit':
        if (!o.triggered && (buy ? trig >= o.stopPrice : trig <= o.stopPrice)) {
          this.tickTrigger(o);
          // Just triggered: the limit arrives at the book now, so it may take the market.
          price = this.tickLimitPrice(o, t, buy, true);
        } else if (o.triggered) {
          price = this.tickLimitPrice(o, t, buy, fresh);
        }
        break;
      case 'trailing_stop':
        if (!o.triggered && !Number.isNaN(trig)) {
          if (Number.isNaN(o.watermark)) this.startTrailing(o, trig);
          if (buy ? trig >= o.stopPrice : trig <= o.stopPrice) this.tickTrigger(o);
          else if (buy ? trig < o.watermark : trig > o.watermark) this.startTrailing(o, trig);
        }
        if (o.triggered) {
          price = mkt;
          marketLike = true;
        }
        break;
    }
    const once = o.tif === 'ioc' || o.tif === 'fok';
    if (Number.isNaN(price)) {
      // Only a tick that shows the market (a quote; a trade when there are no quotes) can find
      // an order not marketable: ioc/fok end there, and other limits rest from then on.
      if (t.quoted && !quote) return;
      if (once) this.terminate(o, 'canceled', `${o.tif}: not marketable at arrival`, true);
      else this.rested.add(o);
      return;
    }
    // Marketable but capped by size: the rest is still taking, not resting (it has not seen the
    // market move away from its limit), so it keeps taking the market price while that lasts.
    this.tickFill(o, s, t, price, marketLike, quote ? (buy ? 2 : 1) : 0);
    if (once && o.working) this.terminate(o, 'canceled', `${o.tif}: unfilled quantity canceled`, true);
  }

  /** A limit's fill price at this tick, NaN if it does not fill here. */
  private tickLimitPrice(o: SimOrder, t: TickInput, buy: boolean, fresh: boolean): number {
    const limit = o.limitPrice;
    if (t.kind === 1) {
      const touch = buy ? t.ask : t.bid;
      if (buy ? touch > limit : touch < limit) return NaN;
      return fresh ? touch : limit;
    }
    const p = t.price;
    // A limit that has not rested yet takes the market where it is marketable: against the quote
    // when there are quotes, else at a trade at or through its limit.
    if (fresh) return t.quoted ? NaN : (buy ? p <= limit : p >= limit) ? p : NaN;
    // A resting limit is filled only by a print through it (at the limit, others were first in line).
    return (buy ? p < limit : p > limit) ? limit : NaN;
  }

  private tickTrigger(o: SimOrder): void {
    o.triggered = true;
    this.rested.delete(o);
    o.status = o.filledQty > 0 ? 'partially_filled' : 'triggered';
    o.tsLast = this.opt.now();
    this.emit({ type: 'OrderTriggered', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now() });
  }

  /** Books a fill from a tick; `slot` is the size it draws on: 0 trade, 1 bid, 2 ask. */
  private tickFill(o: SimOrder, s: number, t: TickInput, price: number, marketLike: boolean, slot: number): void {
    const leaves = o.leaves;
    let qty = Math.min(leaves, this.tickLeft[slot]);
    if (Number.isInteger(o.qty)) qty = Math.floor(qty + QTY_EPS);
    if (o.tif === 'fok' && qty < leaves - QTY_EPS) {
      this.terminate(o, 'canceled', `fok: only ${Math.max(0, qty)} of ${leaves} could fill`, true);
      return;
    }
    if (qty <= QTY_EPS) return;
    let px = price;
    let slippage = 0;
    if (marketLike && t.kind === 1 && this.opt.slippage.kind === 'half-spread') {
      // mid ± half the spread is the touch again (clamped against rounding): same price, but the
      // half spread is reported as what the fill paid against the mid.
      const half = (t.ask - t.bid) / 2;
      px = Math.min(t.ask, Math.max(t.bid, slippedPrice(this.opt.slippage, o.side, (t.bid + t.ask) / 2, qty, NaN, half)));
      slippage = half;
    } else if (marketLike && this.opt.slippage.kind !== 'none' && this.opt.slippage.kind !== 'half-spread') {
      // Fixed bps, or the volume-share impact against the size this tick offered (trade size, or
      // the quote's size on the side taken), moved against the order past the printed price.
      const offered = slot === 0 ? t.size : slot === 1 ? t.bidSize : t.askSize;
      px = slippedPrice(this.opt.slippage, o.side, price, qty, offered);
      slippage = Math.abs(px - price);
    }
    this.tickLeft[slot] -= qty;
    const done = this.bookFill(o, s, qty, px, slippage, t.index);
    if (done && o.children.length > 0) {
      // Position 3 of a flat path: the exits start from this price, at the next tick.
      this.path.setFlat(px);
      this.release(o, 3);
    }
  }

  // ---------------------------------------------------------------- matching

  /** Matches the symbol's working orders against a bar that has just closed. */
  matchBar(s: number, bar: BarInput): void {
    const book = this.books[s];
    const v = bar.volume;
    this.budgetLeft[s] = this.opt.maxVolumeShare === Infinity || !(v >= 0) ? Infinity : this.opt.maxVolumeShare * v;
    if (book.length === 0) return;
    this.path.set(bar.open, bar.high, bar.low, bar.close);
    for (let k = 0; k < book.length; k++) {
      const o = book[k];
      o.inBar = o.working && o.submittedNs <= bar.barStartNs;
      o.doneThisBar = false;
      o.activePos = 0;
    }
    this.runMatching(s, bar, false);
  }

  /**
   * The optimistic "fill at the signal bar's close" pass: orders submitted while this bar was
   * being handled meet its close price, with what is left of the bar's volume.
   */
  matchAtClose(s: number, bar: BarInput, nowNs: bigint): void {
    const book = this.books[s];
    if (book.length === 0) return;
    this.path.setFlat(bar.close);
    let any = false;
    for (let k = 0; k < book.length; k++) {
      const o = book[k];
      o.inBar = o.working && !o.closeChecked && o.submittedNs === nowNs;
      o.doneThisBar = false;
      o.activePos = 0;
      any ||= o.inBar;
    }
    if (any) this.runMatching(s, bar, true);
  }

  private runMatching(s: number, bar: BarInput, atClose: boolean): void {
    const book = this.books[s];
    const conservative = this.opt.intrabar === 'conservative';
    for (let guard = 0; guard <= 4 * book.length + 4; guard++) {
      const iter = ++this.iter;
      let best: SimOrder | null = null;
      for (let k = 0; k < book.length; k++) {
        const o = book[k];
        if (!o.inBar || o.doneThisBar || !o.working) continue;
        if (!this.evaluate(o, bar, atClose)) continue;
        o.evalIter = iter;
        if (best === null || o.evalPos < best.evalPos) best = o;
      }
      if (best === null) break;
      if (conservative && best.role === 'take_profit' && best.group !== null) {
        for (const m of best.group) {
          if (m.role === 'stop_loss' && m.evalIter === iter && m.working) {
            best = m;
            break;
          }
        }
      }
      this.execute(best, s, bar);
    }
    for (let k = 0; k < book.length; k++) {
      const o = book[k];
      if (!o.inBar) continue;
      o.inBar = false;
      if (!o.working) continue;
      if (!o.doneThisBar) this.commitUnfilled(o);
      this.expireIfDue(o, bar, atClose);
      if (atClose) o.closeChecked = true;
    }
    this.compact(s);
  }

  /** Where along the path this order would fill next; false if it does not fill in this bar. */
  private evaluate(o: SimOrder, bar: BarInput, atClose: boolean): boolean {
    const path = this.path;
    const from = o.activePos;
    o.evalTriggered = false;
    o.evalWatermark = o.watermark;
    let single = -1;
    switch (o.tif) {
      case 'opg':
        if (atClose || !bar.sessionFirst || from > 0) return false;
        single = 0;
        break;
      case 'cls':
        if (!bar.sessionLast) return false;
        single = 3;
        break;
      case 'ioc':
      case 'fok':
        single = from;
        break;
    }
    const buy = o.side === 'buy';
    if (single >= 0) return this.evaluateAt(o, single, path.priceAt(single), buy);

    const start = path.priceAt(from);
    switch (o.type) {
      case 'market':
        return this.found(o, from, start, true);
      case 'limit': {
        const pos = path.firstTouch(from, start, o.limitPrice, !buy);
        return pos >= 0 && this.found(o, pos, path.touchPrice, false);
      }
      case 'stop': {
        const pos = path.firstTouch(from, start, o.stopPrice, buy);
        return pos >= 0 && this.found(o, pos, path.touchPrice, true);
      }
      case 'stop_limit': {
        let trigPos = from;
        let trigPrice = start;
        if (!o.triggered) {
          trigPos = path.firstTouch(from, start, o.stopPrice, buy);
          if (trigPos < 0) return false;
          trigPrice = path.touchPrice;
          o.evalTriggered = true;
        }
        const pos = path.firstTouch(trigPos, trigPrice, o.limitPrice, !buy);
        return pos >= 0 && this.found(o, pos, path.touchPrice, false);
      }
      case 'trailing_stop':
        return this.evaluateTrailing(o, from, start, buy);
    }
    return false;
  }

  /** Orders that only meet one moment (opg, cls, ioc, fok): marketable there or not at all. */
  private evaluateAt(o: SimOrder, pos: number, price: number, buy: boolean): boolean {
    switch (o.type) {
      case 'market':
        return this.found(o, pos, price, true);
      case 'limit':
        return (buy ? price <= o.limitPrice : price >= o.limitPrice) && this.found(o, pos, price, false);
      case 'stop':
        return (buy ? price >= o.stopPrice : price <= o.stopPrice) && this.found(o, pos, price, true);
      case 'stop_limit': {
        const triggered = o.triggered || (buy ? price >= o.stopPrice : price <= o.stopPrice);
        o.evalTriggered = triggered && !o.triggered;
        return triggered && (buy ? price <= o.limitPrice : price >= o.limitPrice) && this.found(o, pos, price, false);
      }
      case 'trailing_stop':
        return false;
    }
  }

  /**
   * A sell trailing stop follows the highest price seen (a buy one the lowest) at a fixed or
   * percentage distance. Along a rising segment the stop rises with the price and cannot be hit;
   * along a falling one it stays put and fills where the path crosses it.
   */
  private evaluateTrailing(o: SimOrder, from: number, start: number, buy: boolean): boolean {
    const p = this.path.p;
    let wm = Number.isNaN(o.watermark) ? start : o.watermark;
    let stop = buy ? wm + o.trailOffset(wm) : wm - o.trailOffset(wm);
    if (buy ? start >= stop : start <= stop) return this.found(o, from, start, true);
    if (buy ? start < wm : start > wm) wm = start;
    let a = start;
    let segStart = from;
    for (let k = Math.min(Math.floor(from), 3); k < 3; k++) {
      const b = p[k + 1];
      const favourable = buy ? b < a : b > a;
      if (favourable) {
        if (buy ? b < wm : b > wm) wm = b;
      } else {
        stop = buy ? wm + o.trailOffset(wm) : wm - o.trailOffset(wm);
        if (buy ? b >= stop : b <= stop) {
          o.evalWatermark = wm;
          return this.found(o, segStart + ((stop - a) / (b - a)) * (k + 1 - segStart), stop, true);
        }
      }
      a = b;
      segStart = k + 1;
    }
    o.evalWatermark = wm;
    return false;
  }

  private found(o: SimOrder, pos: number, price: number, marketLike: boolean): boolean {
    o.evalPos = pos;
    o.evalPrice = price;
    o.evalMarketLike = marketLike;
    return true;
  }

  private execute(o: SimOrder, s: number, bar: BarInput): void {
    o.doneThisBar = true;
    const leaves = o.leaves;
    let qty = Math.min(leaves, this.budgetLeft[s]);
    if (Number.isInteger(o.qty)) qty = Math.floor(qty + QTY_EPS);
    if (o.tif === 'fok' && qty < leaves - QTY_EPS) {
      this.terminate(o, 'canceled', `fok: only ${Math.max(0, qty)} of ${leaves} could fill`, true);
      return;
    }
    if (qty <= QTY_EPS) {
      // Triggered but no volume left this bar: let the trigger/watermark stick, fill later.
      this.commitUnfilled(o);
      return;
    }
    let price = o.evalPrice;
    if (o.evalMarketLike) price = slippedPrice(this.opt.slippage, o.side, price, qty, bar.volume);
    // A fill outside the bar's range would be a price that never traded.
    if (price > bar.high) price = bar.high;
    if (price < bar.low) price = bar.low;
    if (o.evalTriggered) o.triggered = true;
    this.budgetLeft[s] -= qty;
    const done = this.bookFill(o, s, qty, price, o.evalMarketLike ? Math.abs(price - o.evalPrice) : 0, bar.barIndex);
    if (done && o.children.length > 0) this.release(o, o.evalPos);
  }

  /**
   * Books a fill of `qty` at `price` (bars and ticks alike): portfolio, trade record, the order's
   * state, the fill event (or its log row), and the order's group. True when the order is done.
   */
  private bookFill(o: SimOrder, s: number, qty: number, price: number, slippage: number, eventIndex: number): boolean {
    const pf = this.opt.portfolio;
    const fee = computeFee(this.opt.fees, o.side, qty, price);
    const before = pf.qtys[s];
    const realized = pf.applyFill(s, o.side, qty, price, fee);
    const now = this.opt.now();
    this.opt.trades.onFill(s, qty, price, fee, realized, before, pf.qtys[s], now, eventIndex);
    o.avgFillPrice = o.filledQty === 0 ? price : (o.avgFillPrice * o.filledQty + price * qty) / (o.filledQty + qty);
    o.filledQty += qty;
    const done = o.leaves <= QTY_EPS;
    o.status = done ? 'filled' : 'partially_filled';
    o.tsLast = now;
    this.fills++;
    if (this.deliver) {
      this.emit({
        type: done ? 'OrderFilled' : 'OrderPartiallyFilled',
        orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: now, tsInit: now,
        fillId: `F-${this.fills}`,
        side: o.side,
        lastQty: qty,
        lastPx: price,
        cumQty: o.filledQty,
        leavesQty: done ? 0 : o.leaves,
        avgPx: o.avgFillPrice,
        fee,
        slippage,
      });
    } else if (this.keepLog) {
      this.eventLog.pushFill(o, now, done, this.fills, qty, price, o.filledQty, done ? 0 : o.leaves, o.avgFillPrice, fee, slippage);
    }
    if (done && o.clientOrderId !== o.id) this.openClientIds.delete(o.clientOrderId);
    if (o.group !== null) {
      for (const m of o.group) {
        if (m === o || !m.open) continue;
        if (done) this.terminate(m, 'canceled', `oco: linked order ${o.id} filled`, false);
        else this.shrink(m, qty);
      }
    }
    return done;
  }

  /** One-updates-other: a partial fill of one exit shrinks its linked exit by the same amount. */
  private shrink(m: SimOrder, qty: number): void {
    const next = m.qty - qty;
    if (next <= m.filledQty + QTY_EPS) {
      this.terminate(m, 'canceled', 'oco: linked order filled the position', false);
      return;
    }
    m.qty = next;
    m.tsLast = this.opt.now();
    this.emit({
      type: 'OrderUpdated',
      orderId: m.id, clientOrderId: m.clientOrderId, symbol: m.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(),
      qty: m.qty,
      limitPrice: Number.isNaN(m.limitPrice) ? null : m.limitPrice,
      stopPrice: Number.isNaN(m.stopPrice) ? null : m.stopPrice,
    });
  }

  /** Bracket/OTO exits go live for the quantity the entry actually filled. */
  private release(parent: SimOrder, atPos: number): void {
    const now = this.opt.now();
    for (const c of parent.children) {
      if (c.status !== 'held') continue;
      c.qty = parent.filledQty;
      c.status = 'accepted';
      c.submittedNs = now;
      c.tsLast = now;
      c.activePos = atPos;
      // Exits may still fill later in the bar their entry filled in, along the rest of the path.
      c.inBar = parent.inBar && atPos < 3;
      c.doneThisBar = false;
      if (c.type === 'trailing_stop') this.startTrailing(c, this.path.priceAt(atPos));
      this.emit({ type: 'OrderReleased', orderId: c.id, clientOrderId: c.clientOrderId, symbol: c.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now() });
    }
  }

  private commitUnfilled(o: SimOrder): void {
    if (o.evalTriggered && !o.triggered) {
      o.triggered = true;
      o.status = o.filledQty > 0 ? 'partially_filled' : 'triggered';
      o.tsLast = this.opt.now();
      this.emit({ type: 'OrderTriggered', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now() });
    }
    if (o.type === 'trailing_stop' && !Number.isNaN(o.evalWatermark)) {
      o.watermark = o.evalWatermark;
      o.stopPrice = this.trailStop(o, o.watermark);
    }
  }

  private expireIfDue(o: SimOrder, bar: BarInput, atClose: boolean): void {
    switch (o.tif) {
      case 'ioc':
        this.terminate(o, 'canceled', 'ioc: unfilled quantity canceled', true);
        return;
      case 'fok':
        this.terminate(o, 'canceled', 'fok: could not fill entirely at arrival', true);
        return;
      case 'opg':
        if (!atClose && bar.sessionFirst) this.terminate(o, 'expired', '', true);
        return;
      case 'cls':
        if (bar.sessionLast) this.terminate(o, 'expired', '', true);
        return;
      case 'day':
        if (!atClose && bar.sessionLast) this.terminate(o, 'expired', '', true);
        return;
      case 'gtc':
        return;
    }
  }

  /**
   * Ends an order. Held exits of a parent that ends with a partial fill are released for the
   * filled quantity when the end was not the strategy's choice (expiry, ioc remainder);
   * otherwise they are canceled with it.
   */
  private terminate(o: SimOrder, status: 'canceled' | 'expired', reason: string, releaseChildrenIfFilled: boolean): void {
    if (!o.open) return;
    o.status = status;
    o.tsLast = this.opt.now();
    if (o.clientOrderId !== o.id) this.openClientIds.delete(o.clientOrderId);
    if (status === 'canceled') this.emit({ type: 'OrderCanceled', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now(), reason });
    else this.emit({ type: 'OrderExpired', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: this.opt.now(), tsInit: this.opt.now() });
    if (o.children.length === 0) return;
    if (releaseChildrenIfFilled && o.filledQty > 0) {
      this.release(o, 3);
      for (const c of o.children) c.inBar = false;
    } else {
      for (const c of o.children) if (c.open) this.terminate(c, 'canceled', `parent ${o.id} ${status}`, false);
    }
  }

  private makeLeg(parent: SimOrder, side: OrderSide, role: OrderLegRole, stop: number, limit: number, held: boolean): SimOrder {
    const seq = ++this.seq;
    const id = `O-${seq}`;
    const type: OrderType = role === 'take_profit' ? 'limit' : Number.isNaN(limit) ? 'stop' : 'stop_limit';
    const leg = new SimOrder(
      this.num,
      seq,
      id,
      `${parent.clientOrderId}-${role === 'take_profit' ? 'tp' : 'sl'}`,
      parent.symbolIndex,
      parent.symbol,
      side,
      type,
      parent.tif,
      parent.orderClass,
      role,
      parent.qty,
      limit,
      stop,
      NaN,
      NaN,
      parent.tag,
      parent.tsInit,
    );
    leg.parent = parent;
    if (held) leg.status = 'held';
    this.addOrder(leg);
    this.openClientIds.add(leg.clientOrderId);
    return leg;
  }

  private startTrailing(o: SimOrder, ref: number): void {
    o.watermark = ref;
    o.stopPrice = Number.isNaN(ref) ? NaN : this.trailStop(o, ref);
  }

  private trailStop(o: SimOrder, wm: number): number {
    return o.side === 'buy' ? wm + o.trailOffset(wm) : wm - o.trailOffset(wm);
  }

  /**
   * A split's ex-date: open orders of the symbol keep working at the new share count and prices
   * (qty × ratio, prices ÷ ratio), so an order placed on the eve of a split fills as meant.
   */
  applySplit(s: number, ratio: number): void {
    for (const o of this.books[s]) {
      if (!o.open) continue;
      o.qty *= ratio;
      o.filledQty *= ratio;
      o.avgFillPrice /= ratio;
      o.limitPrice /= ratio;
      o.stopPrice /= ratio;
      o.trailPrice /= ratio;
      o.watermark /= ratio;
    }
  }

  /**
   * Ids are `O-<seq>` and orders[seq - 1] holds that order (or `retired` does): a lookup without
   * a hash map. The seq of an existing order's id, 0 for anything else.
   */
  private seqOf(id: string): number {
    if (typeof id !== 'string' || !id.startsWith('O-')) return 0;
    const seq = Number(id.slice(2));
    if (!Number.isInteger(seq) || seq < 1 || seq > this.seq) return 0;
    const o = this.liveOrder(seq);
    return (o !== undefined ? o.id : `O-${seq}`) === id ? seq : 0;
  }

  /** The live (not retired) order with this id. */
  private find(id: string): SimOrder | undefined {
    const seq = this.seqOf(id);
    return seq === 0 ? undefined : this.liveOrder(seq);
  }

  private clientIdInUse(clientOrderId: string): boolean {
    if (this.openClientIds.has(clientOrderId)) return true;
    const own = this.find(clientOrderId);
    return own !== undefined && own.open && own.clientOrderId === own.id;
  }

  /**
   * The live order `seq` (not retired): in a reused slot found through a column by seq, or, when
   * finished orders are forgotten, in a map of the live ones, which does not grow with the run.
   */
  private liveOrder(seq: number): SimOrder | undefined {
    if (this.liveBySeq !== null) return this.liveBySeq.get(seq);
    const slot = seq <= this.slotOf.length ? this.slotOf[seq - 1] : 0;
    return slot === 0 ? undefined : this.live[slot - 1];
  }

  private addOrder(o: SimOrder): void {
    if (this.liveBySeq !== null) {
      this.liveBySeq.set(o.seq, o);
      return;
    }
    const slot = this.freeSlots.pop() ?? this.live.length;
    this.live[slot] = o;
    if (o.seq > this.slotOf.length) {
      const a = new Int32Array(Math.max(o.seq, this.slotOf.length * 2));
      a.set(this.slotOf);
      this.slotOf = a;
    }
    this.slotOf[o.seq - 1] = slot + 1;
  }

  private dropOrder(seq: number): void {
    if (this.liveBySeq !== null) {
      this.liveBySeq.delete(seq);
      return;
    }
    const slot = this.slotOf[seq - 1] - 1;
    this.live[slot] = undefined;
    this.freeSlots.push(slot);
    this.slotOf[seq - 1] = 0;
  }

  private compact(s: number): void {
    const book = this.books[s];
    let w = 0;
    for (let r = 0; r < book.length; r++) {
      const o = book[r];
      if (o.open) book[w++] = o;
      // (Forgetting, a relative further along this book may already have been taken.)
      else if (this.liveOrder(o.seq) === o && this.retired.retire(o)) {
        this.dropOrder(o.seq);
        // Forgetting, an order waits for its whole family to finish (a leg reads its entry), and
        // the last to leave a book takes the finished relatives that left before it along.
        if (this.retired.forget) for (const m of relatives(o)) if (this.liveOrder(m.seq) === m && this.retired.retire(m)) this.dropOrder(m.seq);
      }
    }
    // pop, not `book.length = w`: setting an array's length is a runtime call (~100 ns), and
    // this runs after every bar that had working orders.
    while (book.length > w) book.pop();
  }

  private emit(e: OrderEvent): void {
    if (this.deliver) this.pending.push(e);
    if (this.keepLog) this.eventLog.pushObject(e);
  }

  /** The commonest event: built only when someone will receive it, otherwise logged as columns. */
  private emitAccepted(o: SimOrder, now: bigint): void {
    if (this.deliver) this.emit({ type: 'OrderAccepted', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: now, tsInit: now });
    else if (this.keepLog) this.eventLog.pushAccepted(o, now);
  }
}
