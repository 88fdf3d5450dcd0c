import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateOverrideBody, Override, OverrideQuery, OverrideState, listOf } from '#shared/schemas/api.ts';
import { localDateOf } from '#shared/time.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import { planCampaignOf, toPlanSite } from '../cron/plan-service.ts';
import { checkFeasible, raiseEffectToday, withRaises } from '../scheduler/index.ts';
import type { CampaignRow } from '../repositories/campaigns.ts';
import type { SiteRow } from '../repositories/sites.ts';
import { campaignPhase, overrideView } from './views.ts';

const TAGS = ['overrides'];

const StateQuery = z.object({ campaign: z.string().min(1), site: z.string().min(1) });

/**
 * Frequency raises (tăng tần suất). The rules, in the city's words "may raise, never lower":
 * - every value is at least the campaign's target;
 * - an office head, for a site in their scope, may only go up from the value in force;
 * - a campaign manager may also bring an earlier raise back down, but never below the target
 *   (they own the campaign; an office head's raise is not theirs to undo silently: it is
 *   audited like every change);
 * - a value the site's opening hours cannot hold with this video is refused when it is set,
 *   with the largest feasible value in the error.
 */
const overrideRoutes: FastifyPluginAsyncZod = async (app) => {
  const load = (campaignId: string, siteId: string) => {
    const campaign = app.repos.campaigns.get(campaignId);
    if (!campaign) throw notFound('chiến dịch / campaign', campaignId);
    const site = app.repos.sites.get(siteId);
    if (!site) throw notFound('điểm đặt / site', siteId);
    const media = campaign.media_sha256 ? app.repos.media.get(campaign.media_sha256) : undefined;
    const current = app.repos.overrides.current(campaignId, siteId) ?? null;
    return { campaign, site, media, current };
  };

  const maxFeasible = (campaign: CampaignRow, site: SiteRow, durationMs: number, perDay: number) =>
    checkFeasible(
      planCampaignOf(campaign, campaign.media_sha256 ?? '', durationMs),
      toPlanSite(site),
      perDay,
      localDateOf(app.clock.now(), site.time_zone),
    );

  app.get(
    '/api/v1/overrides',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'History of raises (newest first) for the sites in your scope',
        querystring: OverrideQuery,
        response: { 200: listOf(Override) },
      },
    },
    async (request) => {
      if (request.query.site) request.scope.assertSite(request.query.site);
      const rows = app.repos.overrides.history({
        campaignId: request.query.campaign,
        siteId: request.query.site,
      });
      return { items: rows.filter((r) => request.scope.hasSite(r.site_id)).map(overrideView) };
    },
  );

  app.get(
    '/api/v1/overrides/state',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary:
          'The value in force at a site, its history and the largest feasible value (for the raise form)',
        querystring: StateQuery,
        response: { 200: OverrideState },
      },
    },
    async (request) => {
      request.scope.assertSite(request.query.site);
      const { campaign, site, media, current } = load(request.query.campaign, request.query.site);
      const effective = Math.max(campaign.target_per_day, current?.plays_per_day ?? 0);
      const max = media ? maxFeasible(campaign, site, media.duration_ms, effective).maxPerDay : 0;
      return {
        campaignId: campaign.id,
        siteId: site.id,
        targetPerDay: campaign.target_per_day,
        current: current ? overrideView(current) : null,
        effectivePerDay: effective,
        maxFeasiblePerDay: max,
        history: app.repos.overrides.history({ campaignId: campaign.id, siteId: site.id }).map(overrideView),
      };
    },
  );

  app.post(
    '/api/v1/overrides',
    {
      config: { access: 'write', roles: ['campaign_manager', 'office_head'] },
      schema: {
        tags: TAGS,
        summary: 'Raise the plays per day at a site (never below the target; office heads only upwards)',
        body: CreateOverrideBody,
        response: { 201: Override },
      },
    },
    async (request, reply) => {
      const b = request.body;
      request.scope.assertSite(b.siteId);
      const { campaign, site, media, current } = load(b.campaignId, b.siteId);
      if (!app.repos.campaigns.participatingSiteIds(campaign.id).includes(site.id)) {
        throw new AppError(
          'CONFLICT',
          `Điểm đặt "${site.id}" không tham gia chiến dịch "${campaign.id}". / Site "${site.id}" does not take part in campaign "${campaign.id}".`,
        );
      }
      const phase = campaignPhase(campaign, app.clock.now());
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
      if (request.user!.role !== 'campaign_manager' && b.playsPerDay < inForce) {
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
              `tối đa ${feasible.maxPerDay} với giờ mở cửa của điểm này`,
              `at most ${feasible.maxPerDay} fit in this site's opening hours`,
            ),
          ],
          {
            maxFeasiblePerDay: feasible.maxPerDay,
            tightestDate: feasible.tightestDate,
          },
        );
      }
      const row = app.repos.overrides.add(
        {
          campaignId: campaign.id,
          siteId: site.id,
          playsPerDay: b.playsPerDay,
          reason: b.reason,
          setBy: request.user!.id,
        },
        inForce,
      );
      app.events.emit('plan-inputs-changed', {
        campaignId: campaign.id,
        siteIds: [site.id],
        reason: 'override.raise',
      });
      // The answer says what the raise does today: the plan of one of the site's screens, with
      // what it has played so far, before and after (the scheduler's own count, not a guess).
      const plan = planCampaignOf(campaign, media.sha256, media.duration_ms);
      const history = app.repos.overrides.history({ campaignId: campaign.id, siteId: site.id });
      const screen = app.repos.plans.screens().find((x) => x.site_id === site.id);
      const today = localDateOf(app.clock.now(), site.time_zone);
      const effect = raiseEffectToday(
        plan,
        withRaises(
          toPlanSite(site),
          history.filter((o) => o.id !== row.id),
        ),
        withRaises(toPlanSite(site), history),
        app.clock,
        screen ? app.repos.plans.playedOn(screen.id, campaign.id, today) : [],
      );
      void reply.status(201);
      return { ...overrideView(row), effect };
    },
  );
};
export default overrideRoutes;
