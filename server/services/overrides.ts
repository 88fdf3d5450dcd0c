/**
 * Frequency raises (tăng tần suất). The rules, in the city's words "may raise, never lower":
 * - every value is at least the campaign's target;
 * - an office head, for a site in their scope, may only go up from the value in force;
 * - a campaign manager may also bring an earlier raise back down, but never below the target
 *   (they own the campaign; an office head's raise is not theirs to undo silently: it is
 *   audited like every change);
 * - a value the site's opening hours cannot hold with this video is refused when it is set,
 *   with the largest feasible value in the error.
 * Whether the caller may touch the site at all is the route's scope check, not a rule here.
 */
import type { Clock } from '#shared/clock.ts';
import type { Role } from '#shared/schemas/domain.ts';
import { localDateOf } from '#shared/time.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import type { DomainEventBus } from '../events.ts';
import type { CampaignRow } from '../repositories/campaigns.ts';
import type { Repositories } from '../repositories/index.ts';
import type { OverrideRow } from '../repositories/overrides.ts';
import type { SiteRow } from '../repositories/sites.ts';
import { checkFeasible, raiseEffectToday, withRaises } from '../scheduler/index.ts';
import { campaignPhase } from './campaign-phase.ts';
import { planCampaignOf, sharedCampaignsAt, toPlanSite } from './plan-inputs.ts';

export interface OverrideDeps {
  repos: Repositories;
  clock: Clock;
  events: DomainEventBus;
}

export interface RaiseRequest {
  campaignId: string;
  siteId: string;
  playsPerDay: number;
  reason: string;
}

export function overridesService({ repos, clock, events }: OverrideDeps) {
  const load = (campaignId: string, siteId: string) => {
    const campaign = repos.campaigns.get(campaignId);
    if (!campaign) throw notFound('chiến dịch / campaign', campaignId);
    const site = repos.sites.get(siteId);
    if (!site) throw notFound('điểm đặt / site', siteId);
    const media = campaign.media_sha256 ? repos.media.get(campaign.media_sha256) : undefined;
    const current = repos.overrides.current(campaignId, siteId) ?? null;
    return { campaign, site, media, current };
  };

  // Every other campaign on the site's screens counts: their plays take time the raise needs.
  const maxFeasible = (campaign: CampaignRow, site: SiteRow, durationMs: number, perDay: number) =>
    checkFeasible(
      planCampaignOf(campaign, { sha256: campaign.media_sha256 ?? '', durationMs }),
      toPlanSite(site),
      perDay,
      localDateOf(clock.now(), site.time_zone),
      sharedCampaignsAt(repos, site.id, campaign.id),
    );

  /** The value in force at a site, its history and the largest feasible value (for the raise form). */
  function state(campaignId: string, siteId: string) {
    const { campaign, site, media, current } = load(campaignId, siteId);
    const effective = Math.max(campaign.target_per_day, current?.plays_per_day ?? 0);
    const max = media ? maxFeasible(campaign, site, media.duration_ms, effective).maxPerDay : 0;
    return {
      campaign,
      site,
      current,
      effectivePerDay: effective,
      maxFeasiblePerDay: max,
      history: repos.overrides.history({ campaignId: campaign.id, siteId: site.id }),
    };
  }

  /**
   * Applies the raise rules, stores the raise (audited in its transaction) and asks for a
   * re-plan. The answer says what the raise does today: the plan of one of the site's screens,
   * with what it has played so far, before and after (the scheduler's own count, not a guess).
   */
  function raise(
    b: RaiseRequest,
    actor: { id: string; role: Role },
  ): {
    row: OverrideRow;
    effect: ReturnType<typeof raiseEffectToday>;
  } {
    const { campaign, site, media, current } = load(b.campaignId, b.siteId);
    if (!repos.campaigns.participatingSiteIds(campaign.id).includes(site.id)) {
      throw new AppError(
        'CONFLICT',
        `Điểm đặt "${site.id}" không tham gia chiến dịch "${campaign.id}". / Site "${site.id}" does not take part in campaign "${campaign.id}".`,
      );
    }
    const phase = campaignPhase(campaign, clock.now());
    if (phase === 'ended' || phase === 'closed') {
      throw new AppError(
        'CONFLICT',
        `Chiến dịch "${campaign.id}" đã kết thúc; không thể đổi tần suất. / Campaign "${campaign.id}" is over; its frequency can no longer change.`,
      );
    }
    if (b.playsPerDay < campaign.target_per_day) {
      throw new AppError(
        'OVERRIDE_BELOW_TARGET',
        `Không được đặt thấp hơn mức của thành phố: tối thiểu ${campaign.target_per_day} lượt/ngày. / The city's target is ${campaign.target_per_day} plays per day; a site may only go above it.`,
        [
          fieldError(
            'body.playsPerDay',
            `tối thiểu ${campaign.target_per_day}`,
            `must be at least ${campaign.target_per_day}`,
          ),
        ],
        { minimum: campaign.target_per_day },
      );
    }
    const inForce = Math.max(campaign.target_per_day, current?.plays_per_day ?? 0);
    if (actor.role !== 'campaign_manager' && b.playsPerDay < inForce) {
      throw new AppError(
        'OVERRIDE_BELOW_TARGET',
        `Chỉ được tăng tần suất: hiện là ${inForce} lượt/ngày. / Frequency may only be raised: it is ${inForce} plays per day now.`,
        [
          fieldError(
            'body.playsPerDay',
            `tối thiểu ${inForce} (chỉ được tăng)`,
            `must be at least ${inForce} (raise only)`,
          ),
        ],
        { minimum: inForce },
      );
    }
    if (!media) {
      throw new AppError(
        'CONFLICT',
        `Chiến dịch "${campaign.id}" chưa có video. / Campaign "${campaign.id}" has no video yet; set its media first.`,
      );
    }
    const feasible = maxFeasible(campaign, site, media.duration_ms, b.playsPerDay);
    if (!feasible.ok) {
      throw new AppError(
        'OVERRIDE_INFEASIBLE',
        `${feasible.messageVi} / ${feasible.messageEn}`,
        [
          fieldError(
            'body.playsPerDay',
            `tối đa ${feasible.maxPerDay} với giờ mở cửa và các chiến dịch khác của điểm này`,
            `at most ${feasible.maxPerDay} fit in this site's opening hours beside its other campaigns`,
          ),
        ],
        {
          maxFeasiblePerDay: feasible.maxPerDay,
          tightestDate: feasible.tightestDate,
        },
      );
    }
    const row = repos.overrides.add(
      {
        campaignId: campaign.id,
        siteId: site.id,
        playsPerDay: b.playsPerDay,
        reason: b.reason,
        setBy: actor.id,
      },
      inForce,
    );
    events.emit('plan-inputs-changed', {
      campaignId: campaign.id,
      siteIds: [site.id],
      reason: 'override.raise',
    });
    const plan = planCampaignOf(campaign, { sha256: media.sha256, durationMs: media.duration_ms });
    const history = repos.overrides.history({ campaignId: campaign.id, siteId: site.id });
    const screen = repos.plans.screens().find((x) => x.site_id === site.id);
    const today = localDateOf(clock.now(), site.time_zone);
    const effect = raiseEffectToday(
      plan,
      withRaises(
        toPlanSite(site),
        history.filter((o) => o.id !== row.id),
      ),
      withRaises(toPlanSite(site), history),
      clock,
      screen ? repos.plans.playedOn(screen.id, campaign.id, today) : [],
    );
    return { row, effect };
  }

  return { state, raise };
}
export type OverridesService = ReturnType<typeof overridesService>;
