/**
 * How an approved communication reaches the screens (decision 013): one with a video becomes a
 * plan input like a campaign, over the sites of its scope, with its own plays-per-day target
 * and the peak profiles of the city's running campaign (the same rush hours). Its plays carry
 * the communication's id as their campaign id, so proof of play and the delivery report work
 * unchanged. Text items and images are not put on screens by the scheduler yet.
 *
 * On a screen it shares with campaigns, a communication is planned after the city's campaign
 * and before campaigns that name no priority (COMMUNICATION_PRIORITY; decision 017).
 */
import type { PeakProfile, VenueType } from '#shared/schemas/domain.ts';
import type { Repositories } from '../repositories/index.ts';
import type { PlanCampaign } from '../scheduler/index.ts';

/** Where communications come in the planning order of a shared screen (lower first). */
export const COMMUNICATION_PRIORITY = 50;

export function communicationCampaigns(
  repos: Repositories,
  peakProfiles: Partial<Record<VenueType, PeakProfile>>,
): Array<{ campaign: PlanCampaign; sites: Set<string> }> {
  const out: Array<{ campaign: PlanCampaign; sites: Set<string> }> = [];
  for (const row of repos.communications.liveCommunications()) {
    if (!row.media_sha256) continue;
    const media = repos.media.get(row.media_sha256);
    // A video plays for its length; a still image for its display duration (media.duration_ms).
    const mime = media?.mime_type as string | undefined;
    if (!media || !(mime?.startsWith('video/') || mime?.startsWith('image/')) || !(media.duration_ms > 0))
      continue;
    out.push({
      campaign: {
        id: row.id,
        mediaSha256: media.sha256,
        mediaDurationMs: media.duration_ms,
        firstDay: row.first_day,
        lastDay: row.last_day,
        timeZone: row.time_zone,
        targetPerDay: row.plays_per_day,
        averageBasis: 'operating_day',
        peakProfiles,
        // A communication is news: a missed day is not made up later.
        makeGoodCapPct: 0,
        priority: COMMUNICATION_PRIORITY,
      },
      sites: new Set(repos.communications.sitesInRegions([row.scope_region_id]).map((s) => s.id)),
    });
  }
  return out;
}
