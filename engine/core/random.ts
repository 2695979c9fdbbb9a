// The engine's seeded source of randomness. Engine logic never calls Math.random(): it takes a
// RandomSource, so a backtest, a sample dataset or a simulation replays bit-for-bit from its seed.

/** What engine code needs from randomness; tests can pass a scripted fake. */
export interface RandomSource {
  /** Uniform double in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, sd 1) unless mean/sd are given. */
  normal(mean?: number, sd?: number): number;
}

export type Seed = number | string;

/** Saved generator state; restoring it resumes the exact sequence. */
export interface RngState {
  readonly s: readonly [number, number, number, number];
}

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;

// Ziggurat tables for the standard normal, 128 layers of equal area V, rightmost edge R
// (constants from Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables", 2000).
// Values are signed 32-bit integers, so widths are scaled by 2^31.
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const m = 2_147_483_648;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * m;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[127] = dn / m;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * m;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m;
  }
}

/**
 * xoshiro128** 1.1 (Blackman & Vigna): 128 bits of state, period 2^128 − 1, passes BigCrush, and
 * needs only 32-bit integer operations, which JavaScript engines run without boxing.
 */
export class Rng implements RandomSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator seeded from a number (any finite value) or a string. */
  constructor(seed: Seed) {
    const [a, b, c, d] = seedWords(seed);
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with the full 53 bits of precision. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67_108_864 + lo) / TWO_POW_53;
  }

  /** Uniform integer in [min, max), without modulo bias. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
      throw new RangeError(`Rng.int needs safe integers with min < max, got [${min}, ${max})`);
    }
    const span = max - min;
    if (span <= TWO_POW_32) {
      // Rejection keeps every value equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % span);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return min + (x % span);
      }
    }
    return min + Math.floor(this.next() * span);
  }

  /** Uniform double in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /**
   * Normal deviate by the ziggurat method (Marsaglia & Tsang 2000, 128 layers), about three times
   * faster than Box–Muller because 98.8% of draws need one table lookup and no logarithm. The layer
   * index and the value come from separate 32-bit draws, which avoids the correlation Doornik (2005)
   * found in the original's reuse of one word for both.
   */
  normal(mean = 0, sd = 1): number {
    for (;;) {
      const hz = this.nextUint32() | 0;
      const iz = this.nextUint32() & 127;
      if (Math.abs(hz) < ZIG_K[iz]) return mean + sd * hz * ZIG_W[iz];
      if (iz === 0) {
        // The base layer's overhang is the tail beyond R: Marsaglia's exponential-rejection sampler.
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.next()) / ZIG_R;
          y = -Math.log(1 - this.next());
        } while (y + y < x * x);
        return mean + sd * (hz > 0 ? ZIG_R + x : -ZIG_R - x);
      }
      const x = hz * ZIG_W[iz];
      if (ZIG_F[iz] + this.next() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return mean + sd * x;
    }
  }

  /** Exponential deviate with the given mean. */
  exponential(mean = 1): number {
    return -mean * Math.log(1 - this.next());
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * An independent generator named by `label`, drawn from this one's current state. Giving each
   * consumer (a symbol, a regime chain) its own stream means adding a consumer does not shift
   * the numbers every other consumer sees.
   */
  fork(label: string): Rng {
    return new Rng(`${this.nextUint32()}:${this.nextUint32()}:${this.nextUint32()}:${this.nextUint32()}/${label}`);
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3] };
  }

  setState(state: RngState): void {
    const [a, b, c, d] = state.s;
    if ((a | b | c | d) === 0) throw new RangeError('xoshiro state must not be all zero');
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
  }
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: Seed): Rng {
  return new Rng(seed);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * 128 bits of initial state from a seed. Strings are hashed (FNV-1a over UTF-16 code units, four
 * lanes); numbers contribute the 64 bits of their IEEE-754 encoding, so 1 and 1.5 differ but 1 and
 * 1.0 (the same value) do not, and a number seed never equals its string spelling. splitmix32
 * then spreads the entropy so that similar seeds (1, 2, 3 …) give unrelated streams.
 */
function seedWords(seed: Seed): [number, number, number, number] {
  let h0 = 0x811c9dc5;
  let h1 = 0x01000193;
  let h2 = 0x9e3779b9;
  let h3 = 0x85ebca6b;
  const mix = (word: number) => {
    h0 = Math.imul(h0 ^ word, 0x01000193);
    h1 = Math.imul(h1 ^ word, 0x5bd1e995);
    h2 = Math.imul(h2 ^ word, 0xcc9e2d51);
    h3 = Math.imul(h3 ^ word, 0x1b873593);
  };
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`a seed must be finite, got ${seed}`);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, seed === 0 ? 0 : seed, true); // -0 and 0 are the same seed
    mix(0x6e756d62); // tags number seeds apart from strings
    mix(view.getUint32(0, true));
    mix(view.getUint32(4, true));
  } else if (typeof seed === 'string') {
    mix(0x73747269);
    for (let i = 0; i < seed.length; i++) mix(seed.charCodeAt(i));
    mix(seed.length);
  } else {
    throw new TypeError(`a seed is a number or a string, got ${typeof seed}`);
  }
  let x = (h0 ^ rotl(h1, 7) ^ rotl(h2, 13) ^ rotl(h3, 19)) >>> 0;
  const out: [number, number, number, number] = [0, 0, 0, 0];
  const lanes = [h0, h1, h2, h3];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x ^ lanes[i];
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = (z ^ (z >>> 16)) | 0;
  }
  if ((out[0] | out[1] | out[2] | out[3]) === 0) out[0] = 1;
  return out;
}
