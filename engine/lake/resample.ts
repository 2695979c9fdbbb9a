// Session-aware resampling of finer bars (usually 1Min) into 5Min, 15Min, 1Hour or 1Day bars
// using the NYSE calendar: buckets start at the session's open, the last bucket of a session ends
// at its close (13:00 on early-close days), no bucket spans the overnight gap, and bars outside
// the regular session (or on holidays) are left out. Daily bars are stamped at midnight New York
// of the session date, like Alpaca's.
import { newYorkToUtcNs, sessionAt, type Session } from '../core/calendar';
import { emptyBars, type BarColumns, type Timeframe } from '../core/data/bars';

const STEP_NS: Partial<Record<Timeframe, bigint>> = {
  '1Min': 60_000_000_000n,
  '5Min': 300_000_000_000n,
  '15Min': 900_000_000_000n,
  '1Hour': 3_600_000_000_000n,
};

const ORDER: Record<Timeframe, number> = { '1Min': 1, '5Min': 5, '15Min': 15, '1Hour': 60, '1Day': 1440 };

export function canResample(from: Timeframe, to: Timeframe): boolean {
  return ORDER[to] > ORDER[from] && (to === '1Day' || ORDER[to] % ORDER[from] === 0);
}

/** Streams bars of one symbol through; `push` returns the buckets completed so far. */
export class BarResampler {
  /** Input bars dropped because they fell outside every regular session. */
  outsideSession = 0;
  private session: Session | undefined;
  private has = false;
  private label = 0n;
  private lo = 0n;
  private hi = 0n;
  private o = 0;
  private h = 0;
  private l = 0;
  private c = 0;
  private v = 0;
  private pv = 0;
  private tc = 0;
  private lastTs: bigint | null = null;

  constructor(readonly symbol: string, readonly to: Timeframe) {
    if (to === '1Min') throw new RangeError('resampling targets 5Min, 15Min, 1Hour or 1Day');
  }

  push(b: BarColumns): BarColumns {
    const out = emptyBars(this.symbol, this.to, b.ts.length + 1);
    let n = 0;
    const emit = () => {
      out.ts[n] = this.label;
      out.open[n] = this.o;
      out.high[n] = this.h;
      out.low[n] = this.l;
      out.close[n] = this.c;
      out.volume[n] = this.v;
      out.vwap[n] = this.v > 0 ? this.pv / this.v : NaN;
      out.tradeCount[n] = this.tc;
      n++;
    };
    const step = STEP_NS[this.to];
    for (let i = 0; i < b.ts.length; i++) {
      const t = b.ts[i];
      if (this.lastTs !== null && t <= this.lastTs) throw new RangeError(`bars of ${this.symbol} are not in time order at ${t} ns`);
      this.lastTs = t;
      let s = this.session;
      if (!s || t < s.openNs || t >= s.closeNs) {
        s = sessionAt(t);
        if (!s) {
          this.outsideSession++;
          continue;
        }
        this.session = s;
      }
      if (this.has && t >= this.lo && t < this.hi) {
        if (b.high[i] > this.h) this.h = b.high[i];
        if (b.low[i] < this.l) this.l = b.low[i];
        this.c = b.close[i];
        this.v += b.volume[i];
        this.pv += b.vwap[i] * b.volume[i];
        this.tc += b.tradeCount[i];
        continue;
      }
      if (this.has) emit();
      if (step === undefined) {
        this.label = newYorkToUtcNs(s.date);
        this.lo = s.openNs;
        this.hi = s.closeNs;
      } else {
        this.lo = s.openNs + ((t - s.openNs) / step) * step;
        this.label = this.lo;
        this.hi = this.lo + step < s.closeNs ? this.lo + step : s.closeNs;
      }
      this.has = true;
      this.o = b.open[i];
      this.h = b.high[i];
      this.l = b.low[i];
      this.c = b.close[i];
      this.v = b.volume[i];
      this.pv = b.vwap[i] * b.volume[i];
      this.tc = b.tradeCount[i];
    }
    return trim(out, n);
  }

  /** Emits the bucket still open (call at the end of the data). */
  flush(): BarColumns {
    const out = emptyBars(this.symbol, this.to, 1);
    if (!this.has) return trim(out, 0);
    this.has = false;
    out.ts[0] = this.label;
    out.open[0] = this.o;
    out.high[0] = this.h;
    out.low[0] = this.l;
    out.close[0] = this.c;
    out.volume[0] = this.v;
    out.vwap[0] = this.v > 0 ? this.pv / this.v : NaN;
    out.tradeCount[0] = this.tc;
    return out;
  }
}

export function trim(b: BarColumns, n: number): BarColumns {
  if (n === b.ts.length) return b;
  return {
    symbol: b.symbol, timeframe: b.timeframe,
    ts: b.ts.slice(0, n), open: b.open.slice(0, n), high: b.high.slice(0, n), low: b.low.slice(0, n),
    close: b.close.slice(0, n), volume: b.volume.slice(0, n), vwap: b.vwap.slice(0, n), tradeCount: b.tradeCount.slice(0, n),
  };
}

export function concatBars(symbol: string, timeframe: Timeframe, parts: BarColumns[]): BarColumns {
  const n = parts.reduce((s, p) => s + p.ts.length, 0);
  const out = emptyBars(symbol, timeframe, n);
  let at = 0;
  for (const p of parts) {
    out.ts.set(p.ts, at);
    out.open.set(p.open, at);
    out.high.set(p.high, at);
    out.low.set(p.low, at);
    out.close.set(p.close, at);
    out.volume.set(p.volume, at);
    out.vwap.set(p.vwap, at);
    out.tradeCount.set(p.tradeCount, at);
    at += p.ts.length;
  }
  return out;
}

/** Resamples a whole block at once. */
export function resampleBars(b: BarColumns, to: Timeframe): BarColumns {
  const r = new BarResampler(b.symbol, to);
  return concatBars(b.symbol, to, [r.push(b), r.flush()]);
}
