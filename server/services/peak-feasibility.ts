/**
 * Refusing a peak profile that the sites using it cannot play, when it is saved rather than when
 * screens fall short. A profile shapes the peak share (plays in peak hours over all plays): a
 * heavy weight on one short window makes most plays crowd into it, and the gap between plays
 * caps how many fit there. Every site that takes part and follows the venue type's profile (no
 * profile of its own) is checked at the plays per day in force there, from today to the end.
 */
import type { Clock } from '#shared/clock.ts';
import { VENUE_TYPES, type PeakProfile, type VenueType } from '#shared/schemas/domain.ts';
import { formatDate, localDateOf } from '#shared/time.ts';
import { AppError, fieldError } from '../errors.ts';
import type { CampaignRow } from '../repositories/campaigns.ts';
import type { Repositories } from '../repositories/index.ts';
import { checkFeasible, dayCapacity } from '../scheduler/index.ts';
import { planCampaignOf, toPlanSite } from './plan-inputs.ts';

/**
 * Throws PEAK_PROFILE_INFEASIBLE naming the first site and day that cannot hold their plays
 * with the new profiles; `targetPerDay` is the target the same request sets, if any.
 */
export function assertPeakProfilesFeasible(
  repos: Repositories,
  clock: Clock,
  row: CampaignRow,
  profiles: Partial<Record<VenueType, PeakProfile>>,
  targetPerDay?: number,
): void {
  const media = row.media_sha256 ? repos.media.get(row.media_sha256) : undefined;
  if (!media) return; // nothing can be planned before the video is set
  const base = planCampaignOf(
    { ...row, target_per_day: targetPerDay ?? row.target_per_day },
    { sha256: media.sha256, durationMs: media.duration_ms },
  );
  const campaign = { ...base, peakProfiles: { ...base.peakProfiles, ...profiles } };
  const raised = new Map(
    repos.overrides.currentForCampaign(row.id).map((o) => [o.site_id, o.plays_per_day] as const),
  );
  const checked = new Set<string>();
  for (const id of repos.campaigns.participatingSiteIds(row.id)) {
    const s = repos.sites.get(id);
    if (!s || s.peak_profile !== null) continue;
    const venue = s.venue_type as VenueType;
    if (!profiles[venue]) continue;
    const perDay = Math.max(campaign.targetPerDay, raised.get(id) ?? 0);
    // Sites with the same hours, zone and plays per day answer the same: check one of them.
    const key = `${venue}|${s.time_zone}|${s.opening_hours}|${perDay}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const site = toPlanSite(s);
    const today = localDateOf(clock.now(), s.time_zone);
    const f = checkFeasible(campaign, site, perDay, today);
    if (f.ok) continue;
    const cap = dayCapacity(campaign, site, f.tightestDate);
    const share = Math.round(cap.peakShare * 100);
    const date = formatDate(f.tightestDate, s.time_zone);
    const type = VENUE_TYPES[venue];
    throw new AppError(
      'PEAK_PROFILE_INFEASIBLE',
      `Chưa lưu giờ cao điểm của loại "${type.vi}": với các trọng số này ${share}% lượt phát phải rơi vào giờ cao điểm, ` +
        `nên ngày ${date} "${s.name}" chỉ chứa được ${cap.maxPlays} lượt trong khi cần ${perDay} lượt/ngày. ` +
        `Hãy tô giờ cao điểm rộng hơn, giảm trọng số cao điểm, hoặc tô trọng số 1 cho các giờ mở cửa khác. / ` +
        `Peak hours for "${type.en}" not saved: with these weights ${share}% of plays must fall in peak hours, ` +
        `so on ${date} "${s.name}" holds only ${cap.maxPlays} plays and needs ${perDay} a day. ` +
        `Paint a wider peak, lower the peak weights, or give the other open hours weight 1.`,
      [
        fieldError(
          'body.peakProfiles',
          `ngày ${date} chỉ chứa được ${cap.maxPlays} lượt, cần ${perDay}: tô cao điểm rộng hơn hoặc giảm trọng số`,
          `${date} holds only ${cap.maxPlays} plays, ${perDay} needed: widen the peak or lower its weights`,
        ),
      ],
      {
        venueType: venue,
        siteId: s.id,
        date: f.tightestDate,
        maxPlays: cap.maxPlays,
        needed: perDay,
      },
    );
  }
}
