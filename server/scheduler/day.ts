/**
 * The shape of one local day at one site: when it is open, and the peak weight of each moment.
 * Everything is in instants (epoch ms), so 23- and 25-hour DST days need no special case.
 */
import {
  HOURS_PER_WEEK,
  WEEKDAYS,
  type OpeningHours,
  type PeakProfile,
} from '../../shared/schemas/domain.ts';
import { isPeakWeight, stepMinutes, weightAtLocal } from '../../shared/peak.ts';
import {
  addDays,
  instantToZoned,
  minutesOfDay,
  offsetMinutesAt,
  weekdayOf,
  zonedToInstant,
} from '../../shared/time.ts';
import type { PlanCampaign, PlanSite } from './types.ts';

/** [start, end) in epoch ms. */
export type Interval = [number, number];

/** A stretch of one local hour: its instants and its index into a PeakProfile. */
export interface HourSlice {
  start: number;
  end: number;
  hourOfWeek: number;
}

export const FLAT_PROFILE: PeakProfile = Array.from({ length: HOURS_PER_WEEK }, () => 1);

// Planning 10,000 screens mostly repeats the same few (zone, date, time) conversions; memoising
// them turns a plan into arithmetic. Bounded so a long-running server does not grow forever.
const MEMO_LIMIT = 20_000;
const instantMemo = new Map<string, number>();
const hoursMemo = new Map<string, HourSlice[]>();

function remember<T>(memo: Map<string, T>, key: string, make: () => T): T {
  let v = memo.get(key);
  if (v === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    v = make();
    memo.set(key, v);
  }
  return v;
}

export function localInstant(date: string, minutes: number, zone: string): number {
  return remember(instantMemo, `${zone}|${date}|${minutes}`, () => zonedToInstant(date, minutes, zone));
}

export function dayStart(date: string, zone: string): number {
  return localInstant(date, 0, zone);
}

export function dayEnd(date: string, zone: string): number {
  return localInstant(addDays(date, 1), 0, zone);
}

/** A stretch of local wall time that lies in one step of `stepMin` minutes and one UTC offset. */
export interface WallSlice {
  start: number;
  end: number;
  /** 0 = Monday. */
  weekday: number;
  /** Local minute of the day at `start`. */
  minuteOfDay: number;
}

/** The first instant in (lo, hi] whose offset differs from lo's (offsets change on whole seconds). */
function transitionAfter(lo: number, hi: number, zone: string): number {
  const off = offsetMinutesAt(lo, zone);
  let a = Math.floor(lo / 1000);
  let b = Math.ceil(hi / 1000);
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offsetMinutesAt(mid * 1000, zone) === off) a = mid;
    else b = mid;
  }
  return b * 1000;
}

/**
 * The local day cut into steps of `stepMin` minutes of wall time, in order of instants. A clock
 * change also cuts, wherever it falls (Pacific/Chatham changes at 02:45, Australia/Lord_Howe by
 * 30 minutes), so every slice reads one wall-clock label; a fall-back day holds the repeated
 * times twice, a spring-forward day skips the missing ones.
 */
export function wallSlices(date: string, zone: string, stepMin: number): WallSlice[] {
  const end = dayEnd(date, zone);
  const stepMs = stepMin * 60_000;
  const out: WallSlice[] = [];
  let t = dayStart(date, zone);
  while (t < end) {
    const z = instantToZoned(t, zone);
    const minuteOfDay = z.hour * 60 + z.minute;
    const intoStep = ((minuteOfDay % stepMin) * 60 + z.second) * 1000 + (((t % 1000) + 1000) % 1000);
    let next = Math.min(end, t + stepMs - intoStep);
    if (offsetMinutesAt(next - 1, zone) !== z.offsetMinutes) next = transitionAfter(t, next - 1, zone);
    out.push({ start: t, end: next, weekday: z.weekday, minuteOfDay });
    t = next;
  }
  return out;
}

/** The local hours of a day in order; a fall-back day holds the repeated hour twice. */
export function hourSlices(date: string, zone: string): HourSlice[] {
  return remember(hoursMemo, `${zone}|${date}`, () =>
    wallSlices(date, zone, 60).map((w) => ({
      start: w.start,
      end: w.end,
      hourOfWeek: w.weekday * 24 + Math.floor(w.minuteOfDay / 60),
    })),
  );
}

/** A stretch of the day with one profile weight. */
export interface WeightSlice {
  start: number;
  end: number;
  weight: number;
}

const profileMemo = new WeakMap<readonly number[], Map<string, WeightSlice[]>>();

/**
 * The day cut where the profile's weight changes (at its own step, minute precision if the
 * profile has it) and at clock changes: the one reading of a peak profile over a day that the
 * planner, the plan preview and the simulator share with ingest's `isPeakAtLocal`.
 */
export function profileSlices(date: string, zone: string, profile: readonly number[]): WeightSlice[] {
  let memo = profileMemo.get(profile);
  if (!memo) profileMemo.set(profile, (memo = new Map<string, WeightSlice[]>()));
  return remember(memo, `${zone}|${date}`, () => {
    const out: WeightSlice[] = [];
    for (const w of wallSlices(date, zone, stepMinutes(profile))) {
      const weight = weightAtLocal(profile, w.weekday, w.minuteOfDay);
      const last = out.at(-1);
      if (last && last.end === w.start && last.weight === weight) last.end = w.end;
      else out.push({ start: w.start, end: w.end, weight });
    }
    return out;
  });
}

/** Open intervals of the site on `date`, merged and sorted; [] on a closed day. */
export function openIntervals(hours: OpeningHours, date: string, zone: string): Interval[] {
  if (hours.closedDates.includes(date)) return [];
  const ranges = hours[WEEKDAYS[weekdayOf(date)]!];
  const raw: Interval[] = [];
  for (const [from, to] of ranges) {
    const s = localInstant(date, minutesOfDay(from), zone);
    const e = localInstant(date, minutesOfDay(to), zone);
    if (e > s) raw.push([s, e]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Interval[] = [];
  for (const iv of raw) {
    const last = merged.at(-1);
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

export function inCampaignWindow(campaign: PlanCampaign, date: string): boolean {
  return date >= campaign.firstDay && date <= campaign.lastDay;
}

export function profileFor(campaign: PlanCampaign, site: PlanSite): PeakProfile {
  return site.peakProfile ?? campaign.peakProfiles[site.venueType] ?? FLAT_PROFILE;
}

export { isPeakWeight };

/** A weighted stretch of open time with one weight. */
export interface Piece {
  start: number;
  end: number;
  weight: number;
  peak: boolean;
}

/** Cut intervals where the profile's weight changes and attach each stretch's weight. */
export function weightedPieces(intervals: Interval[], slices: readonly WeightSlice[]): Piece[] {
  const out: Piece[] = [];
  let j = 0;
  for (const [s, e] of intervals) {
    while (j < slices.length && slices[j]!.end <= s) j++;
    for (let k = j; k < slices.length && slices[k]!.start < e; k++) {
      const sl = slices[k]!;
      const a = Math.max(s, sl.start);
      const b = Math.min(e, sl.end);
      if (b > a) out.push({ start: a, end: b, weight: sl.weight, peak: isPeakWeight(sl.weight) });
    }
  }
  return out;
}

/** Share of the weight mass that lies in peak hours; 0 when nothing is open. */
export function peakShareOf(pieces: Piece[]): number {
  let total = 0;
  let peak = 0;
  for (const p of pieces) {
    const m = p.weight * (p.end - p.start);
    total += m;
    if (p.peak) peak += m;
  }
  return total > 0 ? peak / total : 0;
}
