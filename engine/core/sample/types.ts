// Options and result of the deterministic sample-market generator.

import type { IsoDate, Session } from '../calendar';
import type { BarColumns, CorporateAction } from '../data/bars';
import type { Seed } from '../random';

export type SampleTimeframe = '1Min' | '1Day';

export interface SampleOptions {
  /** First and last session date to cover, 'YYYY-MM-DD', both inclusive (NYSE calendar, 1990–2035). */
  from: IsoDate;
  to: IsoDate;
  seed: Seed;
  timeframe: SampleTimeframe;
  /** How many synthetic symbols (default 10), or their exact tickers. */
  symbols?: number | string[];
  /**
   * 'default' (the default): one 4:1 split and one cash dividend on chosen symbols, when the range
   * has at least 10 sessions. 'none': no actions. Or an explicit list; each ex-date must be a
   * session in the range after its first one.
   */
  corporateActions?: 'default' | 'none' | CorporateAction[];
}

/** The hidden parameters a symbol was generated with; handy for checking estimators. */
export interface SymbolProfile {
  readonly symbol: string;
  /** Loading on the common market factor. */
  readonly beta: number;
  /** Daily standard deviation of the stock-specific log return in the calm regime. */
  readonly idioVolDaily: number;
  /** Stock-specific drift, annualised log return. */
  readonly alphaAnnual: number;
  /** Price at the first open (raw). */
  readonly startPrice: number;
  /** Mean regular-session volume in shares on a calm full day, before any split. */
  readonly meanDailyVolume: number;
}

export const REGIME_CALM = 0;
export const REGIME_TURBULENT = 1;

export interface SampleMarket {
  readonly seed: Seed;
  readonly timeframe: SampleTimeframe;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly symbols: readonly string[];
  /** One columnar block per symbol, in `symbols` order, raw (unadjusted) prices. */
  readonly bars: BarColumns[];
  /** Splits and dividends reflected in the raw prices, by ex-date. */
  readonly corporateActions: CorporateAction[];
  readonly profiles: readonly SymbolProfile[];
  /** The NYSE sessions covered, in order. */
  readonly sessions: readonly Session[];
  /** Volatility regime of each session (REGIME_CALM or REGIME_TURBULENT), aligned with `sessions`. */
  readonly regimes: Uint8Array;
}
