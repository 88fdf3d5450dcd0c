import { parseIsoInstant } from '#shared/time.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditPage, AuditQuery } from '#shared/schemas/api.ts';

/** The audit log, newest first, for campaign managers and auditors. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/audit',
    {
      config: { access: 'read', roles: ['campaign_manager', 'auditor'] },
      schema: {
        tags: ['audit'],
        summary: 'Who changed what, and when (paged, newest first)',
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? parseIsoInstant(q.from)! : 0;
      const to = q.to ? parseIsoInstant(q.to)! : Number.MAX_SAFE_INTEGER;
      const names = new Map(app.repos.users.list().map((u) => [u.id, u.username]));
      const items = app.repos.audit.page(from, to, q.limit, q.offset).map((r) => {
        let detail: unknown = r.detail;
        try {
          detail = JSON.parse(r.detail);
        } catch {
          // kept as text
        }
        return {
          id: r.id,
          at: new Date(r.at_ms).toISOString(),
          actor: r.actor,
          actorName: names.get(r.actor) ?? null,
          action: r.action,
          objectType: r.object_type,
          objectId: r.object_id,
          detail,
        };
      });
      return { items, limit: q.limit, offset: q.offset };
    },
  );
};
export default auditRoutes;
