/**
 * The scheduler's view of a campaign and of a site, read from their rows. The plan service, the
 * raise rules, the reports and the simulator all go through these, so a target is counted the
 * same way everywhere.
 */
import type { VenueType } from '#shared/schemas/domain.ts';
import { campaignJson, type CampaignRow } from '../repositories/campaigns.ts';
import type { PlanCampaignRow, PlanSiteRow } from '../repositories/plans.ts';
import { siteJson } from '../repositories/sites.ts';
import type { PlanCampaign, PlanSite } from '../scheduler/index.ts';

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
