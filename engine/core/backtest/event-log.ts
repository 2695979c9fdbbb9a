// The exchange's order log, kept as columns. A sma-cross run over 10M bars logs ~600k events;
// as objects they were most of the run's garbage-collection time (every one survives to the
// end, so each is copied out of the young generation). Accepted and fill events, the bulk of
// any log, are stored as a few numbers and the order they belong to, and become objects only
// when the log is read; anything else (and any event a strategy already received) is kept as
// the object itself. Reading `events` gives the same objects, field for field and in the same
// key order, as building them when they happened.

import type { OrderEvent } from '../events';
import { withRoom } from '../growable';
import type { OrderSide } from '../orders/types';

/** What an event names of its order; fixed for the order's life. */
export interface OrderNames {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
}

/** An order as the exchange logs it. */
export interface LoggedOrder extends OrderNames {
  /** 1-based; entry `seq - 1` of the log's order list is this order. */
  readonly seq: number;
}

const OBJECT = 0;
const ACCEPTED = 1;
const FILLED = 2;
const PARTIAL = 3;
/**
 * A fill that filled its whole order at once (the common case): cumQty = lastQty, leavesQty 0,
 * avgPx = lastPx, and its fill number the count of fills logged so far, so only lastQty,
 * lastPx, fee and slippage are stored.
 */
const WHOLE = 4;
/** Numbers per fill row: fill number, lastQty, lastPx, cumQty, leavesQty, avgPx, fee, slippage. */
const FILL_WIDTH = 8;
const WHOLE_WIDTH = 4;

export class EventLog {
  private kind = new Uint8Array(1024);
  /**
   * The order's seq (ACCEPTED, fills) or the index in `objects` (OBJECT). Numbers, not
   * references: a growing array of pointers to young objects is work for every scavenge.
   */
  private ref = new Int32Array(1024);
  private readonly objects: OrderEvent[] = [];
  private ts = new BigInt64Array(1024);
  /** Fill rows, in the order of the fill entries. */
  private fill = new Float64Array(256 * FILL_WIDTH);
  private fills = 0;
  /** WHOLE fill rows. */
  private whole = new Float64Array(1024 * WHOLE_WIDTH);
  private wholes = 0;
  private count = 0;
  /** Materialised prefix; grown in place so `events` stays one array for the run. */
  private readonly out: OrderEvent[] = [];
  private outFills = 0;
  private outWholes = 0;

  /** `names(seq)` names the order with that seq. */
  constructor(private readonly names: (seq: number) => OrderNames) {}

  get length(): number {
    return this.count;
  }

  pushObject(e: OrderEvent): void {
    const k = this.slot();
    this.kind[k] = OBJECT;
    this.ref[k] = this.objects.length;
    this.objects.push(e);
  }

  pushAccepted(o: LoggedOrder, tsNs: bigint): void {
    const k = this.slot();
    this.kind[k] = ACCEPTED;
    this.ref[k] = o.seq;
    this.ts[k] = tsNs;
  }

  pushFill(o: LoggedOrder, tsNs: bigint, done: boolean, fillNo: number, lastQty: number, lastPx: number, cumQty: number, leavesQty: number, avgPx: number, fee: number, slippage: number): void {
    const k = this.slot();
    this.ref[k] = o.seq;
    this.ts[k] = tsNs;
    if (done && cumQty === lastQty && avgPx === lastPx && leavesQty === 0 && fillNo === this.fills + this.wholes + 1) {
      this.kind[k] = WHOLE;
      this.whole = withRoom(this.whole, (this.wholes + 1) * WHOLE_WIDTH);
      const r = this.wholes++ * WHOLE_WIDTH;
      const w = this.whole;
      w[r] = lastQty;
      w[r + 1] = lastPx;
      w[r + 2] = fee;
      w[r + 3] = slippage;
      return;
    }
    this.kind[k] = done ? FILLED : PARTIAL;
    this.fill = withRoom(this.fill, (this.fills + 1) * FILL_WIDTH);
    const r = this.fills++ * FILL_WIDTH;
    const f = this.fill;
    f[r] = fillNo;
    f[r + 1] = lastQty;
    f[r + 2] = lastPx;
    f[r + 3] = cumQty;
    f[r + 4] = leavesQty;
    f[r + 5] = avgPx;
    f[r + 6] = fee;
    f[r + 7] = slippage;
  }

  /** Every event so far, as objects. The same array each call, extended with what is new. */
  get events(): OrderEvent[] {
    const out = this.out;
    for (let k = out.length; k < this.count; k++) out.push(this.build(k));
    return out;
  }

  private build(k: number): OrderEvent {
    const kind = this.kind[k];
    if (kind === OBJECT) return this.objects[this.ref[k]];
    const o = this.names(this.ref[k]);
    const ts = this.ts[k];
    if (kind === ACCEPTED) return { type: 'OrderAccepted', orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: ts, tsInit: ts };
    if (kind === WHOLE) {
      const w = this.whole;
      const r = this.outWholes++ * WHOLE_WIDTH;
      const fillNo = this.outFills + this.outWholes;
      return {
        type: 'OrderFilled',
        orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: ts, tsInit: ts,
        fillId: `F-${fillNo}`,
        side: o.side,
        lastQty: w[r],
        lastPx: w[r + 1],
        cumQty: w[r],
        leavesQty: 0,
        avgPx: w[r + 1],
        fee: w[r + 2],
        slippage: w[r + 3],
      };
    }
    const f = this.fill;
    const r = this.outFills++ * FILL_WIDTH;
    return {
      type: kind === FILLED ? 'OrderFilled' : 'OrderPartiallyFilled',
      orderId: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, tsEvent: ts, tsInit: ts,
      fillId: `F-${f[r]}`,
      side: o.side,
      lastQty: f[r + 1],
      lastPx: f[r + 2],
      cumQty: f[r + 3],
      leavesQty: f[r + 4],
      avgPx: f[r + 5],
      fee: f[r + 6],
      slippage: f[r + 7],
    };
  }

  private slot(): number {
    const k = this.count++;
    if (k === this.kind.length) {
      this.kind = withRoom(this.kind, k + 1);
      this.ts = withRoom(this.ts, k + 1);
      this.ref = withRoom(this.ref, k + 1);
    }
    return k;
  }
}
