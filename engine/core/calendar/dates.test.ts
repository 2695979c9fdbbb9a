import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  civilFromDays,
  dayOfWeek,
  daysFromCivil,
  easterSunday,
  formatIsoDate,
  lastWeekdayOfMonth,
  nthWeekdayOfMonth,
  parseIsoDate,
} from './dates';

describe('civil dates', () => {
  it('agrees with ECMAScript Date.UTC on the epoch day of any date from 1800 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1800, max: 2200 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), (y, m, d) => {
        return daysFromCivil(y, m, d) === Date.UTC(y, m - 1, d) / 86_400_000;
      }),
    );
  });

  it('round-trips epoch days through civil dates and ISO strings', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (day) => {
        const { year, month, day: dom } = civilFromDays(day);
        return daysFromCivil(year, month, dom) === day && (year < 0 || year > 9999 || parseIsoDate(formatIsoDate(day)) === day);
      }),
    );
  });

  it('rejects malformed and impossible dates instead of rolling them over', () => {
    expect(() => parseIsoDate('2023-02-29')).toThrow(RangeError);
    expect(() => parseIsoDate('2023-13-01')).toThrow(RangeError);
    expect(() => parseIsoDate('2023-2-3')).toThrow(TypeError);
    expect(() => parseIsoDate('2023-02-03T00:00:00Z')).toThrow(TypeError);
    expect(parseIsoDate('2024-02-29')).toBe(daysFromCivil(2024, 2, 29));
  });

  it('knows weekdays and crosses month and leap-year ends', () => {
    expect(dayOfWeek('1970-01-01')).toBe(4); // Thursday
    expect(dayOfWeek('2024-03-10')).toBe(0); // Sunday
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('finds nth and last weekdays of a month', () => {
    expect(formatIsoDate(nthWeekdayOfMonth(2024, 1, 1, 3))).toBe('2024-01-15'); // MLK Day
    expect(formatIsoDate(nthWeekdayOfMonth(2024, 11, 4, 4))).toBe('2024-11-28'); // Thanksgiving
    expect(formatIsoDate(lastWeekdayOfMonth(2024, 5, 1))).toBe('2024-05-27'); // Memorial Day
    expect(formatIsoDate(lastWeekdayOfMonth(2021, 5, 1))).toBe('2021-05-31');
  });

  it('computes Western Easter for known years', () => {
    const known: Record<number, string> = {
      1990: '1990-04-15',
      2000: '2000-04-23',
      2008: '2008-03-23',
      2011: '2011-04-24',
      2019: '2019-04-21',
      2024: '2024-03-31',
      2025: '2025-04-20',
      2038: '2038-04-25',
    };
    for (const [year, date] of Object.entries(known)) expect(formatIsoDate(easterSunday(Number(year)))).toBe(date);
  });
});
