import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoDate, parseIsoDate, weekdayOf } from './dates';
import { utcNsToNewYork } from './newYork';
import {
  holidayName,
  holidaysBetween,
  isHoliday,
  isOpen,
  isSessionDate,
  nextSession,
  nyseCalendar,
  previousSession,
  sessionAt,
  sessionFor,
  sessionsBetween,
} from './nyse';

const utc = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
const MINUTE = 60_000_000_000n;

function session(date: string) {
  const s = sessionFor(date);
  if (!s) throw new Error(`expected a session on ${date}`);
  return s;
}

describe('NYSE sessions', () => {
  it('has 252 sessions in 2024 and 250 in 2023, as the exchange published', () => {
    expect(sessionsBetween('2024-01-01', '2024-12-31')).toHaveLength(252);
    expect(sessionsBetween('2023-01-01', '2023-12-31')).toHaveLength(250);
  });

  it('counts the years shortened by one-off closures', () => {
    const count = (y: number) => sessionsBetween(`${y}-01-01`, `${y}-12-31`).length;
    expect(count(2001)).toBe(248); // closed 11–14 September
    expect(count(2012)).toBe(250); // Hurricane Sandy
    expect(count(2018)).toBe(251); // President Bush's funeral
    expect(count(2020)).toBe(253);
    expect(count(2021)).toBe(252);
    expect(count(2022)).toBe(251);
    expect(count(2025)).toBe(250); // President Carter's funeral
  });

  it('observes Juneteenth from 2022, moved off the weekend', () => {
    expect(sessionFor('2022-06-20')).toBeUndefined();
    expect(holidayName('2022-06-20')).toBe('Juneteenth National Independence Day (observed)');
    expect(isSessionDate('2021-06-18')).toBe(true); // not yet an exchange holiday in 2021
    expect(isHoliday('2024-06-19')).toBe(true);
    expect(isHoliday('2027-06-18')).toBe(true); // Saturday the 19th -> Friday
  });

  it('moves Christmas and Independence Day to the nearest weekday', () => {
    expect(isHoliday('2021-12-24')).toBe(true); // Christmas on a Saturday
    expect(isHoliday('2022-12-26')).toBe(true); // Christmas on a Sunday
    expect(isHoliday('2020-07-03')).toBe(true); // July 4th on a Saturday
    expect(isHoliday('2021-07-05')).toBe(true); // July 4th on a Sunday
  });

  it("does not close the Friday before a Saturday New Year's Day", () => {
    expect(isSessionDate('2021-12-31')).toBe(true);
    expect(isSessionDate('2010-12-31')).toBe(true);
    expect(isHoliday('2022-01-03')).toBe(false);
    expect(isHoliday('2023-01-02')).toBe(true); // Sunday Jan 1 moves to Monday
  });

  it('adds Martin Luther King Jr. Day from 1998 and closes on Good Friday', () => {
    expect(isSessionDate('1997-01-20')).toBe(true);
    expect(isHoliday('1998-01-19')).toBe(true);
    expect(holidayName('2024-03-29')).toBe('Good Friday');
    expect(isHoliday('2023-04-07')).toBe(true);
    expect(isHoliday('2015-04-03')).toBe(true); // closed despite the jobs report
  });

  it('closes for the one-off events', () => {
    for (const d of ['1994-04-27', '2001-09-11', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(sessionFor(d), d).toBeUndefined();
      expect(isHoliday(d), d).toBe(true);
    }
    expect(isSessionDate('2001-09-17')).toBe(true);
  });

  it('lists the holidays of 2024 by name', () => {
    expect(holidaysBetween('2024-01-01', '2024-12-31').map((h) => h.date)).toEqual([
      '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25',
    ]);
  });

  it('closes at 13:00 ET on the short days of 2024', () => {
    expect(utc(session('2024-11-29').closeNs)).toBe('2024-11-29T18:00:00.000Z'); // EST
    expect(utc(session('2024-12-24').closeNs)).toBe('2024-12-24T18:00:00.000Z');
    expect(utc(session('2024-07-03').closeNs)).toBe('2024-07-03T17:00:00.000Z'); // EDT
    expect(session('2024-07-03').earlyClose).toBe(true);
    expect(sessionsBetween('2024-01-01', '2024-12-31').filter((s) => s.earlyClose).map((s) => s.date)).toEqual([
      '2024-07-03', '2024-11-29', '2024-12-24',
    ]);
  });

  it('follows the historic early-close rules around Independence Day and before 1993', () => {
    expect(session('2002-07-05').earlyClose).toBe(true); // before 2013: the Friday after a Thursday July 4th
    expect(session('2019-07-05').earlyClose).toBe(false); // since 2013: the Wednesday before instead
    expect(session('2019-07-03').earlyClose).toBe(true);
    expect(session('2013-07-03').earlyClose).toBe(true);
    expect(session('2015-07-02').earlyClose).toBe(false); // July 4th on a Saturday: no short day
    expect(session('1994-07-01').earlyClose).toBe(false); // rule starts in 1995
    expect(session('1991-11-29').earlyClose).toBe(false); // day after Thanksgiving: from 1992
    expect(utc(session('1992-11-27').closeNs)).toBe('1992-11-27T19:00:00.000Z'); // 14:00 EST before 1993
    expect(utc(session('1991-12-24').closeNs)).toBe('1991-12-24T19:00:00.000Z');
    expect(session('2003-12-26').earlyClose).toBe(true);
    expect(session('2008-12-26').earlyClose).toBe(false);
  });

  it('keeps 09:30 ET across DST changes, so the UTC open moves by an hour', () => {
    expect(utc(session('2024-03-08').openNs)).toBe('2024-03-08T14:30:00.000Z');
    expect(sessionFor('2024-03-10')).toBeUndefined(); // the switch itself is on a Sunday
    expect(utc(session('2024-03-11').openNs)).toBe('2024-03-11T13:30:00.000Z');
    expect(utc(session('2024-11-01').openNs)).toBe('2024-11-01T13:30:00.000Z');
    expect(utc(session('2024-11-04').openNs)).toBe('2024-11-04T14:30:00.000Z');
    // Under the 1987–2006 rules DST started on the first Sunday of April.
    expect(utc(session('2006-03-31').openNs)).toBe('2006-03-31T14:30:00.000Z');
    expect(utc(session('2006-04-03').openNs)).toBe('2006-04-03T13:30:00.000Z');
  });

  it('is open from the opening instant up to, but not at, the close', () => {
    const s = session('2024-03-11');
    expect(isOpen(s.openNs - 1n)).toBe(false);
    expect(isOpen(s.openNs)).toBe(true);
    expect(isOpen(s.closeNs - 1n)).toBe(true);
    expect(isOpen(s.closeNs)).toBe(false);
    expect(sessionAt(s.openNs + 90n * MINUTE)).toBe(s);
    const short = session('2024-11-29');
    expect(isOpen(short.closeNs - 1n)).toBe(true);
    expect(isOpen(short.closeNs + 60n * MINUTE)).toBe(false); // 14:00 ET on a short day
    expect(isOpen(BigInt(Date.parse('2024-12-25T15:00:00Z')) * 1_000_000n)).toBe(false);
    expect(isOpen(BigInt(Date.parse('2024-03-09T15:00:00Z')) * 1_000_000n)).toBe(false); // Saturday
    expect(isOpen(0n)).toBe(false); // 1970: outside the calendar, not an error
  });

  it('steps to the next and previous sessions over weekends and holidays', () => {
    expect(nextSession('2024-12-24')?.date).toBe('2024-12-26');
    expect(nextSession('2024-03-28')?.date).toBe('2024-04-01'); // over Good Friday and the weekend
    expect(nextSession('2024-03-09')?.date).toBe('2024-03-11'); // from a Saturday
    expect(previousSession('2024-01-02')?.date).toBe('2023-12-29');
    expect(previousSession('2024-07-05')?.date).toBe('2024-07-03');
    expect(previousSession('1990-01-01')).toBeUndefined();
    expect(nextSession('2035-12-31')).toBeUndefined();
  });

  it('refuses dates it cannot answer for rather than guessing', () => {
    expect(() => sessionFor('1989-12-29')).toThrow(RangeError);
    expect(() => sessionsBetween('2024-01-01', '2036-01-02')).toThrow(RangeError);
    expect(() => sessionsBetween('2024-02-01', '2024-01-01')).toThrow(RangeError);
    expect(() => sessionFor('2024/01/02')).toThrow(TypeError);
  });

  it('serves the same answers through the TradingCalendar value', () => {
    expect(nyseCalendar.sessionsBetween('2024-01-01', '2024-01-31')).toEqual(sessionsBetween('2024-01-01', '2024-01-31'));
    expect(nyseCalendar.timeZone).toBe('America/New_York');
  });

  it('has between 248 and 254 sessions and 0–5 short days in every year 1990–2035', () => {
    for (let y = 1990; y <= 2035; y++) {
      const s = sessionsBetween(`${y}-01-01`, `${y}-12-31`);
      expect(s.length, String(y)).toBeGreaterThanOrEqual(248);
      expect(s.length, String(y)).toBeLessThanOrEqual(254);
      expect(s.filter((x) => x.earlyClose).length, String(y)).toBeLessThanOrEqual(5);
    }
  });
});

const FIRST = parseIsoDate('1990-01-01');
const LAST = parseIsoDate('2035-12-31');

describe('NYSE session invariants (property-based)', () => {
  it('any range yields ordered weekday sessions that open at or after 09:30 ET and close by 16:00 ET', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST, max: LAST }), fc.integer({ min: 0, max: 400 }), (start, span) => {
        const end = Math.min(LAST, start + span);
        const sessions = sessionsBetween(formatIsoDate(start), formatIsoDate(end));
        const dates = new Set(sessions.map((s) => s.date));
        // Collect problems rather than calling expect() per session: it keeps 200 runs fast.
        const problems: string[] = [];
        for (let i = 0; i < sessions.length; i++) {
          const s = sessions[i];
          const wd = weekdayOf(parseIsoDate(s.date));
          if (wd === 0 || wd === 6) problems.push(`${s.date} is a weekend session`);
          if (!(s.openNs < s.closeNs)) problems.push(`${s.date} closes before it opens`);
          if (i > 0 && !(sessions[i - 1].closeNs < s.openNs)) problems.push(`${s.date} overlaps the previous session`);
          const open = utcNsToNewYork(s.openNs);
          const close = utcNsToNewYork(s.closeNs);
          if (open.date !== s.date || close.date !== s.date) problems.push(`${s.date} has hours on another date`);
          const openMinute = open.hour * 60 + open.minute;
          const closeMinute = close.hour * 60 + close.minute;
          if ((openMinute === 570) === s.lateOpen) problems.push(`${s.date} opens at minute ${openMinute}, lateOpen=${s.lateOpen}`);
          if ((closeMinute === 960) === s.earlyClose) problems.push(`${s.date} closes at minute ${closeMinute}, earlyClose=${s.earlyClose}`);
          if (closeMinute > 960 || openMinute < 570) problems.push(`${s.date} trades outside 09:30–16:00`);
        }
        // Every weekday in the range is either a session or a named holiday, never both.
        for (let d = start; d <= end; d++) {
          const wd = weekdayOf(d);
          if (wd === 0 || wd === 6) continue;
          const date = formatIsoDate(d);
          if (dates.has(date) === isHoliday(date)) problems.push(`${date} is both or neither a session and a holiday`);
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('isOpen(t) holds exactly when New York wall time is inside that date’s session hours', () => {
    const fromNs = BigInt(Date.UTC(1990, 0, 2)) * 1_000_000n;
    const toNs = BigInt(Date.UTC(2035, 11, 30)) * 1_000_000n;
    fc.assert(
      fc.property(fc.bigInt({ min: fromNs, max: toNs }), (t) => {
        const wall = utcNsToNewYork(t);
        const s = sessionFor(wall.date);
        const expected = s !== undefined && t >= s.openNs && t < s.closeNs;
        expect(isOpen(t)).toBe(expected);
        if (expected) expect(wall.hour * 60 + wall.minute).toBeGreaterThanOrEqual(570);
      }),
      { numRuns: 3000 },
    );
  });

  it('next/previous session are inverse steps through the session list', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST + 10, max: LAST - 10 }), (day) => {
        const date = formatIsoDate(day);
        const next = nextSession(date);
        const prev = previousSession(date);
        expect(next && next.date > date).toBe(true);
        expect(prev && prev.date < date).toBe(true);
        expect(sessionsBetween(formatIsoDate(day + 1), next!.date)).toEqual([next]);
        expect(previousSession(next!.date)?.date).toBe(isSessionDate(date) ? date : prev!.date);
      }),
    );
  });
});
