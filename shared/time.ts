/**
 * Local-time helpers over the IANA zone database (through Intl). Nothing here knows a zone's
 * offset in advance: every answer is read from the runtime's zone data, so DST zones work the
 * same way as Asia/Ho_Chi_Minh. Pure: no `node:`, no DOM, no reading of the system time.
 *
 * Vocabulary: an *instant* is epoch milliseconds; a *date* is a local calendar date 'YYYY-MM-DD'
 * that only means something together with a zone.
 */

export interface ZonedParts {
  /** Local calendar date, 'YYYY-MM-DD'. */
  date: string;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday … 6 = Sunday, matching the index of a PeakProfile. */
  weekday: number;
  /** Local time minus UTC, in minutes (+420 for Asia/Ho_Chi_Minh). */
  offsetMinutes: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

// Building a DateTimeFormat costs far more than using one, and the scheduler asks for local
// parts thousands of times per plan run, so keep one per zone.
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function dateString(y: number, m: number, d: number): string {
  return `${pad4(y)}-${pad2(m)}-${pad2(d)}`;
}

/** The local wall clock of `ms` (to the second) as the zone database gives it, through Intl. */
function intlWallOf(
  ms: number,
  zone: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of partsFormatter(zone).formatToParts(ms)) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      default:
        break;
    }
  }
  // Some engines still print midnight as 24 despite h23.
  if (h === 24) h = 0;
  return { y, mo, d, h, mi, s };
}

type Wall = { y: number; mo: number; d: number; h: number; mi: number; s: number };

const HOUR = 3_600_000;
const EARLIEST_FAST = Date.UTC(1000, 0, 1);
const LATEST_FAST = Date.UTC(9999, 0, 1);
/**
 * Per zone, the offset (ms) that holds through each whole UTC hour, or NaN for an hour in which
 * the offset changes. Reading a wall clock through Intl costs about 15 µs; ingest and the planner
 * ask for hundreds of thousands of them, nearly all in a few zones and hours. A zone's offset
 * changes at most once in any hour, so an hour whose first and last second have the same offset
 * has it throughout, and the wall clock is plain arithmetic from it. Every value still comes
 * from the zone database; an hour with a change is read through Intl each time.
 */
const hourOffsets = new Map<string, Map<number, number>>();

function wallMs(w: Wall): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
}

function hourOffset(ms: number, zone: string): number {
  const hour = Math.floor(ms / HOUR);
  let offsets = hourOffsets.get(zone);
  if (!offsets) hourOffsets.set(zone, (offsets = new Map<number, number>()));
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const first = hour * HOUR;
    const last = first + HOUR - 1000;
    const a = wallMs(intlWallOf(first, zone)) - first;
    const b = wallMs(intlWallOf(last, zone)) - last;
    offset = a === b ? a : NaN;
    // Bounded: a long-running server reading years of instants keeps at most this many hours.
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return offset;
}

/** Local wall clock of `ms` read as if it were UTC, so that wall - instant = offset. */
function wallOf(ms: number, zone: string): Wall {
  // Date.UTC reads years 0–99 as 1900–1999: far instants take the slow path.
  if (!(ms >= EARLIEST_FAST && ms < LATEST_FAST)) return intlWallOf(ms, zone);
  const offset = hourOffset(ms, zone);
  if (Number.isNaN(offset)) return intlWallOf(ms, zone);
  const t = new Date(Math.floor(ms / 1000) * 1000 + offset);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  };
}

/** Offset of `zone` at instant `ms`, in minutes. */
export function offsetMinutesAt(ms: number, zone: string): number {
  const w = wallOf(ms, zone);
  const wallMs = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return Math.round((wallMs - wholeSecond) / MINUTE);
}

export function instantToZoned(ms: number, zone: string): ZonedParts {
  const w = wallOf(ms, zone);
  const wallMs = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  const date = dateString(w.y, w.mo, w.d);
  return {
    date,
    hour: w.h,
    minute: w.mi,
    second: w.s,
    weekday: weekdayOf(date),
    offsetMinutes: Math.round((wallMs - Math.floor(ms / 1000) * 1000) / MINUTE),
  };
}

export function localDateOf(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  return dateString(w.y, w.mo, w.d);
}

function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`expected a date as YYYY-MM-DD, got "${date}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Midnight UTC of the date's wall calendar: the arithmetic base for dates. */
function dateUtc(date: string): number {
  const [y, m, d] = parseDate(date);
  return Date.UTC(y, m - 1, d);
}

function utcToDate(ms: number): string {
  const dt = new Date(ms);
  return dateString(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** Minutes since local midnight for 'HH:MM' or 'HH:MM:SS' ('24:00' gives 1440). */
export function minutesOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) throw new RangeError(`expected a time as HH:MM or HH:MM:SS, got "${time}"`);
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = m[3] ? Number(m[3]) : 0;
  if (h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0))) {
    throw new RangeError(`not a time of day: "${time}"`);
  }
  return h * 60 + mi + s / 60;
}

/**
 * The instant at which the wall clock in `zone` shows `date` `time`.
 * A wall time skipped by a spring-forward gap resolves to the first instant after the gap
 * (the transition itself); a wall time repeated by a fall-back resolves to the earlier instant.
 * `time` may be minutes since midnight; 1440 ('24:00') is the start of the next local day.
 */
export function zonedToInstant(date: string, time: string | number, zone: string): number {
  const minutes = typeof time === 'number' ? time : minutesOfDay(time);
  const wall = dateUtc(date) + Math.round(minutes * MINUTE);
  if (minutes >= 1440) return zonedToInstant(utcToDate(wall), minutes - 1440, zone);
  return resolveWall(wall, zone);
}

function resolveWall(wall: number, zone: string): number {
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetMinutesAt(wall - DAY, zone);
  const after = offsetMinutesAt(wall + DAY, zone);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off * MINUTE;
    if (offsetMinutesAt(t, zone) === off) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the wall time never shows. Find the transition instant between the two readings.
  let lo = Math.min(wall - before * MINUTE, wall - after * MINUTE);
  let hi = Math.max(wall - before * MINUTE, wall - after * MINUTE);
  const loOffset = offsetMinutesAt(lo, zone);
  if (offsetMinutesAt(hi, zone) === loOffset) return hi;
  lo = Math.floor(lo / 1000);
  hi = Math.ceil(hi / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMinutesAt(mid * 1000, zone) === loOffset) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

export function startOfLocalDay(date: string, zone: string): number {
  return zonedToInstant(date, 0, zone);
}

/** The first instant of the following local day; a local day may last 23, 24 or 25 hours. */
export function startOfNextLocalDay(date: string, zone: string): number {
  return startOfLocalDay(addDays(date, 1), zone);
}

export function addDays(date: string, n: number): string {
  return utcToDate(dateUtc(date) + n * DAY);
}

/** Whole calendar days from a to b (b - a); negative when b is before a. */
export function daysBetween(a: string, b: string): number {
  return Math.round((dateUtc(b) - dateUtc(a)) / DAY);
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayOf(date: string): number {
  return (new Date(dateUtc(date)).getUTCDay() + 6) % 7;
}

/** Every date from first to last, both included; empty when last is before first. */
export function eachDate(first: string, last: string): string[] {
  const n = daysBetween(first, last);
  const out: string[] = [];
  for (let i = 0; i <= n; i++) out.push(addDays(first, i));
  return out;
}

/** 'dd/mm/yyyy', the way dates are written in Viet Nam. */
export function formatDate(value: number | string, zone: string): string {
  const date = typeof value === 'string' ? value : localDateOf(value, zone);
  const [y, m, d] = parseDate(date);
  return `${pad2(d)}/${pad2(m)}/${pad4(y)}`;
}

/** 'HH:mm' on a 24-hour clock, local to `zone`. */
export function formatTime(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  return `${pad2(w.h)}:${pad2(w.mi)}`;
}

/** 'dd/mm/yyyy HH:mm'. */
export function formatDateTime(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  return `${pad2(w.d)}/${pad2(w.mo)}/${pad4(w.y)} ${pad2(w.h)}:${pad2(w.mi)}`;
}

/** ISO 8601 with the zone's offset at that instant, e.g. '2024-09-05T07:55:00+07:00'. */
export function toIsoWithOffset(ms: number, zone: string): string {
  const z = instantToZoned(ms, zone);
  const sign = z.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(z.offsetMinutes);
  return `${z.date}T${pad2(z.hour)}:${pad2(z.minute)}:${pad2(z.second)}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The largest offset any zone has ever used (Pacific/Kiritimati, +14:00), in minutes. */
export const MAX_OFFSET_MINUTES = 14 * 60;

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses an ISO 8601 instant with an explicit offset ('Z' or ±hh:mm) into epoch ms, or null
 * when it is not a real instant: every field is checked (a real calendar date, a real 24-hour
 * time, an offset of at most ±14:00), so '2024-13-45T25:61:61+07:00' or
 * '9999-99-99T99:99:99+99:99' never reach Date arithmetic. Fractions beyond ms are truncated.
 */
export function parseIsoInstant(s: string): number | null {
  if (s.length > 40) return null;
  const m = ISO_INSTANT.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || sec > 59) return null;
  let offset = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    if (Math.abs(offset) > MAX_OFFSET_MINUTES) return null;
  }
  // Date.UTC maps years 0–99 to 1900–1999; setting the full year afterwards does not.
  const dt = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec, ms));
  dt.setUTCFullYear(y, mo - 1, d);
  return dt.getTime() - offset * MINUTE;
}
