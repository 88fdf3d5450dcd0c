/**
 * Base daily targets: the campaign's average (or a site's raise) turned into a count for one
 * local date, under the campaign's average basis. See docs/decisions/003-average-basis.md.
 */
import { eachDate } from '../../shared/time.ts';
import { dayEnd, inCampaignWindow, openIntervals } from './day.ts';
import type { PlanCampaign, PlanSite, RaiseStep } from './types.ts';

/** The site is open for at least one whole play on `date` (inside the campaign window). */
export function isOperatingDay(campaign: PlanCampaign, site: PlanSite, date: string): boolean {
  if (!inCampaignWindow(campaign, date)) return false;
  return openIntervals(site.openingHours, date, site.timeZone).some(
    ([s, e]) => e - s > campaign.mediaDurationMs,
  );
}

export function operatingDays(campaign: PlanCampaign, site: PlanSite): string[] {
  return eachDate(campaign.firstDay, campaign.lastDay).filter((d) => isOperatingDay(campaign, site, d));
}

/**
 * The raise history as the scheduler reads it, from frequency_overrides rows in the order they
 * were set. The plan service, the reports and the simulator all build a site's history with
 * this, so the three count every day's target from the same steps.
 */
export function raiseSteps(
  rows: ReadonlyArray<{ plays_per_day: number; effective_from_ms: number; set_at_ms?: number; id?: number }>,
): RaiseStep[] {
  const sorted = [...rows].sort(
    (a, b) =>
      (a.set_at_ms ?? a.effective_from_ms) - (b.set_at_ms ?? b.effective_from_ms) ||
      (a.id ?? 0) - (b.id ?? 0),
  );
  return sorted.map((r) => ({ perDay: r.plays_per_day, effectiveFrom: r.effective_from_ms }));
}

function stepsOf(site: PlanSite): readonly RaiseStep[] {
  if (site.raises) return site.raises;
  if (site.overridePerDay == null) return [];
  // A single raise with no instant counts from the campaign's start (a probe, a test fixture).
  return [{ perDay: site.overridePerDay, effectiveFrom: site.overrideEffectiveFrom ?? -Infinity }];
}

/**
 * The per-day rate in force on `date`: the newest raise that has taken effect by the end of that
 * local day (a raise counts for the whole day on which it takes effect), never below the
 * campaign's. A later raise or lowering changes only the days from its own day on.
 */
export function ratePerDay(campaign: PlanCampaign, site: PlanSite, date: string): number {
  const steps = stepsOf(site);
  if (steps.length === 0) return campaign.targetPerDay;
  const end = dayEnd(date, site.timeZone);
  let rate: number | null = null;
  for (const s of steps) if (s.effectiveFrom < end) rate = s.perDay;
  return Math.max(campaign.targetPerDay, rate ?? campaign.targetPerDay);
}

/** The same site with its raise history attached (the one way callers set it). */
export function withRaises(
  site: PlanSite,
  rows: ReadonlyArray<{ plays_per_day: number; effective_from_ms: number; set_at_ms?: number; id?: number }>,
): PlanSite {
  return { ...site, overridePerDay: null, overrideEffectiveFrom: null, raises: raiseSteps(rows) };
}

/**
 * Share of `total` plays given to the k-th of `n` operating days. Prefix rounding up hands the
 * odd plays to the earliest days and makes the shares add up to exactly `total`.
 */
function share(total: number, n: number, k: number): number {
  return Math.ceil(((k + 1) * total) / n - 1e-9) - Math.ceil((k * total) / n - 1e-9);
}

export function baseTargetFor(
  campaign: PlanCampaign,
  site: PlanSite,
  date: string,
  days?: readonly string[],
): number {
  if (!isOperatingDay(campaign, site, date)) return 0;
  const rate = ratePerDay(campaign, site, date);
  if (campaign.averageBasis === 'operating_day') return rate;
  const open = days ?? operatingDays(campaign, site);
  const k = open.indexOf(date);
  if (k < 0) return 0;
  const calendarDays = eachDate(campaign.firstDay, campaign.lastDay).length;
  return share(rate * calendarDays, open.length, k);
}

/** Base targets for every date of the campaign, 0 on days the site does not operate. */
export function campaignTargets(
  campaign: PlanCampaign,
  site: PlanSite,
): Array<{ date: string; target: number }> {
  const open = operatingDays(campaign, site);
  return eachDate(campaign.firstDay, campaign.lastDay).map((date) => ({
    date,
    target: baseTargetFor(campaign, site, date, open),
  }));
}

/**
 * What a screen owes on the day it was paired: the day's target in proportion to the open time
 * left after pairing (rounded), so a screen paired at 23:50 does not owe a whole day and then
 * make it good over the next week. Only the local day that holds the pairing
 * instant is cut; any other day is owed in full.
 */
export function pairingDayTarget(
  site: PlanSite,
  date: string,
  target: number,
  pairedAt: number | null | undefined,
): number {
  if (pairedAt == null || target <= 0) return target;
  const open = openIntervals(site.openingHours, date, site.timeZone);
  const total = open.reduce((n, [s, e]) => n + (e - s), 0);
  if (total <= 0) return target;
  if (pairedAt <= open[0]![0]) return target;
  if (pairedAt >= dayEnd(date, site.timeZone)) return target;
  const left = open.reduce((n, [s, e]) => n + Math.max(0, e - Math.max(s, pairedAt)), 0);
  return Math.round((target * left) / total);
}
