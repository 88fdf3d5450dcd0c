import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, Site, SiteQuery, UpdateSiteBody, listOf } from '#shared/schemas/api.ts';
import { notFound } from '../errors.ts';
import { siteView } from './views.ts';

const TAGS = ['sites'];

/** Sites (điểm đặt): anyone signed in lists the sites of their scope; managers edit hours and profiles. */
const siteRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/sites',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Sites in your scope',
        querystring: SiteQuery,
        response: { 200: listOf(Site) },
      },
    },
    async (request) => {
      const rows = app.repos.sites.list({
        regionId: request.query.region,
        venueType: request.query.venueType,
      });
      return { items: rows.filter((r) => request.scope.hasSite(r.id)).map(siteView) };
    },
  );

  app.get(
    '/api/v1/sites/:id',
    {
      config: { access: 'read' },
      schema: { tags: TAGS, summary: 'One site', params: IdParams, response: { 200: Site } },
    },
    async (request) => {
      request.scope.assertSite(request.params.id);
      const row = app.repos.sites.get(request.params.id);
      if (!row) throw notFound('điểm đặt / site', request.params.id);
      return siteView(row);
    },
  );

  app.patch(
    '/api/v1/sites/:id',
    {
      config: { access: 'write', roles: ['campaign_manager'] },
      schema: {
        tags: TAGS,
        summary: 'Change a site (opening hours, peak profile, name, address, zone)',
        params: IdParams,
        body: UpdateSiteBody,
        response: { 200: Site },
      },
    },
    async (request) => {
      const b = request.body;
      const patch = {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.address !== undefined ? { address: b.address } : {}),
        ...(b.timeZone !== undefined ? { time_zone: b.timeZone } : {}),
        ...(b.openingHours !== undefined ? { opening_hours: JSON.stringify(b.openingHours) } : {}),
        ...(b.peakProfile !== undefined
          ? { peak_profile: b.peakProfile === null ? null : JSON.stringify(b.peakProfile) }
          : {}),
      };
      const row = app.repos.sites.update(request.params.id, patch, request.user!.id);
      if (!row) throw notFound('điểm đặt / site', request.params.id);
      if (b.openingHours !== undefined || b.peakProfile !== undefined || b.timeZone !== undefined) {
        app.events.emit('plan-inputs-changed', { siteIds: [row.id], reason: 'site.update' });
      }
      return siteView(row);
    },
  );
};
export default siteRoutes;
