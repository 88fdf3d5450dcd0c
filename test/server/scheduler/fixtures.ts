/**
 * Shared fixtures and independent checkers for the scheduler tests. The checkers recompute
 * opening hours and peak weights straight from the IANA zone data (shared/time.ts), not through
 * the scheduler's own helpers, so a bug there cannot hide itself.
 */
import type { OpeningHours, PeakProfile } from '../../../shared/schemas/domain.ts';
import { WEEKDAYS } from '../../../shared/schemas/domain.ts';
import { addDays, instantToZoned, minutesOfDay, weekdayOf, zonedToInstant } from '../../../shared/time.ts';
import type { DayPlan, PlanCampaign, PlanSite } from '../../../server/scheduler/index.ts';

export const HCM = 'Asia/Ho_Chi_Minh';
export const BERLIN = 'Europe/Berlin';
export const MEDIA = 'ab'.repeat(32);

/** Peak weight 3 in the given local hours on every day, 1 elsewhere. */
export function profileWithPeaks(hours: number[], weight = 3): PeakProfile {
  return Array.from({ length: 168 }, (_, i) => (hours.includes(i % 24) ? weight : 1));
}

export const officeProfile = profileWithPeaks([8, 9, 14, 15]);
export const streetProfile = profileWithPeaks([7, 8, 17, 18], 2);

const weekday: Array<[string, string]> = [
  ['07:30', '11:30'],
  ['13:30', '17:00'],
];

export const officeHours: OpeningHours = {
  mon: weekday,
  tue: weekday,
  wed: weekday,
  thu: weekday,
  fri: weekday,
  sat: [['08:00', '11:30']],
  sun: [],
  closedDates: ['2024-09-02', '2024-09-03'],
};

const allDay: Array<[string, string]> = [['00:00', '24:00']];
export const alwaysOpen: OpeningHours = {
  mon: allDay,
  tue: allDay,
  wed: allDay,
  thu: allDay,
  fri: allDay,
  sat: allDay,
  sun: allDay,
  closedDates: [],
};

export function campaign(over: Partial<PlanCampaign> = {}): PlanCampaign {
  return {
    id: 'ihanoi-2024',
    mediaSha256: MEDIA,
    mediaDurationMs: 45_000,
    firstDay: '2024-08-17',
    lastDay: '2024-10-10',
    timeZone: HCM,
    targetPerDay: 10,
    averageBasis: 'operating_day',
    peakProfiles: { government_office: officeProfile, street_led: streetProfile },
    makeGoodCapPct: 50,
    ...over,
  };
}

export function office(over: Partial<PlanSite> = {}): PlanSite {
  return {
    id: 'hbt/ubnd-bach-khoa',
    venueType: 'government_office',
    timeZone: HCM,
    openingHours: officeHours,
    ...over,
  };
}

export function street(over: Partial<PlanSite> = {}): PlanSite {
  return {
    id: 'hbt/led-dai-co-viet',
    venueType: 'street_led',
    timeZone: HCM,
    openingHours: alwaysOpen,
    ...over,
  };
}

/** Open intervals of `date`, computed directly from the opening hours. */
export function expectedOpen(hours: OpeningHours, date: string, zone: string): Array<[number, number]> {
  if (hours.closedDates.includes(date)) return [];
  return hours[WEEKDAYS[weekdayOf(date)]!].map(([a, b]) => [
    zonedToInstant(date, minutesOfDay(a), zone),
    b === '24:00' ? zonedToInstant(addDays(date, 1), 0, zone) : zonedToInstant(date, minutesOfDay(b), zone),
  ]);
}

export function weightAt(profile: PeakProfile, t: number, zone: string): number {
  const z = instantToZoned(t, zone);
  return profile[z.weekday * 24 + z.hour]!;
}

/** The profile's peak share over the open time of the day, integrated minute by minute. */
export function expectedPeakShare(
  profile: PeakProfile,
  hours: OpeningHours,
  date: string,
  zone: string,
): number {
  let total = 0;
  let peak = 0;
  for (const [s, e] of expectedOpen(hours, date, zone)) {
    for (let t = s; t < e; t += 60_000) {
      const w = weightAt(profile, t, zone);
      total += w;
      if (w > 1) peak += w;
    }
  }
  return total ? peak / total : 0;
}

export interface PlanFacts {
  outsideHours: number;
  minGapMs: number;
  peakPlays: number;
}

export function factsOf(plan: DayPlan, site: PlanSite, profile: PeakProfile): PlanFacts {
  const open = expectedOpen(site.openingHours, plan.date, site.timeZone);
  let outsideHours = 0;
  let minGapMs = Infinity;
  let peakPlays = 0;
  plan.items.forEach((it, i) => {
    if (!open.some(([s, e]) => it.start >= s && it.end <= e)) outsideHours++;
    if (i > 0) minGapMs = Math.min(minGapMs, it.start - plan.items[i - 1]!.start);
    if (weightAt(profile, it.start, site.timeZone) > 1) peakPlays++;
  });
  return { outsideHours, minGapMs, peakPlays };
}
