// Intraday seasonality of the sample market: how volume and volatility are spread over a session.
// Both are U-shaped in real US equities: heavy at the open, quiet at lunch, heaviest into the close.

/** Minutes in a full regular session (09:30–16:00). */
export const FULL_SESSION_MINUTES = 390;

/** Share of a day's return variance that arrives overnight, between one close and the next open. */
export const OVERNIGHT_VARIANCE_SHARE = 0.2;

/** Relative volume intensity at fraction x ∈ (0, 1) of the session. */
export function volumeIntensity(x: number): number {
  return 0.55 + 1.8 * Math.exp(-x / 0.05) + 2.6 * Math.exp(-(1 - x) / 0.035);
}

/** Relative return-variance intensity at fraction x of the session; milder than volume's U. */
export function varianceIntensity(x: number): number {
  return 0.7 + 1.4 * Math.exp(-x / 0.04) + 0.4 * Math.exp(-(1 - x) / 0.05);
}

/** Per-minute weights for a session of a given length. */
export interface SessionShape {
  readonly minutes: number;
  /**
   * Per-minute share of a full day's volume. Sums to minutes/390, so an early-close day trades
   * proportionally less, and the U spans whatever session there is.
   */
  readonly volume: Float64Array;
  /**
   * Per-minute standard deviation as a fraction of the daily one: the squares sum to
   * (1 − overnight share) × minutes/390.
   */
  readonly sd: Float64Array;
}

const shapes = new Map<number, SessionShape>();

/** Cached: sessions come in only a handful of lengths (390, 210, …). */
export function sessionShape(minutes: number): SessionShape {
  let s = shapes.get(minutes);
  if (s) return s;
  const volume = new Float64Array(minutes);
  const sd = new Float64Array(minutes);
  let volSum = 0;
  let varSum = 0;
  for (let k = 0; k < minutes; k++) {
    const x = (k + 0.5) / minutes;
    volume[k] = volumeIntensity(x);
    sd[k] = varianceIntensity(x);
    volSum += volume[k];
    varSum += sd[k];
  }
  const length = minutes / FULL_SESSION_MINUTES;
  const intradayVariance = (1 - OVERNIGHT_VARIANCE_SHARE) * length;
  for (let k = 0; k < minutes; k++) {
    volume[k] = (volume[k] / volSum) * length;
    sd[k] = Math.sqrt((sd[k] / varSum) * intradayVariance);
  }
  s = Object.freeze({ minutes, volume, sd });
  shapes.set(minutes, s);
  return s;
}
