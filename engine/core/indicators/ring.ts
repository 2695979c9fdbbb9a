// Fixed-size windows over a stream, preallocated so updates never allocate.

export class RingBuffer {
  private readonly data: Float64Array;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  /** Appends x; returns the value pushed out of the window, or NaN while it is filling. */
  push(x: number): number {
    const evicted = this.n === this.capacity ? this.data[this.head] : NaN;
    this.data[this.head] = x;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.n < this.capacity) this.n++;
    return evicted;
  }

  /** ago = 0 is the newest value; NaN outside the window. */
  get(ago: number): number {
    if (ago < 0 || ago >= this.n) return NaN;
    let i = this.head - 1 - ago;
    if (i < 0) i += this.capacity;
    return this.data[i];
  }

  /** i = 0 is the oldest value in the window. */
  at(i: number): number {
    return this.get(this.n - 1 - i);
  }

  reset(): void {
    this.head = 0;
    this.n = 0;
  }
}

/**
 * Rolling maximum (or minimum) over the last `period` inputs in amortised O(1): a monotonic deque
 * of (position, value) pairs held in two preallocated ring arrays.
 */
export class RollingExtreme {
  private readonly pos: Float64Array;
  private readonly val: Float64Array;
  private head = 0;
  private size = 0;
  private t = 0;

  constructor(
    readonly period: number,
    private readonly kind: 'max' | 'min',
  ) {
    this.pos = new Float64Array(period);
    this.val = new Float64Array(period);
  }

  get value(): number {
    return this.size === 0 ? NaN : this.val[this.head];
  }

  push(x: number): void {
    const cap = this.period;
    // Drop the front entry once it has left the window, so the deque never exceeds `period`.
    while (this.size > 0 && this.pos[this.head] <= this.t - cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= cap) back -= cap;
      const v = this.val[back];
      if (this.kind === 'max' ? v <= x : v >= x) this.size--;
      else break;
    }
    let slot = this.head + this.size;
    if (slot >= cap) slot -= cap;
    this.pos[slot] = this.t;
    this.val[slot] = x;
    this.size++;
    this.t++;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.t = 0;
  }
}

/**
 * Rolling mean and population variance. Uses the add/remove form of Welford's update, and
 * recomputes exactly from the window now and then so rounding error cannot build up over
 * millions of updates (amortised cost stays O(1)).
 */
export class RollingStats {
  private readonly ring: RingBuffer;
  private m = 0;
  private m2 = 0;
  private sinceExact = 0;
  private readonly exactEvery: number;

  constructor(readonly period: number) {
    this.ring = new RingBuffer(period);
    this.exactEvery = 1024 + period;
  }

  get full(): boolean {
    return this.ring.full;
  }

  get count(): number {
    return this.ring.length;
  }

  get mean(): number {
    return this.ring.length === 0 ? NaN : this.m;
  }

  get variance(): number {
    return this.ring.length === 0 ? NaN : this.m2 / this.ring.length;
  }

  push(x: number): void {
    const old = this.ring.push(x);
    if (Number.isNaN(old)) {
      const d = x - this.m;
      this.m += d / this.ring.length;
      this.m2 += d * (x - this.m);
    } else {
      const oldMean = this.m;
      this.m += (x - old) / this.period;
      this.m2 += (x - old) * (x - this.m + old - oldMean);
      if (this.m2 < 0) this.m2 = 0;
    }
    if (++this.sinceExact >= this.exactEvery) this.recompute();
  }

  reset(): void {
    this.ring.reset();
    this.m = 0;
    this.m2 = 0;
    this.sinceExact = 0;
  }

  private recompute(): void {
    const n = this.ring.length;
    let s = 0;
    for (let i = 0; i < n; i++) s += this.ring.at(i);
    const mean = s / n;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const d = this.ring.at(i) - mean;
      q += d * d;
    }
    this.m = mean;
    this.m2 = q;
    this.sinceExact = 0;
  }
}
