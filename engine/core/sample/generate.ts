// The deterministic sample market: synthetic but realistic-looking US equity bars over real NYSE
// sessions, so a fresh workspace, the tests and the benchmarks all have data without a network.
//
// Model (log prices, raw = unadjusted):
//   - A 2-state Markov chain (calm / turbulent) switches once per session and scales market and
//     stock-specific volatility and volume together, giving volatility clustering.
//   - One market factor: each stock's return is beta × market + its own noise (per-symbol beta), so
//     returns are positively correlated, more so in turbulent spells.
//   - 20% of a day's variance arrives overnight (more across weekends and holidays), plus rare
//     earnings-like jumps, so each session opens away from the previous close.
//   - Within the session, volatility and volume follow U-shapes (see intraday.ts); volume also rises
//     with the size of the move.
//   - Splits divide the raw price (and multiply share volume) from the ex-date on; cash dividends
//     lower the raw price by the cash amount at the ex-date open.
// Daily bars are always aggregated from the simulated minute path, so '1Day' and '1Min' output of
// the same seed agree exactly.

import { type IsoDate, type Session, newYorkToUtcNs, parseIsoDate, sessionsBetween } from '../calendar';
import { type BarColumns, type CorporateAction, emptyBars } from '../data/bars';
import { Rng } from '../random';
import { FULL_SESSION_MINUTES, OVERNIGHT_VARIANCE_SHARE, sessionShape } from './intraday';
import { sampleSymbols, seedKey, symbolProfile } from './symbols';
import { REGIME_CALM, REGIME_TURBULENT, type SampleMarket, type SampleOptions, type SymbolProfile } from './types';

const MINUTE_NS = 60_000_000_000n;
const SESSIONS_PER_YEAR = 252;

/** Per-session switching probabilities: calm spells last ~33 sessions, turbulent ones ~10. */
const P_ENTER_TURBULENT = 0.03;
const P_LEAVE_TURBULENT = 0.1;
/** Daily market-factor volatility by regime. */
const MARKET_VOL = [0.009, 0.022];
/** Multipliers of stock-specific volatility and of volume by regime. */
const IDIO_VOL_MULT = [1, 1.5];
const VOLUME_MULT = [1, 1.6];
const MARKET_DRIFT_ANNUAL = 0.07;
/** Extra overnight variance per additional calendar day closed (weekends, holidays). */
const OVERNIGHT_VARIANCE_PER_EXTRA_DAY = 0.3;
/** Probability and size of an earnings-like overnight jump. */
const JUMP_PROBABILITY = 1 / 63;
const JUMP_SD = 0.04;
const DEFAULT_SPLIT_RATIO = 4;
const DEFAULT_DIVIDEND_YIELD = 0.009;
/** Fewer sessions than this get no default corporate actions. */
const MIN_SESSIONS_FOR_DEFAULT_ACTIONS = 10;
/** About 1.6 GB of columns; beyond that the caller wants daily bars or a shorter range. */
const MAX_ROWS = 25_000_000;

interface PlannedAction {
  kind: 'split' | 'dividend';
  ratio: number;
  /** Undefined for a default dividend: its cash is set from the price reached by the ex-date. */
  cash: number | undefined;
}

interface SymbolState {
  readonly profile: SymbolProfile;
  readonly rng: Rng;
  logPrice: number;
  lastClose: number;
  /** Cumulative split ratio, applied to share volume. */
  shareMultiplier: number;
  /** Session index -> actions taking effect at that session's open. */
  readonly actions: Map<number, PlannedAction[]>;
}

/** Scratch columns for one symbol-session, reused across the run. */
interface Scratch {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  vwap: Float64Array;
  tradeCount: Float64Array;
}

/**
 * Generates bars for every NYSE session in [from, to]. The same options always give identical
 * arrays (all randomness comes from streams keyed by the seed; V8's Math.exp/log are
 * platform-independent). Minute bars are stamped at their start; daily bars at midnight
 * America/New_York of the session date, as Alpaca stamps them.
 */
export function generateSample(options: SampleOptions): SampleMarket {
  const { from, to, seed, timeframe } = options;
  if (timeframe !== '1Min' && timeframe !== '1Day') {
    throw new TypeError(`timeframe: expected '1Min' or '1Day', got ${JSON.stringify(timeframe)}`);
  }
  if (typeof seed !== 'number' && typeof seed !== 'string') throw new TypeError('seed: expected a number or a string');
  const sessions = sessionsBetween(from, to);
  if (sessions.length === 0) throw new RangeError(`no NYSE sessions between ${from} and ${to}`);
  const symbols = sampleSymbols(options.symbols);
  const profiles = symbols.map((s) => symbolProfile(seed, s));
  const key = seedKey(seed);

  const minutesPerSession = sessions.map(sessionMinutes);
  const rowsPerSymbol = timeframe === '1Min' ? minutesPerSession.reduce((a, b) => a + b, 0) : sessions.length;
  if (rowsPerSymbol * symbols.length > MAX_ROWS) {
    throw new RangeError(
      `${symbols.length} symbols × ${rowsPerSymbol} ${timeframe} bars is more than ${MAX_ROWS} rows; use '1Day' or a shorter range`,
    );
  }

  const states: SymbolState[] = profiles.map((profile) => ({
    profile,
    rng: new Rng(`${key}/path/${profile.symbol}`),
    logPrice: Math.log(profile.startPrice),
    lastClose: profile.startPrice,
    shareMultiplier: 1,
    actions: new Map(),
  }));
  planCorporateActions(options.corporateActions ?? 'default', sessions, symbols, profiles, states);

  const bars = symbols.map((s) => emptyBars(s, timeframe, rowsPerSymbol));
  const applied: CorporateAction[] = [];
  const regimes = new Uint8Array(sessions.length);
  const marketRng = new Rng(`${key}/market`);
  const maxMinutes = Math.max(...minutesPerSession);
  const market = new Float64Array(maxMinutes);
  const scratch: Scratch = {
    open: new Float64Array(maxMinutes),
    high: new Float64Array(maxMinutes),
    low: new Float64Array(maxMinutes),
    close: new Float64Array(maxMinutes),
    volume: new Float64Array(maxMinutes),
    vwap: new Float64Array(maxMinutes),
    tradeCount: new Float64Array(maxMinutes),
  };

  let regime = marketRng.next() < P_ENTER_TURBULENT / (P_ENTER_TURBULENT + P_LEAVE_TURBULENT) ? REGIME_TURBULENT : REGIME_CALM;
  let row = 0;
  let previousDay = parseIsoDate(sessions[0].date);
  for (let d = 0; d < sessions.length; d++) {
    const session = sessions[d];
    const day = parseIsoDate(session.date);
    if (d > 0) {
      const u = marketRng.next();
      if (regime === REGIME_CALM ? u < P_ENTER_TURBULENT : u < P_LEAVE_TURBULENT) regime = 1 - regime;
    }
    regimes[d] = regime;
    const minutes = minutesPerSession[d];
    const shape = sessionShape(minutes);
    const marketVol = MARKET_VOL[regime];
    const overnightSd = Math.sqrt(OVERNIGHT_VARIANCE_SHARE * (1 + OVERNIGHT_VARIANCE_PER_EXTRA_DAY * Math.max(0, day - previousDay - 1)));
    const marketGap = marketRng.normal() * marketVol * overnightSd;
    const marketDrift = MARKET_DRIFT_ANNUAL / SESSIONS_PER_YEAR / FULL_SESSION_MINUTES;
    for (let k = 0; k < minutes; k++) market[k] = marketDrift + marketVol * shape.sd[k] * marketRng.normal();
    previousDay = day;

    for (let i = 0; i < states.length; i++) {
      const st = states[i];
      if (d > 0) {
        const todays = st.actions.get(d);
        if (todays) for (const a of todays) applied.push(applyAction(st, a, session.date));
        const { rng, profile } = st;
        const idio = rng.normal() * profile.idioVolDaily * IDIO_VOL_MULT[regime] * overnightSd;
        // Both jump numbers are drawn every session, used or not, so a symbol's stream stays
        // aligned across option changes (e.g. with and without corporate actions).
        const jumpDraw = rng.next();
        const jump = rng.normal() * JUMP_SD;
        st.logPrice += profile.beta * marketGap + idio + (jumpDraw < JUMP_PROBABILITY ? jump : 0);
      }
      simulateSession(st, regime, marketVol, market, minutes, scratch);
      const out = bars[i];
      if (timeframe === '1Min') {
        writeMinutes(out, row, session.openNs, minutes, scratch);
      } else {
        writeDay(out, d, newYorkToUtcNs(session.date), minutes, scratch);
      }
    }
    row += minutes;
  }

  applied.sort((a, b) => (a.exDate < b.exDate ? -1 : a.exDate > b.exDate ? 1 : symbols.indexOf(a.symbol) - symbols.indexOf(b.symbol)));
  return {
    seed,
    timeframe,
    from,
    to,
    symbols,
    bars,
    corporateActions: applied,
    profiles,
    sessions,
    regimes,
  };
}

function sessionMinutes(s: Session): number {
  return Number((s.closeNs - s.openNs) / MINUTE_NS);
}

/** Cents at or above $1, hundredths of a cent below (the sub-penny rule), never zero. */
function roundPrice(x: number): number {
  const r = x >= 1 ? Math.round(x * 100) / 100 : Math.round(x * 10_000) / 10_000;
  return r > 0 ? r : 0.0001;
}

/** One session's minute bars for one symbol into `scratch`, advancing the symbol's price. */
function simulateSession(st: SymbolState, regime: number, marketVol: number, market: Float64Array, minutes: number, scratch: Scratch): void {
  const { rng, profile } = st;
  const shape = sessionShape(minutes);
  const beta = profile.beta;
  const idioVol = profile.idioVolDaily * IDIO_VOL_MULT[regime];
  const totalVol = Math.sqrt(beta * beta * marketVol * marketVol + idioVol * idioVol);
  const alpha = profile.alphaAnnual / SESSIONS_PER_YEAR / FULL_SESSION_MINUTES;
  const dayVolume = profile.meanDailyVolume * st.shareMultiplier * VOLUME_MULT[regime] * Math.exp(0.25 * rng.normal() - 0.03125);

  let logPrice = st.logPrice;
  let price = Math.exp(logPrice);
  let open = roundPrice(price);
  // Average trade size shrinks as the price rises (a round lot of a $400 stock is a big ticket).
  const tradeSize = Math.min(400, Math.max(20, 8000 / price));
  const { open: o, high: h, low: l, close: c, volume: v, vwap: w, tradeCount: n } = scratch;
  for (let k = 0; k < minutes; k++) {
    const sd = shape.sd[k];
    const ret = beta * market[k] + alpha + idioVol * sd * rng.normal();
    const previousPrice = price;
    logPrice += ret;
    price = Math.exp(logPrice);
    const close = roundPrice(price);
    // Extremes of a Brownian bridge from the minute's open to its close with the minute's variance:
    // its maximum M satisfies P(M > m) = exp(-2(m − a)(m − b)/σ²) (log prices), sampled by
    // inversion. The excursions beyond open/close are ~1e-3, so exp(x) ≈ 1 + x + x²/2 is exact to
    // far below a cent and saves two of the loop's most expensive calls.
    const minuteVar = totalVol * totalVol * sd * sd;
    const move = ret * ret;
    const half = 0.5 * Math.abs(ret);
    const up = 0.5 * Math.sqrt(move - 2 * minuteVar * Math.log(1 - rng.next())) - half;
    const down = 0.5 * Math.sqrt(move - 2 * minuteVar * Math.log(1 - rng.next())) - half;
    const top = price > previousPrice ? price : previousPrice;
    const bottom = price < previousPrice ? price : previousPrice;
    // Rounding is monotone, so the max/min only guard against floating-point ties.
    const high = Math.max(roundPrice(top * (1 + up + 0.5 * up * up)), open, close);
    const low = Math.min(roundPrice(bottom * (1 - down + 0.5 * down * down)), open, close);
    const moveSize = Math.abs(ret) / (totalVol * sd); // ~|N(0,1)|, mean 0.8
    const noise = Math.exp(0.35 * rng.normal() - 0.06125);
    const volume = Math.max(1, Math.round(dayVolume * shape.volume[k] * noise * (0.6 + 0.5 * moveSize)));
    const vwap = Math.round(((open + high + low + close) / 4) * 10_000) / 10_000;
    o[k] = open;
    h[k] = high;
    l[k] = low;
    c[k] = close;
    v[k] = volume;
    w[k] = vwap < low ? low : vwap > high ? high : vwap;
    n[k] = Math.max(1, Math.min(volume, Math.round(volume / tradeSize)));
    open = close;
  }
  st.logPrice = logPrice;
  st.lastClose = c[minutes - 1];
}

function writeMinutes(out: BarColumns, row: number, openNs: bigint, minutes: number, s: Scratch): void {
  let t = openNs;
  for (let k = 0; k < minutes; k++) {
    out.ts[row + k] = t;
    t += MINUTE_NS;
  }
  out.open.set(s.open.subarray(0, minutes), row);
  out.high.set(s.high.subarray(0, minutes), row);
  out.low.set(s.low.subarray(0, minutes), row);
  out.close.set(s.close.subarray(0, minutes), row);
  out.volume.set(s.volume.subarray(0, minutes), row);
  out.vwap.set(s.vwap.subarray(0, minutes), row);
  out.tradeCount.set(s.tradeCount.subarray(0, minutes), row);
}

/** Aggregates a session's minutes into one daily bar, the way a data vendor would. */
function writeDay(out: BarColumns, row: number, tsNs: bigint, minutes: number, s: Scratch): void {
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let notional = 0;
  let trades = 0;
  for (let k = 0; k < minutes; k++) {
    if (s.high[k] > high) high = s.high[k];
    if (s.low[k] < low) low = s.low[k];
    volume += s.volume[k];
    notional += s.vwap[k] * s.volume[k];
    trades += s.tradeCount[k];
  }
  const vwap = Math.round((notional / volume) * 10_000) / 10_000;
  out.ts[row] = tsNs;
  out.open[row] = s.open[0];
  out.high[row] = high;
  out.low[row] = low;
  out.close[row] = s.close[minutes - 1];
  out.volume[row] = volume;
  out.vwap[row] = vwap < low ? low : vwap > high ? high : vwap;
  out.tradeCount[row] = trades;
}

function applyAction(st: SymbolState, a: PlannedAction, exDate: IsoDate): CorporateAction {
  const symbol = st.profile.symbol;
  if (a.kind === 'split') {
    st.logPrice -= Math.log(a.ratio);
    st.shareMultiplier *= a.ratio;
    return { symbol, exDate, kind: 'split', ratio: a.ratio, cash: 0 };
  }
  const cash = a.cash ?? Math.max(0.01, Math.round(st.lastClose * DEFAULT_DIVIDEND_YIELD * 100) / 100);
  if (!(cash < st.lastClose)) {
    throw new RangeError(`dividend of ${cash} on ${symbol} ex ${exDate} is not below the previous close ${st.lastClose}`);
  }
  // Measured against the previous close so the ex-date open is (close − cash) before the overnight move.
  st.logPrice += Math.log((st.lastClose - cash) / st.lastClose);
  return { symbol, exDate, kind: 'dividend', ratio: 1, cash };
}

function planCorporateActions(
  spec: 'default' | 'none' | CorporateAction[],
  sessions: readonly Session[],
  symbols: readonly string[],
  profiles: readonly SymbolProfile[],
  states: SymbolState[],
): void {
  const plan = (symbolIndex: number, sessionIndex: number, action: PlannedAction) => {
    const m = states[symbolIndex].actions;
    const list = m.get(sessionIndex);
    if (list) list.push(action);
    else m.set(sessionIndex, [action]);
  };
  if (spec === 'none') return;
  if (spec === 'default') {
    if (sessions.length < MIN_SESSIONS_FOR_DEFAULT_ACTIONS) return;
    // A forward split suits the priciest stock; a dividend suits the steadiest (lowest beta).
    let splitter = 0;
    for (let i = 1; i < profiles.length; i++) if (profiles[i].startPrice > profiles[splitter].startPrice) splitter = i;
    let payer = -1;
    for (let i = 0; i < profiles.length; i++) {
      if (profiles.length > 1 && i === splitter) continue;
      if (payer < 0 || profiles[i].beta < profiles[payer].beta) payer = i;
    }
    plan(splitter, Math.floor(sessions.length * 0.4), { kind: 'split', ratio: DEFAULT_SPLIT_RATIO, cash: 0 });
    plan(payer, Math.floor(sessions.length * 0.7), { kind: 'dividend', ratio: 1, cash: undefined });
    return;
  }
  if (!Array.isArray(spec)) throw new TypeError(`corporateActions: expected 'default', 'none' or a list`);
  const sessionIndex = new Map(sessions.map((s, i) => [s.date, i]));
  for (const a of spec) {
    const where = `corporateActions: ${a.kind} on ${a.symbol} ex ${a.exDate}`;
    const si = symbols.indexOf(a.symbol);
    if (si < 0) throw new RangeError(`${where}: ${a.symbol} is not one of the generated symbols`);
    const di = sessionIndex.get(a.exDate);
    if (di === undefined || di === 0) throw new RangeError(`${where}: the ex-date must be a session after ${sessions[0].date} and on or before ${sessions[sessions.length - 1].date}`);
    if (a.kind === 'split') {
      if (!(Number.isFinite(a.ratio) && a.ratio > 0 && a.ratio !== 1)) throw new RangeError(`${where}: ratio must be a positive number other than 1`);
      plan(si, di, { kind: 'split', ratio: a.ratio, cash: 0 });
    } else if (a.kind === 'dividend') {
      if (!(Number.isFinite(a.cash) && a.cash > 0)) throw new RangeError(`${where}: cash must be a positive amount`);
      plan(si, di, { kind: 'dividend', ratio: 1, cash: a.cash });
    } else {
      throw new TypeError(`${where}: kind must be 'split' or 'dividend'`);
    }
  }
}
