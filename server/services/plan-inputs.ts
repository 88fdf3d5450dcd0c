/**
 * The scheduler's view of a campaign and of a site, read from their rows. The plan service, the
 * raise rules, the reports and the simulator all go through these, so a target is counted the
 * same way everywhere.
 */
import type { VenueType } from '#shared/schemas/domain.ts';
import { campaignJson, type CampaignRow } from '../repositories/campaigns.ts';
import type { PlanCampaignRow, PlanSiteRow } from '../repositories/plans.ts';
import { siteJson } from '../repositories/sites.ts';
import type { Repositories } from '../repositories/index.ts';
import { withRaises, type PlanCampaign, type PlanSite, type SharedCampaign } from '../scheduler/index.ts';
import { communicationCampaigns } from '../comms/schedule.ts';

/** The campaign columns planning reads (any repository's row that has them). */
export type CampaignPlanColumns = Pick<
  CampaignRow,
  'id' | 'first_day' | 'last_day' | 'time_zone' | 'target_per_day' | 'make_good_cap_pct' | 'peak_profiles'
> & { average_basis: string; priority?: number };

/** The campaign as the scheduler sees it, given its video. */
export function planCampaignOf(
  c: CampaignPlanColumns,
  media: { sha256: string; durationMs: number },
): PlanCampaign {
  return {
    id: c.id,
    mediaSha256: media.sha256,
    mediaDurationMs: media.durationMs,
    firstDay: c.first_day,
    lastDay: c.last_day,
    timeZone: c.time_zone,
    targetPerDay: c.target_per_day,
    averageBasis: c.average_basis === 'calendar_day' ? 'calendar_day' : 'operating_day',
    peakProfiles: campaignJson.peakProfiles(c.peak_profiles, c.id),
    makeGoodCapPct: c.make_good_cap_pct,
    ...(c.priority !== undefined ? { priority: c.priority } : {}),
  };
}

/** A campaign without a video (or one whose duration is unknown) cannot be planned yet. */
export function toPlanCampaign(c: PlanCampaignRow): PlanCampaign | null {
  if (!c.media_sha256 || !c.media_duration_ms) return null;
  return planCampaignOf(c, { sha256: c.media_sha256, durationMs: c.media_duration_ms });
}

export function toPlanSite(s: PlanSiteRow): PlanSite {
  return {
    id: s.id,
    venueType: s.venue_type as VenueType,
    timeZone: s.time_zone,
    openingHours: siteJson.openingHours(s.opening_hours, s.id),
    peakProfile: siteJson.peakProfile.nullable(s.peak_profile, s.id),
  };
}

/**
 * The other campaigns (and on-air communications) whose plays share the site's screens, each
 * with the site as that campaign plans it (its raise history): what a feasibility check must
 * count besides the campaign it checks.
 */
export function sharedCampaignsAt(
  repos: Repositories,
  siteId: string,
  exceptCampaignId: string,
): SharedCampaign[] {
  const row = repos.plans.site(siteId);
  if (!row) return [];
  const base = toPlanSite(row);
  const out: SharedCampaign[] = [];
  const active: PlanCampaign[] = [];
  for (const c of repos.plans.campaigns()) {
    if (c.status !== 'active') continue;
    const campaign = toPlanCampaign(c);
    if (!campaign) continue;
    active.push(campaign);
    if (c.id === exceptCampaignId || !repos.campaigns.participatingSiteIds(c.id).includes(siteId)) continue;
    out.push({ campaign, site: withRaises(base, repos.overrides.history({ campaignId: c.id, siteId })) });
  }
  for (const { campaign, sites } of communicationCampaigns(repos, active[0]?.peakProfiles ?? {})) {
    if (campaign.id !== exceptCampaignId && sites.has(siteId)) out.push({ campaign, site: base });
  }
  return out;
}
