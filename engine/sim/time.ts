// Time helpers for the simulator: the NYSE regular-session calendar in America/New_York and the
// timestamp formats Alpaca puts on the wire (RFC-3339 with nanoseconds, ET offsets on /v2/clock).

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const etParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface EtFields { y: number; m: number; d: number; hh: number; mm: number; ss: number }

function etFields(ms: number): EtFields {
  const out: Record<string, number> = {};
  for (const p of etParts.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year, m: out.month, d: out.day, hh: out.hour, mm: out.minute, ss: out.second };
}

/** Offset of New York from UTC at `ms`, in minutes (e.g. -300 in winter). */
export function etOffsetMinutes(ms: number): number {
  const f = etFields(ms);
  const asUtc = Date.UTC(f.y, f.m - 1, f.d, f.hh, f.mm, f.ss);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
}

/** UTC ms of a New York wall-clock time on a calendar date. */
export function etToUtc(y: number, m: number, d: number, hh: number, mm: number): number {
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  // Two passes settle the offset even on the DST switch days.
  let ms = guess - etOffsetMinutes(guess) * MINUTE_MS;
  ms = guess - etOffsetMinutes(ms) * MINUTE_MS;
  return ms;
}

/** The New York calendar date (YYYY-MM-DD) containing `ms`. */
export function etDate(ms: number): string {
  const f = etFields(ms);
  return `${f.y}-${pad(f.m)}-${pad(f.d)}`;
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

// --- NYSE holidays --------------------------------------------------------------------------
// Early closes (13:00 on the day after Thanksgiving, Christmas Eve, July 3) are not modelled.

function easterSunday(y: number): [number, number] {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30, i = Math.floor(c / 4), k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

function nthWeekday(y: number, month: number, weekday: number, n: number): number {
  const first = new Date(Date.UTC(y, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(y: number, month: number, weekday: number): number {
  const days = new Date(Date.UTC(y, month, 0)).getUTCDate();
  const last = new Date(Date.UTC(y, month - 1, days)).getUTCDay();
  return days - ((last - weekday + 7) % 7);
}

function observed(y: number, m: number, d: number): string {
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const shifted = new Date(Date.UTC(y, m - 1, d + (dow === 6 ? -1 : dow === 0 ? 1 : 0)));
  return shifted.toISOString().slice(0, 10);
}

const holidayCache = new Map<number, Set<string>>();

function holidays(y: number): Set<string> {
  let set = holidayCache.get(y);
  if (set) return set;
  set = new Set<string>();
  const iso = (m: number, d: number): string => `${y}-${pad(m)}-${pad(d)}`;
  // New Year's Day falling on a Saturday is not observed on the Friday before (NYSE rule 7.2).
  const ny = new Date(Date.UTC(y, 0, 1)).getUTCDay();
  if (ny !== 6) set.add(observed(y, 1, 1));
  set.add(iso(1, nthWeekday(y, 1, 1, 3)));
  set.add(iso(2, nthWeekday(y, 2, 1, 3)));
  const [em, ed] = easterSunday(y);
  set.add(new Date(Date.UTC(y, em - 1, ed - 2)).toISOString().slice(0, 10));
  set.add(iso(5, lastWeekday(y, 5, 1)));
  if (y >= 2022) set.add(observed(y, 6, 19));
  set.add(observed(y, 7, 4));
  set.add(iso(9, nthWeekday(y, 9, 1, 1)));
  set.add(iso(11, nthWeekday(y, 11, 4, 4)));
  set.add(observed(y, 12, 25));
  holidayCache.set(y, set);
  return set;
}

export function isTradingDay(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number);
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return dow !== 0 && dow !== 6 && !holidays(y).has(date);
}

export interface Session {
  date: string;
  /** Regular session open and close, UTC ms. */
  open: number;
  close: number;
  /** Extended session (04:00–20:00 ET), UTC ms. */
  preOpen: number;
  postClose: number;
}

const sessionCache = new Map<string, Session | null>();

export function sessionOn(date: string): Session | null {
  if (sessionCache.has(date)) return sessionCache.get(date) ?? null;
  let s: Session | null = null;
  if (isTradingDay(date)) {
    const [y, m, d] = date.split('-').map(Number);
    s = {
      date,
      open: etToUtc(y, m, d, 9, 30),
      close: etToUtc(y, m, d, 16, 0),
      preOpen: etToUtc(y, m, d, 4, 0),
      postClose: etToUtc(y, m, d, 20, 0),
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
