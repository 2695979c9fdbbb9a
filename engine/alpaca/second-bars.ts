// One-second bars built from trades, for feeds (Alpaca's included) that publish nothing finer
// than minute bars. A second closes once the stream shows a later time (any message of any
// symbol), and a trade reported after its second closed (a late print) re-sends that second.

import type { Bar, Nanos } from './events';

const SECOND = 1_000_000_000n;
/** Closed seconds kept per symbol so late prints can amend them. */
const KEEP = 300;

interface Acc {
  start: Nanos;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  pv: number;
  count: number;
}

export class SecondBarAggregator {
  private readonly open = new Map<string, Acc>();
  private readonly closed = new Map<string, Map<Nanos, Acc>>();
  private watermark = 0n;

  constructor(private readonly emit: (bar: Bar, updated: boolean) => void) {}

  /** Time has reached `nowNs`: every second that ended by then is complete. */
  advance(nowNs: Nanos, tsInit: Nanos): void {
    if (nowNs <= this.watermark) return;
    this.watermark = nowNs;
    for (const [symbol, acc] of this.open) {
      if (acc.start + SECOND > nowNs) continue;
      this.open.delete(symbol);
      this.remember(symbol, acc);
      this.emit(this.bar(symbol, acc, tsInit), false);
    }
  }

  addTrade(symbol: string, tsNs: Nanos, price: number, size: number, tsInit: Nanos): void {
    this.advance(tsNs, tsInit);
    const start = tsNs - (((tsNs % SECOND) + SECOND) % SECOND);
    if (start + SECOND <= this.watermark) {
      // A late print: its second was already sent, so send it again with this trade in it.
      const done = this.closed.get(symbol)?.get(start);
      const acc = done ?? { start, open: price, high: price, low: price, close: price, volume: 0, pv: 0, count: 0 };
      this.add(acc, price, size, false);
      if (!done) this.remember(symbol, acc);
      this.emit(this.bar(symbol, acc, tsInit), true);
      return;
    }
    let acc = this.open.get(symbol);
    if (!acc) {
      acc = { start, open: price, high: price, low: price, close: price, volume: 0, pv: 0, count: 0 };
      this.open.set(symbol, acc);
    }
    this.add(acc, price, size, true);
  }

  private add(acc: Acc, price: number, size: number, inOrder: boolean): void {
    acc.high = Math.max(acc.high, price);
    acc.low = Math.min(acc.low, price);
    // A late print happened earlier than the trades already counted, so it does not move the close.
    if (inOrder) acc.close = price;
    acc.volume += size;
    acc.pv += price * size;
    acc.count++;
  }

  private remember(symbol: string, acc: Acc): void {
    let m = this.closed.get(symbol);
    if (!m) this.closed.set(symbol, (m = new Map()));
    m.set(acc.start, acc);
    if (m.size > KEEP) m.delete(m.keys().next().value as Nanos);
  }

  private bar(symbol: string, a: Acc, tsInit: Nanos): Bar {
    return {
      symbol, start: a.start, tsEvent: a.start + SECOND, tsInit, open: a.open, high: a.high, low: a.low, close: a.close,
      volume: a.volume, vwap: a.volume > 0 ? a.pv / a.volume : a.close, tradeCount: a.count,
    };
  }
}
