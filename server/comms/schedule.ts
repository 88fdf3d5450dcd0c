/**
 * How an approved communication reaches the screens (decision 013): one with a video becomes a
 * plan input like a campaign, over the sites of its scope, with its own plays-per-day target
 * and the peak profiles of the city's running campaign (the same rush hours). Its plays carry
 * the communication's id as their campaign id, so proof of play and the delivery report work
 * unchanged. An image shows for its display duration (the media's duration_ms); a text (no
 * media) shows full screen for TEXT_DISPLAY_MS, under the sha256 of its words as its "media".
 *
 * On a screen it shares with campaigns, a communication is planned after the city's campaign
 * and before campaigns that name no priority (COMMUNICATION_PRIORITY; decision 017).
 */
import { createHash } from 'node:crypto';
import type { PeakProfile, VenueType } from '#shared/schemas/domain.ts';
import type { Repositories } from '../repositories/index.ts';
import type { PlanCampaign } from '../scheduler/index.ts';

/** Where communications come in the planning order of a shared screen (lower first). */
export const COMMUNICATION_PRIORITY = 50;

/** How long a text communication stays on screen. */
export const TEXT_DISPLAY_MS = 15_000;

/** The words a text item shows. */
export interface PlanTextWords {
  title: string;
  body: string;
}

/** The "media" sha256 of a text item: the sha256 of `title + "\n" + body` in UTF-8 (protocol §PlanText). */
export function textSha256(words: PlanTextWords): string {
  return createHash('sha256').update(`${words.title}\n${words.body}`, 'utf8').digest('hex');
}

export function communicationCampaigns(
  repos: Repositories,
  peakProfiles: Partial<Record<VenueType, PeakProfile>>,
): Array<{ campaign: PlanCampaign; sites: Set<string>; text?: PlanTextWords }> {
  const out: Array<{ campaign: PlanCampaign; sites: Set<string>; text?: PlanTextWords }> = [];
  for (const row of repos.communications.liveCommunications()) {
    const sites = () => new Set(repos.communications.sitesInRegions([row.scope_region_id]).map((s) => s.id));
    const common = {
      id: row.id,
      firstDay: row.first_day,
      lastDay: row.last_day,
      timeZone: row.time_zone,
      targetPerDay: row.plays_per_day,
      averageBasis: 'operating_day' as const,
      peakProfiles,
      // A communication is news: a missed day is not made up later.
      makeGoodCapPct: 0,
      priority: COMMUNICATION_PRIORITY,
    };
    if (!row.media_sha256) {
      const text = { title: row.title, body: row.body };
      out.push({
        campaign: { ...common, mediaSha256: textSha256(text), mediaDurationMs: TEXT_DISPLAY_MS },
        sites: sites(),
        text,
      });
      continue;
    }
    const media = repos.media.get(row.media_sha256);
    // A video plays for its length; a still image for its display duration (media.duration_ms).
    const mime = media?.mime_type as string | undefined;
    if (!media || !(mime?.startsWith('video/') || mime?.startsWith('image/')) || !(media.duration_ms > 0))
      continue;
    out.push({
      campaign: { ...common, mediaSha256: media.sha256, mediaDurationMs: media.duration_ms },
      sites: sites(),
    });
  }
  return out;
}
