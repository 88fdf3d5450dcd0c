import { parseIsoInstant } from '#shared/time.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditFacets, AuditPage, AuditQuery } from '#shared/schemas/api.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import { ACTION_LABELS, describeAudit, type AuditLookup } from '../audit/sentences.ts';

const READERS = ['campaign_manager', 'auditor'] as const;

/** The audit log, newest first, in sentences, for campaign managers and auditors. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  /** Names for the sentences, read once per request. */
  const lookup = (): AuditLookup => {
    const users = new Map(app.repos.users.list().map((u) => [u.id, u]));
    const sites = new Map(app.repos.sites.list().map((s) => [s.id, s]));
    const campaigns = app.repos.campaigns.list();
    const running = campaigns.find((c) => c.status === 'active') ?? campaigns[0];
    return {
      person: (id) => users.get(id)?.display_name ?? null,
      site: (id) => {
        const s = sites.get(id);
        return s ? { name: s.name, timeZone: s.time_zone } : null;
      },
      screen: (id) => {
        const s = app.repos.screens.get(id);
        return s ? { name: s.name, siteId: s.site_id } : null;
      },
      campaign: (id) => {
        const c = campaigns.find((x) => x.id === id);
        return c ? { name: c.name, targetPerDay: c.target_per_day } : null;
      },
      defaultZone: running?.time_zone ?? DEFAULT_TIME_ZONE,
    };
  };

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: ['audit'],
        summary:
          'Who changed what, and when, in sentences (paged, newest first); filter by time, person, action and site',
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? parseIsoInstant(q.from)! : 0;
      const to = q.to ? parseIsoInstant(q.to)! : Number.MAX_SAFE_INTEGER;
      const users = new Map(app.repos.users.list().map((u) => [u.id, u]));
      const look = lookup();
      const rows = app.repos.audit.search({
        fromMs: from,
        toMs: to,
        actor: q.actor,
        action: q.action,
        siteId: q.siteId,
        screenIds: q.siteId ? app.repos.screens.list({ siteId: q.siteId }).map((s) => s.id) : undefined,
        limit: q.limit,
        offset: q.offset,
      });
      const items = rows.map((r) => {
        let detail: unknown = r.detail;
        try {
          detail = JSON.parse(r.detail);
        } catch {
          // kept as text
        }
        const s = describeAudit({ ...r, detail }, look);
        return {
          id: r.id,
          at: new Date(r.at_ms).toISOString(),
          actor: r.actor,
          actorName: users.get(r.actor)?.username ?? null,
          actorDisplayName: users.get(r.actor)?.display_name ?? null,
          action: r.action,
          objectType: r.object_type,
          objectId: r.object_id,
          detail,
          text: { vi: s.vi, en: s.en },
          siteId: s.siteId,
          siteName: s.siteId ? (look.site(s.siteId)?.name ?? null) : null,
          when: s.when,
          zone: s.zone,
        };
      });
      return { items, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/api/v1/audit/facets',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: ['audit'],
        summary: 'The people and actions found in the audit log, for its filters',
        response: { 200: AuditFacets },
      },
    },
    async () => {
      const f = app.repos.audit.facets();
      const look = lookup();
      return {
        actors: f.actors.map((id) => ({ id, name: look.person(id) ?? id })),
        actions: f.actions.map((id) => {
          const [vi, en] = ACTION_LABELS[id] ?? [id, id];
          return { id, vi, en };
        }),
      };
    },
  );
};
export default auditRoutes;
