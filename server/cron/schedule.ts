/**
 * Cron expressions evaluated against a Clock instead of the system time. node-cron parses the
 * expression; this finds the latest instant at or before `now` that the expression names in a
 * given IANA zone, so a job can tell which period is due, on a virtual clock too.
 */
import cron from 'node-cron';
import { addDays, instantToZoned, weekdayOf, zonedToInstant } from '#shared/time.ts';

export interface CronFields {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  /** 0 = Sunday, as in cron. */
  dayOfWeek: number[];
}

export function parseCron(expr: string): CronFields {
  const f = cron.parse(expr);
  const nums = (xs: Array<number | string>, what: string): number[] =>
    xs.map((x) => {
      if (typeof x !== 'number')
        throw new Error(`cron "${expr}": ${what} value "${x}" is not supported here; use plain numbers`);
      return x;
    });
  return {
    second: nums(f.second, 'second'),
    minute: nums(f.minute, 'minute'),
    hour: nums(f.hour, 'hour'),
    dayOfMonth: nums(f.dayOfMonth, 'day-of-month'),
    month: nums(f.month, 'month'),
    dayOfWeek: nums(f.dayOfWeek, 'day-of-week').map((d) => d % 7),
  };
}

function dayMatches(f: CronFields, date: string): boolean {
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  if (!f.month.includes(month)) return false;
  const dow = (weekdayOf(date) + 1) % 7;
  const domRestricted = f.dayOfMonth.length < 31;
  const dowRestricted = new Set(f.dayOfWeek).size < 7;
  const domOk = f.dayOfMonth.includes(day);
  const dowOk = f.dayOfWeek.includes(dow);
  // Classic cron: when both day fields are restricted, either one matching is enough.
  return domRestricted && dowRestricted ? domOk || dowOk : domOk && dowOk;
}

const desc = (xs: number[]): number[] => [...xs].sort((a, b) => b - a);

/** The latest instant <= now named by `fields` in `zone`, looking back at most `maxDays` days. */
export function latestDue(fields: CronFields, zone: string, now: number, maxDays = 400): number | null {
  const wall = instantToZoned(now, zone);
  const wallSeconds = wall.hour * 3600 + wall.minute * 60 + wall.second;
  const hours = desc(fields.hour);
  const minutes = desc(fields.minute);
  const seconds = desc(fields.second);
  for (let back = 0; back <= maxDays; back++) {
    const date = addDays(wall.date, -back);
    if (!dayMatches(fields, date)) continue;
    // On a fall-back day a wall time can lie ahead of `now` although its hour has passed; the
    // instant check below keeps the answer <= now either way.
    const limit = back === 0 ? wallSeconds : Infinity;
    for (const h of hours) {
      if (h * 3600 > limit) continue;
      for (const m of minutes) {
        if (h * 3600 + m * 60 > limit) continue;
        for (const s of seconds) {
          const sec = h * 3600 + m * 60 + s;
          if (sec > limit) continue;
          const t = zonedToInstant(date, sec / 60, zone);
          if (t <= now) return t;
        }
      }
    }
  }
  return null;
}
