/**
 * The shape of one local day at one site: when it is open, and the peak weight of each moment.
 * Everything is in instants (epoch ms), so 23- and 25-hour DST days need no special case.
 */
import {
  HOURS_PER_WEEK,
  PEAK_WEIGHT_THRESHOLD,
  WEEKDAYS,
  type OpeningHours,
  type PeakProfile,
} from '../../shared/schemas/domain.ts';
import { addDays, instantToZoned, weekdayOf, zonedToInstant, minutesOfDay } from '../../shared/time.ts';
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

/** The local hours of a day in order; a fall-back day holds the repeated hour twice. */
export function hourSlices(date: string, zone: string): HourSlice[] {
  return remember(hoursMemo, `${zone}|${date}`, () => {
    const end = dayEnd(date, zone);
    const out: HourSlice[] = [];
    let t = dayStart(date, zone);
    while (t < end) {
      const z = instantToZoned(t, zone);
      const toNextHour = ((59 - z.minute) * 60 + (60 - z.second)) * 1000 - (((t % 1000) + 1000) % 1000);
      const next = Math.min(end, t + toNextHour);
      out.push({ start: t, end: next, hourOfWeek: z.weekday * 24 + z.hour });
      t = next;
    }
    return out;
  });
}

/** Open intervals of the site on `date`, merged and sorted; [] on a closed day. */
export function openIntervals(hours: OpeningHours, date: string, zone: string): Interval[] {
  if (hours.closedDates?.includes(date)) return [];
  const ranges = hours[WEEKDAYS[weekdayOf(date)]!] ?? [];
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

export function isPeakWeight(w: number): boolean {
  return w > PEAK_WEIGHT_THRESHOLD;
}

/** A weighted stretch of time: open and within one local hour. */
export interface Piece {
  start: number;
  end: number;
  weight: number;
  peak: boolean;
}

/** Cut intervals at local hour boundaries and attach each hour's weight. */
export function weightedPieces(intervals: Interval[], slices: HourSlice[], profile: PeakProfile): Piece[] {
  const out: Piece[] = [];
  let j = 0;
  for (const [s, e] of intervals) {
    while (j < slices.length && slices[j]!.end <= s) j++;
    for (let k = j; k < slices.length && slices[k]!.start < e; k++) {
      const sl = slices[k]!;
      const a = Math.max(s, sl.start);
      const b = Math.min(e, sl.end);
      if (b > a) {
        const w = profile[sl.hourOfWeek] ?? 1;
        out.push({ start: a, end: b, weight: w, peak: isPeakWeight(w) });
      }
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
