/**
 * Base daily targets: the campaign's average (or a site's raise) turned into a count for one
 * local date, under the campaign's average basis. See docs/decisions/003-average-basis.md.
 */
import { eachDate } from '../../shared/time.ts';
import { dayEnd, inCampaignWindow, openIntervals } from './day.ts';
import type { PlanCampaign, PlanSite } from './types.ts';

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

/** The per-day rate in force on `date`: the campaign's, or the site's raise once effective. */
export function ratePerDay(campaign: PlanCampaign, site: PlanSite, date: string): number {
  const raise = site.overridePerDay ?? 0;
  if (raise <= campaign.targetPerDay) return campaign.targetPerDay;
  const from = site.overrideEffectiveFrom;
  // A raise counts for the whole local day on which it takes effect.
  if (from == null || from < dayEnd(date, site.timeZone)) return raise;
  return campaign.targetPerDay;
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
