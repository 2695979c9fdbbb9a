// The simulator's clock. Tests step it explicitly (advance/advanceTo) so nothing waits on wall
// time; `studio sim` runs it live, where simulated time follows wall time times `speed`.

export type ClockListener = (fromMs: number, toMs: number) => void;

export interface SimClockOptions {
  /** Simulated start time, UTC ms. */
  startMs: number;
  /** Wall-time source for live mode; injected so live mode is testable too. */
  wallNow?: () => number;
  /** Live-mode tick interval in wall ms. */
  tickMs?: number;
}

export class SimClock {
  private nowMs: number;
  private readonly listeners = new Set<ClockListener>();
  private readonly wallNow: () => number;
  private readonly tickMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private speed = 1;
  private lastWall = 0;
  private advancing = false;
  private carry = 0;

  constructor(options: SimClockOptions) {
    this.nowMs = options.startMs;
    this.wallNow = options.wallNow ?? Date.now;
    this.tickMs = options.tickMs ?? 100;
  }

  now(): number {
    return this.nowMs;
  }

  get live(): boolean {
    return this.timer !== undefined;
  }

  get liveSpeed(): number {
    return this.speed;
  }

  onAdvance(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves simulated time forward; listeners process everything in (from, to]. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot move the simulator clock by ${ms} ms`);
    this.advanceTo(this.nowMs + ms);
  }

  advanceTo(toMs: number): void {
    if (toMs < this.nowMs) throw new Error('the simulator clock never goes backwards');
    if (this.advancing) throw new Error('advance() called from inside a clock listener');
    const from = this.nowMs;
    this.nowMs = toMs;
    if (toMs === from) return;
    this.advancing = true;
    try {
      for (const l of this.listeners) l(from, toMs);
    } finally {
      this.advancing = false;
    }
  }

  /** Live mode: simulated time advances by `speed` × elapsed wall time. */
  startLive(speed: number): void {
    if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
    this.stopLive();
    this.speed = speed;
    this.lastWall = this.wallNow();
    this.timer = setInterval(() => this.tickLive(), this.tickMs);
    this.timer.unref?.();
  }

  /** One live step; exposed so live mode can be driven by an injected wall clock in tests. */
  tickLive(): void {
    const wall = this.wallNow();
    const elapsed = wall - this.lastWall;
    this.lastWall = wall;
    if (elapsed <= 0) return;
    // Carry the fraction so slow speeds still move the clock.
    const step = elapsed * this.speed + this.carry;
    const whole = Math.floor(step);
    this.carry = step - whole;
    if (whole > 0) this.advance(whole);
  }

  stopLive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
