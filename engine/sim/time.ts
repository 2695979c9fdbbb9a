// Time helpers for the simulator: trading sessions and New York time taken from the project's
// NYSE calendar (engine/core/calendar, early closes included) so the simulator and backtests
// never disagree on when the market was open, plus the timestamp formats Alpaca puts on the
// wire (RFC-3339 with nanoseconds, ET offsets on /v2/clock).

import {
  newYorkOffsetMinutes, newYorkToUtcMs, sessionFor, utcMsToNewYork, NYSE_FIRST_YEAR, NYSE_LAST_YEAR,
} from '../core/calendar';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Offset of New York from UTC at `ms`, in minutes (e.g. -300 in winter). */
export function etOffsetMinutes(ms: number): number {
  return newYorkOffsetMinutes(ms);
}

/** UTC ms of a New York wall-clock time on a calendar date. */
export function etToUtc(y: number, m: number, d: number, hh: number, mm: number): number {
  return newYorkToUtcMs(`${y}-${pad(m)}-${pad(d)}`, hh, mm);
}

/** The New York calendar date (YYYY-MM-DD) containing `ms`. */
export function etDate(ms: number): string {
  return utcMsToNewYork(ms).date;
}

export function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, the key the synthetic source seeds on. */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

export function dateOfDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

function inCalendar(date: string): boolean {
  const y = Number(date.slice(0, 4));
  return y >= NYSE_FIRST_YEAR && y <= NYSE_LAST_YEAR;
}

export function isTradingDay(date: string): boolean {
  return inCalendar(date) && sessionFor(date) !== undefined;
}

export interface Session {
  date: string;
  /** Regular session open and close, UTC ms. */
  open: number;
  close: number;
  /** The exchange closed early (13:00) that day. */
  earlyClose: boolean;
  /** Extended session (04:00 ET to four hours after the close), UTC ms. */
  preOpen: number;
  postClose: number;
}

const sessionCache = new Map<string, Session | null>();

export function sessionOn(date: string): Session | null {
  if (sessionCache.has(date)) return sessionCache.get(date) ?? null;
  const core = inCalendar(date) ? sessionFor(date) : undefined;
  let s: Session | null = null;
  if (core) {
    const close = Number(core.closeNs / 1_000_000n);
    s = {
      date,
      open: Number(core.openNs / 1_000_000n),
      close,
      earlyClose: core.earlyClose,
      preOpen: newYorkToUtcMs(date, 4, 0),
      // After-hours trading runs four hours past the close: 20:00, or 17:00 after an early close.
      postClose: close + 4 * 3_600_000,
    };
  }
  sessionCache.set(date, s);
  return s;
}

export function isMarketOpen(ms: number): boolean {
  const s = sessionOn(etDate(ms));
  return s !== null && ms >= s.open && ms < s.close;
}

/** The first session whose close is after `ms` (the current one while the market is open). */
export function currentOrNextSession(ms: number): Session {
  let day = dayNumber(etDate(ms));
  for (let i = 0; i < 30; i++, day++) {
    const s = sessionOn(dateOfDayNumber(day));
    if (s && s.close > ms) return s;
  }
  throw new Error(`no trading session within 30 days of ${new Date(ms).toISOString()}`);
}

/** The last session whose open is at or before `ms`. */
export function previousSession(ms: number): Session {
  let day = dayNumber(etDate(ms));
  for (let i = 0; i < 30; i++, day--) {
    const s = sessionOn(dateOfDayNumber(day));
    if (s && s.open <= ms) return s;
  }
  throw new Error(`no trading session within 30 days before ${new Date(ms).toISOString()}`);
}

// --- wire formats ---------------------------------------------------------------------------

/** RFC-3339 UTC with nine fractional digits, as Alpaca sends trade and quote times. */
export function rfc3339Nano(ms: number, subMsNanos = 0): string {
  const base = new Date(Math.floor(ms)).toISOString(); // 2024-01-02T14:30:00.123Z
  const nanos = (Math.floor(ms) % 1000 + 1000) % 1000 * 1_000_000 + subMsNanos;
  return `${base.slice(0, 19)}.${pad(nanos, 9)}Z`;
}

/** RFC-3339 UTC without fraction, as Alpaca labels bars. */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** RFC-3339 in New York time with its offset, as `/v2/clock` reports. */
export function rfc3339Et(ms: number): string {
  const off = etOffsetMinutes(ms);
  const local = new Date(ms + off * MINUTE_MS).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Parses RFC-3339 or a bare date; returns NaN when the text is neither. */
export function parseTime(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return Number.NaN;
  return Date.parse(text);
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}
