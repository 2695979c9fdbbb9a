// The engine's only source of time. Backtests advance a TestClock from the data; the runner plugs
// in a live clock. Strategy code reads time and sets timers through this interface only.

/** Nanoseconds since the Unix epoch, UTC. */
export type UnixNanos = bigint;

export interface Clock {
  /** Current time in ns since the Unix epoch (UTC). */
  timestampNs(): UnixNanos;
  /** Fires `onTimer` once at `alertTimeNs` (immediately after the current step if already past). */
  setTimeAlert(name: string, alertTimeNs: UnixNanos): void;
  /** Fires `onTimer` every `intervalNs`, first at `startTimeNs + intervalNs`, until `stopTimeNs`. */
  setTimer(name: string, intervalNs: UnixNanos, startTimeNs?: UnixNanos, stopTimeNs?: UnixNanos): void;
  cancelTimer(name: string): void;
  timerNames(): string[];
}

/** A timer or alert that came due; a noun-like event named after NautilusTrader's `TimeEvent`. */
export interface TimeEvent {
  readonly type: 'TimeEvent';
  readonly name: string;
  readonly tsEvent: UnixNanos;
  readonly tsInit: UnixNanos;
}

interface TimerState {
  name: string;
  nextNs: bigint;
  intervalNs: bigint; // 0n for a one-shot alert
  stopNs: bigint | null;
  seq: number;
}

/** Far beyond any real timestamp; used so "no timer due" is one cheap comparison in the loop. */
export const NEVER_NS: UnixNanos = 0x7fffffffffffffffn;

/**
 * A clock moved by the data. Time never goes backwards; timers are drained by the caller with
 * `popDue`, which keeps the backtest loop in charge of when `onTimer` runs relative to bars.
 */
export class TestClock implements Clock {
  private nowNs: bigint;
  // The backtest loop points the clock at a timestamp column instead of reading a bigint per
  // bar (each read allocates); the value is materialised only when someone asks for the time.
  private srcTs: BigInt64Array | null = null;
  private srcIndex = 0;
  private readonly timers: TimerState[] = [];
  private seq = 0;
  /** Earliest due time among timers, NEVER_NS when none. */
  nextDueNs: bigint = NEVER_NS;
  /** Lets the loop skip even the bigint comparison while no timer is set. */
  hasTimers = false;

  constructor(startNs: UnixNanos = 0n) {
    this.nowNs = startNs;
  }

  timestampNs(): UnixNanos {
    if (this.srcTs !== null) {
      this.nowNs = this.srcTs[this.srcIndex];
      this.srcTs = null;
    }
    return this.nowNs;
  }

  /** Moves time forward; moving backwards is an engine bug, so it throws. */
  advanceTo(tsNs: UnixNanos): void {
    const now = this.timestampNs();
    if (tsNs < now) {
      throw new RangeError(`clock cannot move backwards: ${tsNs} < ${now}`);
    }
    this.nowNs = tsNs;
  }

  /**
   * Moves time to `ts[index]` without reading it. The caller guarantees it is not earlier than
   * the current time (the backtest's merge of validated, increasing columns does).
   */
  advanceToColumn(ts: BigInt64Array, index: number): void {
    this.srcTs = ts;
    this.srcIndex = index;
  }

  setTimeAlert(name: string, alertTimeNs: UnixNanos): void {
    this.addTimer(name, alertTimeNs, 0n, null);
  }

  setTimer(name: string, intervalNs: UnixNanos, startTimeNs?: UnixNanos, stopTimeNs?: UnixNanos): void {
    if (intervalNs <= 0n) throw new RangeError(`timer '${name}': interval must be positive, got ${intervalNs}`);
    const start = startTimeNs ?? this.timestampNs();
    this.addTimer(name, start + intervalNs, intervalNs, stopTimeNs ?? null);
  }

  cancelTimer(name: string): void {
    const i = this.timers.findIndex((t) => t.name === name);
    if (i >= 0) this.timers.splice(i, 1);
    this.recomputeNext();
  }

  timerNames(): string[] {
    return this.timers.map((t) => t.name).sort();
  }

  /**
   * Removes and returns the earliest timer event due at or before `untilNs`, advancing the clock
   * to its time; null when none is due. Ties fire in the order the timers were set.
   */
  popDue(untilNs: UnixNanos): TimeEvent | null {
    if (this.nextDueNs > untilNs) return null;
    this.timestampNs();
    let best: TimerState | null = null;
    for (const t of this.timers) {
      if (best === null || t.nextNs < best.nextNs || (t.nextNs === best.nextNs && t.seq < best.seq)) best = t;
    }
    if (best === null) return null;
    const due = best.nextNs < this.nowNs ? this.nowNs : best.nextNs;
    this.nowNs = due;
    const event: TimeEvent = { type: 'TimeEvent', name: best.name, tsEvent: best.nextNs, tsInit: due };
    if (best.intervalNs === 0n) {
      this.timers.splice(this.timers.indexOf(best), 1);
    } else {
      best.nextNs += best.intervalNs;
      if (best.stopNs !== null && best.nextNs > best.stopNs) this.timers.splice(this.timers.indexOf(best), 1);
    }
    this.recomputeNext();
    return event;
  }

  private addTimer(name: string, nextNs: bigint, intervalNs: bigint, stopNs: bigint | null): void {
    if (name.length === 0) throw new RangeError('timer name must not be empty');
    if (this.timers.some((t) => t.name === name)) throw new RangeError(`timer '${name}' already exists`);
    this.timers.push({ name, nextNs, intervalNs, stopNs, seq: this.seq++ });
    this.recomputeNext();
  }

  private recomputeNext(): void {
    let next = NEVER_NS;
    for (const t of this.timers) if (t.nextNs < next) next = t.nextNs;
    this.nextDueNs = next;
    this.hasTimers = this.timers.length > 0;
  }
}
