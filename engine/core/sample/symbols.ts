// Synthetic tickers and the per-symbol parameters they are simulated with.

import { Rng } from '../random';
import type { SymbolProfile } from './types';

/**
 * NATO-alphabet names behind a 'Z', so sample data can never be mistaken for a real listing
 * sitting next to it in the lake (the brief's 'ALFA', 'GOLF', 'INDA' … are or were real tickers).
 */
export const SAMPLE_TICKERS: readonly string[] = [
  'ZALF', 'ZBRV', 'ZCHL', 'ZDLT', 'ZECH', 'ZFXT', 'ZGLF', 'ZHTL', 'ZIND', 'ZJLT', 'ZKLO', 'ZLMA', 'ZMKE',
  'ZNOV', 'ZOSC', 'ZPPA', 'ZQBC', 'ZRMO', 'ZSRA', 'ZTNG', 'ZUNI', 'ZVCT', 'ZWSK', 'ZXRY', 'ZYNK', 'ZZLU',
];

export const DEFAULT_SYMBOL_COUNT = 10;

const TICKER = /^[A-Z][A-Z0-9.]{0,11}$/;

/** The tickers for a symbol count or list, validated. */
export function sampleSymbols(symbols: number | string[] | undefined): string[] {
  if (symbols === undefined) return SAMPLE_TICKERS.slice(0, DEFAULT_SYMBOL_COUNT);
  if (typeof symbols === 'number') {
    if (!Number.isInteger(symbols) || symbols < 1 || symbols > 1000) {
      throw new RangeError(`symbols: expected a whole number from 1 to 1000, got ${symbols}`);
    }
    const out: string[] = [];
    for (let i = 0; i < symbols; i++) out.push(i < SAMPLE_TICKERS.length ? SAMPLE_TICKERS[i] : extraTicker(i));
    return out;
  }
  if (!Array.isArray(symbols) || symbols.length === 0) throw new TypeError('symbols: expected a count or a non-empty list of tickers');
  const seen = new Set<string>();
  for (const s of symbols) {
    if (typeof s !== 'string' || !TICKER.test(s)) throw new TypeError(`symbols: ${JSON.stringify(s)} is not a ticker (A-Z, 0-9, '.')`);
    if (seen.has(s)) throw new TypeError(`symbols: ${s} is listed twice`);
    seen.add(s);
  }
  return symbols.slice();
}

/** 'Z' + three letters counted in base 26 past the named tickers: ZBAA, ZBAB, … */
function extraTicker(i: number): string {
  let n = i - SAMPLE_TICKERS.length + 26 * 26; // start at 'BAA' so no clash with the list above
  let s = '';
  for (let k = 0; k < 3; k++) {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return `Z${s}`;
}

/** A seed as text, tagged by type so that seed 7 and seed '7' stay different markets. */
export function seedKey(seed: number | string): string {
  return typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
}

/**
 * Parameters of one symbol. They come from a stream keyed by (seed, ticker) alone, so a symbol
 * looks the same whichever other symbols are generated with it.
 */
export function symbolProfile(seed: number | string, symbol: string): SymbolProfile {
  const rng = new Rng(`${seedKey(seed)}/profile/${symbol}`);
  return Object.freeze({
    symbol,
    beta: rng.uniform(0.6, 1.5),
    idioVolDaily: rng.uniform(0.007, 0.016),
    alphaAnnual: rng.normal(0, 0.04),
    startPrice: roundCents(Math.exp(rng.uniform(Math.log(15), Math.log(400)))),
    meanDailyVolume: Math.round(Math.exp(rng.uniform(Math.log(500_000), Math.log(20_000_000)))),
  });
}

function roundCents(x: number): number {
  return Math.round(x * 100) / 100;
}
