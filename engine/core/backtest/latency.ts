// The latency model's mailbox: cancels and replaces a strategy sends at engine time t reach the
// simulated exchange at t + latency, so until then the order can still fill. (New orders carry
// their arrival time on the order itself; see SimulatedExchange.setArrival.)

import type { TestClock } from '../clock';

interface Pending {
  readonly arrivalNs: bigint;
  readonly run: () => void;
}

export class DelayedCommands {
  /** Per symbol, in arrival order: every command travels equally long, so that is send order. */
  private readonly queues: Pending[][];
  private readonly heads: Int32Array;
  private waiting = 0;

  constructor(nSymbols: number) {
    this.queues = Array.from({ length: nSymbols }, () => []);
    this.heads = new Int32Array(nSymbols);
  }

  get size(): number {
    return this.waiting;
  }

  send(symbolIndex: number, arrivalNs: bigint, run: () => void): void {
    this.queues[symbolIndex].push({ arrivalNs, run });
    this.waiting++;
  }

  /**
   * Delivers the symbol's commands that have arrived by `untilNs`, each at its arrival time (or
   * the clock's time, if the run has already passed it), before that symbol's next data event.
   */
  deliverDue(symbolIndex: number, untilNs: bigint, clock: TestClock): void {
    if (this.waiting === 0) return;
    const q = this.queues[symbolIndex];
    let h = this.heads[symbolIndex];
    while (h < q.length && q[h].arrivalNs <= untilNs) {
      const c = q[h++];
      this.heads[symbolIndex] = h;
      this.waiting--;
      if (c.arrivalNs > clock.timestampNs()) clock.advanceTo(c.arrivalNs);
      c.run();
    }
    if (h === q.length && h > 0) {
      q.length = 0;
      this.heads[symbolIndex] = 0;
    }
  }
}
