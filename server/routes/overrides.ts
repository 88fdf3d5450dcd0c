import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateOverrideBody, Override, OverrideQuery, OverrideState, listOf } from '#shared/schemas/api.ts';
import { overridesService } from '../services/overrides.ts';
import { overrideView } from './views.ts';

const TAGS = ['overrides'];

const StateQuery = z.object({ campaign: z.string().min(1), site: z.string().min(1) });

/** Frequency raises: the rules are in server/services/overrides.ts; these routes map HTTP onto them. */
const overrideRoutes: FastifyPluginAsyncZod = async (app) => {
  const svc = overridesService({ repos: app.repos, clock: app.clock, events: app.events });

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
      const st = svc.state(request.query.campaign, request.query.site);
      return {
        campaignId: st.campaign.id,
        siteId: st.site.id,
        targetPerDay: st.campaign.target_per_day,
        current: st.current ? overrideView(st.current) : null,
        effectivePerDay: st.effectivePerDay,
        maxFeasiblePerDay: st.maxFeasiblePerDay,
        history: st.history.map(overrideView),
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
      const user = request.user!;
      const { row, effect } = svc.raise(b, { id: user.id, role: user.role });
      void reply.status(201);
      return { ...overrideView(row), effect };
    },
  );
};
export default overrideRoutes;
