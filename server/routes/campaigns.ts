import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  Campaign,
  CampaignSite,
  IdParams,
  ParticipantsPreview,
  UpdateCampaignBody,
  listOf,
} from '#shared/schemas/api.ts';
import { Participants, type VenueType } from '#shared/schemas/domain.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import { campaignJson, type CampaignPatch, type CampaignRow } from '../repositories/campaigns.ts';
import { assertPeakProfilesFeasible } from '../services/peak-feasibility.ts';
import { assertCampaignEditFits } from '../services/campaign-feasibility.ts';
import { campaignView } from './views.ts';

const TAGS = ['campaigns'];

/** Campaigns (chiến dịch): everyone reads them; campaign managers edit them. */
const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  const view = (row: CampaignRow) =>
    campaignView(
      row,
      row.media_sha256 ? app.repos.media.get(row.media_sha256) : undefined,
      app.clock.now(),
      app.repos.campaigns.participatingSiteIds(row.id).length,
    );
  const getOr404 = (id: string) => {
    const row = app.repos.campaigns.get(id);
    if (!row) throw notFound('chiến dịch / campaign', id);
    return row;
  };

  app.get(
    '/api/v1/campaigns',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Campaigns with their window, target and whether they run now',
        response: { 200: listOf(Campaign) },
      },
    },
    async () => ({ items: app.repos.campaigns.list().map(view) }),
  );

  app.get(
    '/api/v1/campaigns/:id',
    {
      config: { access: 'read' },
      schema: { tags: TAGS, summary: 'One campaign', params: IdParams, response: { 200: Campaign } },
    },
    async (request) => view(getOr404(request.params.id)),
  );

  app.get(
    '/api/v1/campaigns/:id/sites',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Sites in your scope that take part, with the plays per day in force at each',
        params: IdParams,
        response: { 200: listOf(CampaignSite) },
      },
    },
    async (request) => {
      const c = getOr404(request.params.id);
      const overrides = new Map(
        app.repos.overrides.currentForCampaign(c.id).map((o) => [o.site_id, o.plays_per_day]),
      );
      const items = app.repos.campaigns
        .participatingSiteIds(c.id)
        .filter((id) => request.scope.hasSite(id))
        .map((id) => app.repos.sites.get(id)!)
        .map((s) => {
          const raised = overrides.get(s.id) ?? null;
          return {
            siteId: s.id,
            name: s.name,
            venueType: s.venue_type as VenueType,
            regionId: s.region_id,
            targetPerDay: c.target_per_day,
            overridePerDay: raised,
            effectivePerDay: Math.max(c.target_per_day, raised ?? 0),
          };
        });
      return { items };
    },
  );

  app.post(
    '/api/v1/campaigns/:id/participants/preview',
    {
      config: { access: 'write', roles: ['campaign_manager'] },
      schema: {
        tags: TAGS,
        summary: 'The sites and screens a proposed participants value would take in; changes nothing',
        params: IdParams,
        body: Participants,
        response: { 200: ParticipantsPreview },
      },
    },
    async (request) => {
      getOr404(request.params.id);
      const siteIds = app.repos.campaigns.siteIdsFor(request.body);
      const counts = new Map(app.repos.sites.list().map((s) => [s.id, s.screen_count]));
      return { siteIds, screenCount: siteIds.reduce((n, id) => n + (counts.get(id) ?? 0), 0) };
    },
  );

  app.patch(
    '/api/v1/campaigns/:id',
    {
      config: { access: 'write', roles: ['campaign_manager'] },
      schema: {
        tags: TAGS,
        summary:
          'Change a campaign (dates, target, average basis, peak profiles, participants, media); bumps its version',
        params: IdParams,
        body: UpdateCampaignBody,
        response: { 200: Campaign },
      },
    },
    async (request) => {
      const before = getOr404(request.params.id);
      const b = request.body;
      const firstDay = b.firstDay ?? before.first_day;
      const lastDay = b.lastDay ?? before.last_day;
      if (firstDay > lastDay) {
        throw new AppError(
          'VALIDATION_FAILED',
          `Ngày kết thúc phải sau ngày bắt đầu (${firstDay}). / The last day must be on or after the first day (${firstDay}).`,
          [
            fieldError(
              'body.lastDay',
              `không được trước ngày bắt đầu (${firstDay})`,
              `must not be before the first day (${firstDay})`,
            ),
          ],
        );
      }
      if (b.mediaSha256 && !app.repos.media.get(b.mediaSha256)) {
        throw new AppError(
          'VALIDATION_FAILED',
          `Chưa có video ${b.mediaSha256}; hãy tải lên trước. / Upload the video first: media ${b.mediaSha256} does not exist.`,
          [fieldError('body.mediaSha256', 'hãy tải video lên trước', 'upload the video first')],
        );
      }
      const patch: CampaignPatch = {};
      if (b.name !== undefined) patch.name = b.name;
      if (b.nameEn !== undefined) patch.name_en = b.nameEn;
      if (b.firstDay !== undefined) patch.first_day = b.firstDay;
      if (b.lastDay !== undefined) patch.last_day = b.lastDay;
      if (b.targetPerDay !== undefined) patch.target_per_day = b.targetPerDay;
      if (b.averageBasis !== undefined) patch.average_basis = b.averageBasis;
      if (b.makeGoodCapPct !== undefined) patch.make_good_cap_pct = b.makeGoodCapPct;
      if (b.peakProfiles !== undefined) {
        // Checked against the dates and target this same request sets.
        assertPeakProfilesFeasible(
          app.repos,
          app.clock,
          { ...before, first_day: firstDay, last_day: lastDay },
          b.peakProfiles,
          b.targetPerDay,
        );
        patch.peak_profiles = JSON.stringify({
          ...campaignJson.peakProfiles(before.peak_profiles, before.id),
          ...b.peakProfiles,
        });
      }
      if (b.participants !== undefined) patch.participants = JSON.stringify(b.participants);
      if (b.mediaSha256 !== undefined) patch.media_sha256 = b.mediaSha256;
      if (b.status !== undefined) patch.status = b.status;
      if (b.priority !== undefined) patch.priority = b.priority;
      // More plays, a longer video or an earlier place must fit beside the other campaigns.
      assertCampaignEditFits(app.repos, app.clock, before, patch);
      const after = app.repos.campaigns.update(before.id, patch, request.user!.id)!;
      if (after.version !== before.version) {
        app.events.emit('plan-inputs-changed', { campaignId: after.id, reason: 'campaign.update' });
      }
      return view(after);
    },
  );
};
export default campaignRoutes;
