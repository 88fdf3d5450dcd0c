/**
 * Peak profiles at the resolution their windows need. A profile is the week's weights in equal
 * steps: 168 hourly weights (what the console paints), or 168 × k for k steps per hour (k
 * dividing 60: 30-minute, 15-minute … 1-minute steps), so a declared window such as 06:45–07:30
 * is peak exactly from 06:45 to 07:30 and not for the whole of 06:00–08:00. The planner, the
 * `peak` flag at ingest and the reports read weights only through these functions.
 * Pure TypeScript: no `node:`, no DOM.
 */
import {
  HOURS_PER_WEEK,
  PEAK_WEIGHT_THRESHOLD,
  WEEKDAYS,
  type OpeningHours,
  type PeakProfile,
} from './schemas/domain.ts';
import { minutesOfDay } from './time.ts';

export function stepsPerHour(profile: readonly number[]): number {
  return Math.max(1, Math.floor(profile.length / HOURS_PER_WEEK));
}

/** Length of one step of the profile in minutes (60, 30, 15 … 1). */
export function stepMinutes(profile: readonly number[]): number {
  return 60 / stepsPerHour(profile);
}

/** The weight at a local wall time: weekday 0 = Monday, minute of the day 0–1439. */
export function weightAtLocal(profile: readonly number[], weekday: number, minuteOfDay: number): number {
  const k = stepsPerHour(profile);
  const step = 60 / k;
  return profile[weekday * 24 * k + Math.floor(minuteOfDay / step)] ?? 1;
}

export function isPeakWeight(w: number): boolean {
  return w > PEAK_WEIGHT_THRESHOLD;
}

/** Whether a local wall time lies in a peak window. */
export function isPeakAtLocal(profile: readonly number[], weekday: number, minuteOfDay: number): boolean {
  return isPeakWeight(weightAtLocal(profile, weekday, minuteOfDay));
}

/** One hour of the week as the console's 7 × 24 grid shows it: its highest step. */
export function hourWeight(profile: readonly number[], hourOfWeek: number): number {
  const k = stepsPerHour(profile);
  let w = -Infinity;
  for (let i = 0; i < k; i++) w = Math.max(w, profile[hourOfWeek * k + i] ?? 1);
  return w;
}

/** Whether part of an hour of the week is peak (the grid marks it). */
export function hourHasPeak(profile: readonly number[], hourOfWeek: number): boolean {
  const k = stepsPerHour(profile);
  for (let i = 0; i < k; i++) if (isPeakWeight(profile[hourOfWeek * k + i] ?? 1)) return true;
  return false;
}

/** The profile with one whole hour set to `weight` (painting a grid cell); others keep their steps. */
export function paintHour(profile: readonly number[], hourOfWeek: number, weight: number): PeakProfile {
  const k = stepsPerHour(profile);
  const out = [...profile];
  for (let i = 0; i < k; i++) out[hourOfWeek * k + i] = weight;
  return out;
}

/** The same profile at k steps per hour (k a multiple of its own). */
export function refine(profile: readonly number[], k: number): PeakProfile {
  const own = stepsPerHour(profile);
  if (k % own !== 0) throw new Error(`cannot refine a profile of ${own} steps per hour to ${k}`);
  const f = k / own;
  return profile.flatMap((w) => Array.from({ length: f }, () => w));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Steps per hour that represent every given minute of the day exactly. */
export function stepsFor(minutes: readonly number[]): number {
  let g = 60;
  for (const m of minutes) g = gcd(g, ((m % 60) + 60) % 60);
  return 60 / g;
}

/**
 * Day `from`'s weights (0 = Monday) copied onto each day in `to`, hour by hour, at the profile's
 * own steps; an hour is copied only where `paintable` says both the source hour and the target
 * hour may be painted (a closed hour keeps what it had, and lends nothing).
 */
export function copyDay(
  profile: readonly number[],
  from: number,
  to: readonly number[],
  paintable: (hourOfWeek: number) => boolean = () => true,
): PeakProfile {
  const k = stepsPerHour(profile);
  const out = [...profile];
  for (const day of to) {
    if (day === from) continue;
    for (let hour = 0; hour < 24; hour++) {
      const a = from * 24 + hour;
      const b = day * 24 + hour;
      if (!paintable(a) || !paintable(b)) continue;
      for (let i = 0; i < k; i++) out[b * k + i] = profile[a * k + i] ?? 1;
    }
  }
  return out;
}

/**
 * How many of the given weekly opening hours are open in some part of each hour of the week
 * (168 counts, index = weekday × 24 + hour, local wall time). An hour no one opens in is closed:
 * its weight changes nothing.
 */
export function openCountsByHour(hours: readonly OpeningHours[]): number[] {
  const counts = Array.from({ length: HOURS_PER_WEEK }, () => 0);
  for (const h of hours) {
    const open = new Set<number>();
    WEEKDAYS.forEach((day, d) => {
      for (const [from, to] of h[day]) {
        const a = minutesOfDay(from);
        const b = minutesOfDay(to);
        for (let hour = Math.floor(a / 60); hour * 60 < b && hour < 24; hour++) open.add(d * 24 + hour);
      }
    });
    for (const i of open) counts[i]!++;
  }
  return counts;
}
