/**
 * A campaign edit that asks for more time on screens (a higher target, a longer video, other peak
 * hours, an earlier place) is checked against every participating site as a raise is: the site's
 * opening hours and every other campaign on its screens (decision 017). It is refused at the
 * first site that cannot hold it, naming the site and the number that still fits there.
 */
import type { Clock } from '#shared/clock.ts';
import { localDateOf } from '#shared/time.ts';
import { AppError, fieldError } from '../errors.ts';
import { campaignJson, type CampaignPatch, type CampaignRow } from '../repositories/campaigns.ts';
import type { Repositories } from '../repositories/index.ts';
import { checkFeasible } from '../scheduler/index.ts';
import { planCampaignOf, sharedCampaignsAt, toPlanSite } from './plan-inputs.ts';

export function assertCampaignEditFits(
  repos: Repositories,
  clock: Clock,
  before: CampaignRow,
  patch: CampaignPatch,
): void {
  const after: CampaignRow = { ...before, ...patch };
  const moreTime =
    after.target_per_day > before.target_per_day ||
    after.media_sha256 !== before.media_sha256 ||
    after.peak_profiles !== before.peak_profiles ||
    after.priority !== before.priority;
  if (!moreTime || after.status !== 'active' || !after.media_sha256) return;
  const media = repos.media.get(after.media_sha256);
  if (!media || !(media.duration_ms > 0)) return;
  const campaign = planCampaignOf(after, { sha256: media.sha256, durationMs: media.duration_ms });
  const raised = new Map(
    repos.overrides.currentForCampaign(after.id).map((o) => [o.site_id, o.plays_per_day]),
  );
  const siteIds = patch.participants
    ? repos.campaigns.siteIdsFor(campaignJson.participants(patch.participants, after.id))
    : repos.campaigns.participatingSiteIds(after.id);
  for (const siteId of siteIds) {
    const row = repos.sites.get(siteId);
    if (!row) continue;
    const perDay = Math.max(after.target_per_day, raised.get(siteId) ?? 0);
    const f = checkFeasible(
      campaign,
      toPlanSite(row),
      perDay,
      localDateOf(clock.now(), row.time_zone),
      sharedCampaignsAt(repos, siteId, after.id),
    );
    if (f.ok) continue;
    throw new AppError(
      'CAMPAIGN_INFEASIBLE',
      `Điểm đặt "${siteId}": ${f.messageVi} / Site "${siteId}": ${f.messageEn}`,
      [
        fieldError(
          'body.targetPerDay',
          `tối đa ${f.maxPerDay} tại điểm "${siteId}"`,
          `at most ${f.maxPerDay} fit at site "${siteId}"`,
        ),
      ],
      { siteId, maxFeasiblePerDay: f.maxPerDay, tightestDate: f.tightestDate },
    );
  }
}
