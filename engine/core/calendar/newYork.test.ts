import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoDate, parseIsoDate } from './dates';
import {
  newYorkOffsetMinutes,
  newYorkToUtcMs,
  newYorkToUtcNs,
  nsToMs,
  usDaylightTimeUtcMs,
  utcMsToNewYork,
  utcNsToNewYork,
} from './newYork';

// The host's tz database, used only as an independent witness for the arithmetic rules.
const intlNewYork = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function viaIntl(ms: number): { date: string; hour: number; minute: number; second: number; offsetMinutes: number } {
  const f: Record<string, string> = {};
  for (const p of intlNewYork.formatToParts(new Date(ms))) f[p.type] = p.value;
  const date = `${f.year}-${f.month}-${f.day}`;
  const hour = Number(f.hour);
  const minute = Number(f.minute);
  const second = Number(f.second);
  const localMs = parseIsoDate(date) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000;
  return { date, hour, minute, second, offsetMinutes: Math.round((localMs - Math.floor(ms / 1000) * 1000) / 60_000) };
}

const MS_1990 = Date.UTC(1990, 0, 1);
const MS_2036 = Date.UTC(2036, 0, 1);

describe('New York time', () => {
  it('switches to daylight time on the dates US law set', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    // Energy Policy Act of 2005 rules.
    expect(iso(usDaylightTimeUtcMs(2024).startMs)).toBe('2024-03-10T07:00:00.000Z');
    expect(iso(usDaylightTimeUtcMs(2024).endMs)).toBe('2024-11-03T06:00:00.000Z');
    expect(iso(usDaylightTimeUtcMs(2007).startMs)).toBe('2007-03-11T07:00:00.000Z');
    // 1987–2006 rules: first Sunday of April, last Sunday of October.
    expect(iso(usDaylightTimeUtcMs(2006).startMs)).toBe('2006-04-02T07:00:00.000Z');
    expect(iso(usDaylightTimeUtcMs(2006).endMs)).toBe('2006-10-29T06:00:00.000Z');
    expect(iso(usDaylightTimeUtcMs(1990).startMs)).toBe('1990-04-01T07:00:00.000Z');
    expect(() => usDaylightTimeUtcMs(1975)).toThrow(RangeError);
  });

  it('matches the tz database (Intl) at random instants from 1990 to 2035', () => {
    fc.assert(
      fc.property(fc.integer({ min: MS_1990, max: MS_2036 }), (ms) => {
        const ours = utcMsToNewYork(ms);
        const theirs = viaIntl(ms);
        expect({ date: ours.date, hour: ours.hour, minute: ours.minute, second: ours.second, offsetMinutes: ours.offsetMinutes }).toEqual(theirs);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches the tz database every 15 minutes across every DST switch from 1990 to 2035', () => {
    const mismatches: string[] = [];
    for (let year = 1990; year <= 2035; year++) {
      const { startMs, endMs } = usDaylightTimeUtcMs(year);
      for (const edge of [startMs, endMs]) {
        for (let t = edge - 86_400_000; t <= edge + 86_400_000; t += 900_000) {
          if (newYorkOffsetMinutes(t) !== viaIntl(t).offsetMinutes) mismatches.push(new Date(t).toISOString());
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('round-trips any wall time that exists exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: parseIsoDate('1990-01-01'), max: parseIsoDate('2035-12-31') }), fc.integer({ min: 0, max: 1439 }), (day, minuteOfDay) => {
        const date = formatIsoDate(day);
        const hour = Math.floor(minuteOfDay / 60);
        const minute = minuteOfDay % 60;
        const back = utcMsToNewYork(newYorkToUtcMs(date, hour, minute));
        const skipped = back.hour !== hour; // only inside the spring-forward gap
        if (skipped) expect(hour).toBe(2);
        else expect([back.date, back.hour, back.minute]).toEqual([date, hour, minute]);
      }),
      { numRuns: 3000 },
    );
  });

  it('resolves the repeated and the skipped hour like Temporal does', () => {
    // 01:30 happens twice on 2024-11-03: the first time is EDT.
    expect(new Date(newYorkToUtcMs('2024-11-03', 1, 30)).toISOString()).toBe('2024-11-03T05:30:00.000Z');
    // 02:30 never happens on 2024-03-10: it becomes 03:30 EDT.
    expect(new Date(newYorkToUtcMs('2024-03-10', 2, 30)).toISOString()).toBe('2024-03-10T07:30:00.000Z');
    expect(utcMsToNewYork(Date.parse('2024-03-10T07:30:00Z')).hour).toBe(3);
  });

  it('converts nanosecond timestamps, flooring sub-millisecond parts even before 1970', () => {
    const ns = newYorkToUtcNs('2024-07-01', 9, 30);
    expect(ns).toBe(1_719_840_600_000_000_000n);
    expect(utcNsToNewYork(ns + 999_999n)).toMatchObject({ date: '2024-07-01', hour: 9, minute: 30, millisecond: 0, offsetMinutes: -240 });
    expect(nsToMs(-1n)).toBe(-1);
    expect(nsToMs(-1_000_000n)).toBe(-1);
    expect(nsToMs(1_999_999n)).toBe(1);
  });
});
