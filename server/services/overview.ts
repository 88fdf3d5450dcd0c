/**
 * The figures of the console's overview: screens online and offline, and today's plays against
 * the plan and the target, by district and venue type; and the same per screen. "Today" is the
 * campaign zone's calendar day on the server's clock.
 */
import type { Clock } from '#shared/clock.ts';
import { DEFAULT_TIME_ZONE, type LocalDate } from '#shared/schemas/domain.ts';
import type { OverviewResult } from '#shared/schemas/reports.ts';
import { localDateOf } from '#shared/time.ts';
import type { Repositories } from '../repositories/index.ts';
import { groupRows, loadContext, screenDayRows, sitesFor, type SiteScope } from '../reports/aggregate.ts';

export interface ScreenToday {
  screenId: string;
  plays: number;
  planned: number;
  target: number;
}

export function overviewService(repos: Repositories, clock: Clock) {
  /** The named campaign, or by default the first one. */
  const campaignOf = (campaignId: string | undefined) =>
    campaignId ? repos.reports.campaign(campaignId) : repos.reports.campaigns()[0];

  function overview(campaignId: string | undefined, scope: SiteScope): OverviewResult {
    const campaign = campaignOf(campaignId);
    const zone = campaign?.time_zone ?? DEFAULT_TIME_ZONE;
    const now = clock.now();
    const date = localDateOf(now, zone);
    const screens = repos.reports.screens().filter((s) => !scope || scope.has(s.site_id));
    const counts = { online: 0, offline: 0, unpaired: 0, revoked: 0 };
    for (const s of screens) if (s.status in counts) counts[s.status as keyof typeof counts]++;
    if (!campaign) {
      return {
        date,
        timeZone: zone,
        campaignId: null,
        screens: counts,
        today: { plays: 0, planned: 0, due: 0, target: 0 },
        byDistrict: [],
        byVenueType: [],
      };
    }
    const ctx = loadContext(repos, campaign.id, now);
    const sites = sitesFor(ctx, {}, scope);
    const rows = screenDayRows(repos, ctx, sites, date, scope === null && sites.length === ctx.sites.size);
    // Planned beside achieved for the same screens: those that count today (paired, in scope).
    const counted = new Set(rows.map((r) => r.screenId));
    const planned = repos.reports
      .plannedOn(date, campaign.id)
      .reduce((n, p) => (counted.has(p.screen_id) ? n + p.planned : n), 0);
    const byDistrict = groupRows(rows, 'district');
    return {
      date,
      timeZone: zone,
      campaignId: campaign.id,
      screens: counts,
      today: {
        plays: byDistrict.totals.plays,
        planned,
        due: byDistrict.totals.due,
        target: byDistrict.totals.target,
      },
      byDistrict: byDistrict.groups,
      byVenueType: groupRows(rows, 'venue_type').groups,
    };
  }

  /** Each screen's plays and planned plays today, for the screens in scope. */
  function screensToday(
    campaignId: string | undefined,
    scope: SiteScope,
  ): { date: LocalDate; items: ScreenToday[] } {
    const campaign = campaignOf(campaignId);
    const now = clock.now();
    if (!campaign) return { date: localDateOf(now, DEFAULT_TIME_ZONE), items: [] };
    const date = localDateOf(now, campaign.time_zone);
    const ctx = loadContext(repos, campaign.id, now);
    const sites = sitesFor(ctx, {}, scope);
    const planned = new Map(repos.reports.plannedOn(date, campaign.id).map((p) => [p.screen_id, p.planned]));
    const items = screenDayRows(repos, ctx, sites, date, false).map((r) => ({
      screenId: r.screenId,
      plays: r.plays,
      planned: planned.get(r.screenId) ?? 0,
      target: r.target,
    }));
    return { date, items };
  }

  return { overview, screensToday };
}
export type OverviewService = ReturnType<typeof overviewService>;
