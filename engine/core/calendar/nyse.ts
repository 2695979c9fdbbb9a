// The NYSE regular-session calendar for 1990–2035, derived from the exchange's holiday and
// early-close rules (plus a short table of one-off events), so backtests, the simulator and the
// sample data all agree on which minutes the market was open.
//
// Rules encoded (all times America/New_York):
//   Regular session 09:30–16:00, Monday to Friday.
//   Full-day holidays:
//     New Year's Day      Jan 1; a Sunday moves to Monday. A Saturday Jan 1 is NOT observed on the
//                         Friday before (NYSE Rule 7.2 exempts the end of an accounting year), so
//                         e.g. 2021-12-31 and 2010-12-31 were ordinary sessions.
//     Martin Luther King  third Monday of January, observed from 1998.
//     Washington's Bday   third Monday of February ("Presidents Day").
//     Good Friday         two days before Western Easter (closed every year in range).
//     Memorial Day        last Monday of May.
//     Juneteenth          June 19, observed from 2022.
//     Independence Day    July 4.
//     Labor Day           first Monday of September.
//     Thanksgiving        fourth Thursday of November.
//     Christmas           December 25.
//     Fixed-date holidays other than New Year's move Saturday -> Friday and Sunday -> Monday.
//   One-off closures: see SPECIAL_CLOSURES.
//   Early closes (13:00 from 1993, 14:00 before — the NYSE's early-close time changed in 1993):
//     Christmas Eve        Dec 24 when Monday–Thursday (a Friday Dec 24 is the Christmas holiday).
//     Day after Thanksgiving  from 1992 (14:00 in 1992, 13:00 after).
//     Independence Day     from 1995: July 3 when it is a Monday, Tuesday or Thursday; July 3 also
//                          when a Wednesday from 2013; before 2013 a Thursday July 4 made Friday
//                          July 5 the short day instead (1996–2012). A July 4 on a weekend gives no
//                          early close (e.g. 2015-07-02 and 2021-07-02 were full days).
//     Dec 26 1997 and Dec 26 2003 (Fridays after a Thursday Christmas) closed at 13:00; Dec 26 2008,
//     2014 and 2025 were full days.
//   Irregular hours from weather or market events: see IRREGULAR_HOURS.
// One-off closures are those known through 2025; later years follow the rules alone.
// Left out on purpose: the one-to-three-minute late opens for moments of silence (e.g. 2001-09-17
// 09:33, 2004-06-07 09:32), the 2005-06-01 15:56 systems close, and 1999-12-31, whose 13:00 close
// some calendars list and the NYSE closings history does not.

import {
  type EpochDay,
  type IsoDate,
  daysFromCivil,
  easterSunday,
  formatIsoDate,
  lastWeekdayOfMonth,
  nthWeekdayOfMonth,
  parseIsoDate,
  weekdayOf,
} from './dates';
import { NS_PER_MS, newYorkToUtcMs } from './newYork';

export const NYSE_FIRST_YEAR = 1990;
export const NYSE_LAST_YEAR = 2035;
export const NYSE_TIME_ZONE = 'America/New_York';

/** Regular session hours in minutes after local midnight. */
export const REGULAR_OPEN_MINUTE = 9 * 60 + 30;
export const REGULAR_CLOSE_MINUTE = 16 * 60;

/** One trading session (a day the exchange was open) with its UTC open and close instants. */
export interface Session {
  /** The session's New York calendar date. */
  readonly date: IsoDate;
  /** Opening instant, UTC epoch nanoseconds. */
  readonly openNs: bigint;
  /** Closing instant, UTC epoch nanoseconds; the session is the half-open interval [open, close). */
  readonly closeNs: bigint;
  /** The session ended before 16:00 ET. */
  readonly earlyClose: boolean;
  /** The session started after 09:30 ET (weather or market events only). */
  readonly lateOpen: boolean;
}

/** A weekday on which the exchange was closed. */
export interface Holiday {
  readonly date: IsoDate;
  readonly name: string;
}

/** Exchange calendars share this shape so callers (clock, simulator, generator) can take any. */
export interface TradingCalendar {
  readonly name: string;
  readonly timeZone: string;
  sessionsBetween(fromDate: IsoDate, toDate: IsoDate): Session[];
  sessionFor(date: IsoDate): Session | undefined;
  sessionAt(tNs: bigint): Session | undefined;
  isOpen(tNs: bigint): boolean;
  isHoliday(date: IsoDate): boolean;
  nextSession(date: IsoDate): Session | undefined;
  previousSession(date: IsoDate): Session | undefined;
}

const SPECIAL_CLOSURES: ReadonlyArray<readonly [IsoDate, string]> = [
  ['1994-04-27', 'National Day of Mourning for President Richard Nixon'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National Day of Mourning for President Ronald Reagan'],
  ['2007-01-02', 'National Day of Mourning for President Gerald Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning for President George H. W. Bush'],
  ['2025-01-09', 'National Day of Mourning for President Jimmy Carter'],
];

/** Sessions whose hours were cut by weather or market events: [date, open, close] in ET minutes. */
const IRREGULAR_HOURS: ReadonlyArray<readonly [IsoDate, number, number]> = [
  ['1994-02-11', REGULAR_OPEN_MINUTE, 14 * 60 + 30], // snowstorm
  ['1996-01-08', 11 * 60, 14 * 60], // blizzard
  ['1997-10-27', REGULAR_OPEN_MINUTE, 15 * 60 + 30], // market-wide circuit breaker
  ['2002-09-11', 12 * 60, REGULAR_CLOSE_MINUTE], // first anniversary of September 11
];

const AD_HOC_EARLY_CLOSES: readonly IsoDate[] = ['1997-12-26', '2003-12-26'];

const SUNDAY = 0;
const MONDAY = 1;
const TUESDAY = 2;
const WEDNESDAY = 3;
const THURSDAY = 4;
const FRIDAY = 5;
const SATURDAY = 6;

/** Saturday -> Friday, Sunday -> Monday: how the NYSE observes fixed-date holidays. */
function observed(day: EpochDay): EpochDay {
  const wd = weekdayOf(day);
  if (wd === SATURDAY) return day - 1;
  if (wd === SUNDAY) return day + 1;
  return day;
}

function holidaysOfYear(year: number, out: Map<EpochDay, string>): void {
  const add = (day: EpochDay, name: string) => out.set(day, name);
  const addFixed = (month: number, dayOfMonth: number, name: string) => {
    const actual = daysFromCivil(year, month, dayOfMonth);
    const obs = observed(actual);
    add(obs, obs === actual ? name : `${name} (observed)`);
  };

  const newYear = daysFromCivil(year, 1, 1);
  const newYearWd = weekdayOf(newYear);
  if (newYearWd === SUNDAY) add(newYear + 1, "New Year's Day (observed)");
  else if (newYearWd !== SATURDAY) add(newYear, "New Year's Day");

  if (year >= 1998) add(nthWeekdayOfMonth(year, 1, MONDAY, 3), 'Martin Luther King Jr. Day');
  add(nthWeekdayOfMonth(year, 2, MONDAY, 3), "Washington's Birthday");
  add(easterSunday(year) - 2, 'Good Friday');
  add(lastWeekdayOfMonth(year, 5, MONDAY), 'Memorial Day');
  if (year >= 2022) addFixed(6, 19, 'Juneteenth National Independence Day');
  addFixed(7, 4, 'Independence Day');
  add(nthWeekdayOfMonth(year, 9, MONDAY, 1), 'Labor Day');
  add(nthWeekdayOfMonth(year, 11, THURSDAY, 4), 'Thanksgiving Day');
  addFixed(12, 25, 'Christmas Day');
}

/** Early-close minute (ET) for a weekday that is not a holiday, or undefined for a full day. */
function earlyCloseMinute(year: number, day: EpochDay, adHoc: ReadonlySet<EpochDay>): number | undefined {
  const short = year >= 1993 ? 13 * 60 : 14 * 60;
  const wd = weekdayOf(day);
  if (adHoc.has(day)) return 13 * 60;
  if (day === daysFromCivil(year, 12, 24) && wd >= MONDAY && wd <= THURSDAY) return short;
  if (year >= 1992 && day === nthWeekdayOfMonth(year, 11, THURSDAY, 4) + 1) return short;
  if (year >= 1995) {
    if (day === daysFromCivil(year, 7, 3)) {
      if (wd === MONDAY || wd === TUESDAY || wd === THURSDAY) return short;
      if (wd === WEDNESDAY && year >= 2013) return short;
    }
    if (day === daysFromCivil(year, 7, 5) && wd === FRIDAY && year >= 1996 && year <= 2012) return short;
  }
  return undefined;
}

interface CalendarTable {
  /** Epoch day of every session, ascending. */
  days: Int32Array;
  openNs: BigInt64Array;
  sessions: Session[];
  holidays: Map<EpochDay, string>;
  firstDay: EpochDay;
  lastDay: EpochDay;
}

let table: CalendarTable | undefined;

// Built once on first use (about 11,600 sessions); every query is then a lookup or a binary search.
function getTable(): CalendarTable {
  if (table) return table;
  const firstDay = daysFromCivil(NYSE_FIRST_YEAR, 1, 1);
  const lastDay = daysFromCivil(NYSE_LAST_YEAR, 12, 31);
  const holidays = new Map<EpochDay, string>();
  for (let y = NYSE_FIRST_YEAR; y <= NYSE_LAST_YEAR; y++) holidaysOfYear(y, holidays);
  for (const [date, name] of SPECIAL_CLOSURES) holidays.set(parseIsoDate(date), name);
  const irregular = new Map(IRREGULAR_HOURS.map(([d, open, close]) => [parseIsoDate(d), [open, close] as const]));
  const adHoc = new Set(AD_HOC_EARLY_CLOSES.map(parseIsoDate));

  const sessions: Session[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const wd = weekdayOf(day);
    if (wd === SATURDAY || wd === SUNDAY || holidays.has(day)) continue;
    const date = formatIsoDate(day);
    const year = Number(date.slice(0, 4));
    const hours = irregular.get(day);
    const openMinute = hours ? hours[0] : REGULAR_OPEN_MINUTE;
    const closeMinute = hours ? hours[1] : earlyCloseMinute(year, day, adHoc) ?? REGULAR_CLOSE_MINUTE;
    sessions.push(
      Object.freeze({
        date,
        openNs: BigInt(newYorkToUtcMs(date, 0, openMinute)) * NS_PER_MS,
        closeNs: BigInt(newYorkToUtcMs(date, 0, closeMinute)) * NS_PER_MS,
        earlyClose: closeMinute < REGULAR_CLOSE_MINUTE,
        lateOpen: openMinute > REGULAR_OPEN_MINUTE,
      }),
    );
  }
  table = {
    days: Int32Array.from(sessions, (s) => parseIsoDate(s.date)),
    openNs: BigInt64Array.from(sessions, (s) => s.openNs),
    sessions,
    holidays,
    firstDay,
    lastDay,
  };
  return table;
}

function dayInRange(date: IsoDate): EpochDay {
  const t = getTable();
  const day = parseIsoDate(date);
  if (day < t.firstDay || day > t.lastDay) {
    throw new RangeError(`${date} is outside the NYSE calendar's range ${NYSE_FIRST_YEAR}-01-01..${NYSE_LAST_YEAR}-12-31`);
  }
  return day;
}

/** Index of the first session whose day is >= `day`. */
function lowerBound(days: Int32Array, day: EpochDay): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid] < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sessions whose date lies in [fromDate, toDate], both inclusive, in date order. */
export function sessionsBetween(fromDate: IsoDate, toDate: IsoDate): Session[] {
  const from = dayInRange(fromDate);
  const to = dayInRange(toDate);
  if (to < from) throw new RangeError(`sessionsBetween: toDate ${toDate} is before fromDate ${fromDate}`);
  const t = getTable();
  return t.sessions.slice(lowerBound(t.days, from), lowerBound(t.days, to + 1));
}

/** The session on `date`, or undefined when the exchange is closed that day. */
export function sessionFor(date: IsoDate): Session | undefined {
  const day = dayInRange(date);
  const t = getTable();
  const i = lowerBound(t.days, day);
  return t.days[i] === day ? t.sessions[i] : undefined;
}

/** True when `date` is a trading day. */
export function isSessionDate(date: IsoDate): boolean {
  return sessionFor(date) !== undefined;
}

/**
 * The session in progress at `tNs` (UTC epoch ns), i.e. open <= t < close, or undefined.
 * Instants outside the calendar's years are simply not in a session.
 */
export function sessionAt(tNs: bigint): Session | undefined {
  const t = getTable();
  let lo = 0;
  let hi = t.openNs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.openNs[mid] <= tNs) lo = mid + 1;
    else hi = mid;
  }
  const s = lo > 0 ? t.sessions[lo - 1] : undefined;
  return s && tNs < s.closeNs ? s : undefined;
}

/** True when the regular session is in progress at `tNs`; the close instant itself is closed. */
export function isOpen(tNs: bigint): boolean {
  return sessionAt(tNs) !== undefined;
}

/** The first session strictly after `date` (which need not be a trading day), or undefined past 2035. */
export function nextSession(date: IsoDate): Session | undefined {
  const day = dayInRange(date);
  const t = getTable();
  return t.sessions[lowerBound(t.days, day + 1)];
}

/** The last session strictly before `date`, or undefined before 1990. */
export function previousSession(date: IsoDate): Session | undefined {
  const day = dayInRange(date);
  const t = getTable();
  const i = lowerBound(t.days, day) - 1;
  return i >= 0 ? t.sessions[i] : undefined;
}

/**
 * True when the exchange is closed on a weekday: a holiday (as observed) or a one-off closure.
 * Weekends are not holidays; a holiday falling on a Saturday that is not observed (New Year's Day)
 * leaves no holiday at all.
 */
export function isHoliday(date: IsoDate): boolean {
  return getTable().holidays.has(dayInRange(date));
}

/** The holiday's name (e.g. 'Juneteenth National Independence Day (observed)'), or undefined. */
export function holidayName(date: IsoDate): string | undefined {
  return getTable().holidays.get(dayInRange(date));
}

/** Holidays and one-off closures in [fromDate, toDate], in date order. */
export function holidaysBetween(fromDate: IsoDate, toDate: IsoDate): Holiday[] {
  const from = dayInRange(fromDate);
  const to = dayInRange(toDate);
  const out: Holiday[] = [];
  for (const [day, name] of getTable().holidays) {
    if (day >= from && day <= to) out.push({ date: formatIsoDate(day), name });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The NYSE calendar as a value, for code that takes a {@link TradingCalendar}. */
export const nyseCalendar: TradingCalendar = Object.freeze({
  name: 'NYSE',
  timeZone: NYSE_TIME_ZONE,
  sessionsBetween,
  sessionFor,
  sessionAt,
  isOpen,
  isHoliday,
  nextSession,
  previousSession,
});
