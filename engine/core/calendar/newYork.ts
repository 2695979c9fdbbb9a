// America/New_York wall time <-> UTC instants, from the US daylight-saving rules written out as
// arithmetic. The exchange calendar must give the same answer on every machine, so it cannot
// depend on whichever tz database the host (or a browser) ships.

import { MS_PER_DAY, type IsoDate, civilFromDays, formatIsoDate, lastWeekdayOfMonth, nthWeekdayOfMonth, parseIsoDate } from './dates';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const NS_PER_MS = 1_000_000n;

/** UTC offsets of New York in minutes: standard time (EST) and daylight time (EDT). */
export const EST_OFFSET_MINUTES = -300;
export const EDT_OFFSET_MINUTES = -240;

/** The earliest year whose rules are encoded; 1974-75 had wartime-style exceptions. */
export const FIRST_DST_RULE_YEAR = 1976;

const SUNDAY = 0;

/**
 * The UTC instants at which daylight time starts and ends in New York in `year`.
 * Both switches happen at 02:00 local time: 02:00 EST = 07:00 UTC in spring, 02:00 EDT = 06:00 UTC
 * in autumn.
 *   - 2007 onward (Energy Policy Act of 2005): second Sunday of March to first Sunday of November.
 *   - 1987–2006: first Sunday of April to last Sunday of October.
 *   - 1976–1986: last Sunday of April to last Sunday of October.
 * Later years assume the 2007 rule still holds.
 */
export function usDaylightTimeUtcMs(year: number): { startMs: number; endMs: number } {
  if (!Number.isInteger(year) || year < FIRST_DST_RULE_YEAR) {
    throw new RangeError(`US daylight-saving rules are encoded from ${FIRST_DST_RULE_YEAR}; got ${year}`);
  }
  let startDay: number;
  let endDay: number;
  if (year >= 2007) {
    startDay = nthWeekdayOfMonth(year, 3, SUNDAY, 2);
    endDay = nthWeekdayOfMonth(year, 11, SUNDAY, 1);
  } else if (year >= 1987) {
    startDay = nthWeekdayOfMonth(year, 4, SUNDAY, 1);
    endDay = lastWeekdayOfMonth(year, 10, SUNDAY);
  } else {
    startDay = lastWeekdayOfMonth(year, 4, SUNDAY);
    endDay = lastWeekdayOfMonth(year, 10, SUNDAY);
  }
  return { startMs: startDay * MS_PER_DAY + 7 * MS_PER_HOUR, endMs: endDay * MS_PER_DAY + 6 * MS_PER_HOUR };
}

// The DST window of a year is asked for on every conversion; caching it keeps the hot path to a
// couple of comparisons.
const dstCache = new Map<number, { startMs: number; endMs: number }>();

function dstWindow(year: number): { startMs: number; endMs: number } {
  let w = dstCache.get(year);
  if (!w) {
    w = usDaylightTimeUtcMs(year);
    dstCache.set(year, w);
  }
  return w;
}

/** New York's UTC offset in minutes at a UTC instant (-300 in winter, -240 in summer). */
export function newYorkOffsetMinutes(utcMs: number): number {
  // The UTC year equals the local year at both switch instants (March/November), so it picks the
  // right rule even for the few hours around New Year where UTC and New York disagree.
  const year = civilFromDays(Math.floor(utcMs / MS_PER_DAY)).year;
  const { startMs, endMs } = dstWindow(year);
  return utcMs >= startMs && utcMs < endMs ? EDT_OFFSET_MINUTES : EST_OFFSET_MINUTES;
}

/** A wall-clock reading in New York. */
export interface NewYorkWallTime {
  date: IsoDate;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** UTC offset in force, in minutes (-300 EST, -240 EDT). */
  offsetMinutes: number;
}

/**
 * UTC epoch milliseconds of a New York wall time. Wall times that do not exist (02:00–02:59 on
 * the spring-forward Sunday) move forward by an hour; wall times that occur twice (01:00–01:59 on
 * the fall-back Sunday) resolve to the first, daylight-time occurrence. This is the
 * "compatible" disambiguation of Temporal and of most tz libraries. Fields may overflow
 * (minute 570 is 09:30), which keeps minute-of-day arithmetic simple for callers.
 */
export function newYorkToUtcMs(date: IsoDate, hour = 0, minute = 0, second = 0, millisecond = 0): number {
  const localAsUtc =
    parseIsoDate(date) * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000 + millisecond;
  const asDaylight = localAsUtc - EDT_OFFSET_MINUTES * MS_PER_MINUTE;
  if (newYorkOffsetMinutes(asDaylight) === EDT_OFFSET_MINUTES) return asDaylight;
  return localAsUtc - EST_OFFSET_MINUTES * MS_PER_MINUTE;
}

/** {@link newYorkToUtcMs} in nanoseconds, the engine's timestamp unit. */
export function newYorkToUtcNs(date: IsoDate, hour = 0, minute = 0, second = 0, millisecond = 0): bigint {
  return BigInt(newYorkToUtcMs(date, hour, minute, second, millisecond)) * NS_PER_MS;
}

/** The New York wall time at a UTC instant given in epoch milliseconds. */
export function utcMsToNewYork(utcMs: number): NewYorkWallTime {
  const offsetMinutes = newYorkOffsetMinutes(utcMs);
  const local = utcMs + offsetMinutes * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  let rest = local - day * MS_PER_DAY;
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / 1000);
  return { date: formatIsoDate(day), hour, minute, second, millisecond: rest - second * 1000, offsetMinutes };
}

/** The New York wall time at a UTC instant given in epoch nanoseconds (sub-ms part dropped). */
export function utcNsToNewYork(utcNs: bigint): NewYorkWallTime {
  return utcMsToNewYork(nsToMs(utcNs));
}

/** The New York calendar date containing a UTC instant (epoch nanoseconds). */
export function newYorkDateOfNs(utcNs: bigint): IsoDate {
  return utcNsToNewYork(utcNs).date;
}

/** Epoch nanoseconds to epoch milliseconds, rounding toward minus infinity (also before 1970). */
export function nsToMs(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q);
}

export function msToNs(ms: number): bigint {
  if (!Number.isInteger(ms)) throw new RangeError(`expected whole milliseconds, got ${ms}`);
  return BigInt(ms) * NS_PER_MS;
}
