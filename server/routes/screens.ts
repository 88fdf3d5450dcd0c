import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, Screen, ScreenQuery, UpdateScreenBody, listOf } from '#shared/schemas/api.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import { screenView } from './views.ts';

const TAGS = ['screens'];
/**
 * Who may rename and revoke screens, at the sites of their scope: the people who look after
 * screens. Communications roles are scoped to regions too, but screens are not theirs.
 */
const SCREEN_KEEPERS = ['campaign_manager', 'office_head', 'venue_staff'] as const;

/**
 * Screens (màn hình). Pairing and the player's own traffic live with the player gateway; here
 * people list, rename and revoke screens of the sites in their scope.
 */
const screenRoutes: FastifyPluginAsyncZod = async (app) => {
  const screenInScope = (id: string, scope: { assertSite(id: string): void }) => {
    const row = app.repos.screens.get(id);
    if (!row) throw notFound('màn hình / screen', id);
    scope.assertSite(row.site_id);
    return row;
  };

  app.get(
    '/api/v1/screens',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Screens in your scope, optionally of one site',
        querystring: ScreenQuery,
        response: { 200: listOf(Screen) },
      },
    },
    async (request) => {
      if (request.query.site) request.scope.assertSite(request.query.site);
      const rows = app.repos.screens.list({ siteId: request.query.site, status: request.query.status });
      return { items: rows.filter((r) => request.scope.hasSite(r.site_id)).map(screenView) };
    },
  );

  app.get(
    '/api/v1/screens/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'One screen with its last status',
        params: IdParams,
        response: { 200: Screen },
      },
    },
    async (request) => screenView(screenInScope(request.params.id, request.scope)),
  );

  app.patch(
    '/api/v1/screens/:id',
    {
      config: { access: 'write', roles: SCREEN_KEEPERS },
      schema: {
        tags: TAGS,
        summary:
          'Rename a screen, move it to another site in your scope, or set its resolution/orientation. A move keeps its plays, plans and audit history (they stay under the screen id; plays already made stay counted at the site where they were made) and re-plans it for the new site from now on',
        params: IdParams,
        body: UpdateScreenBody,
        response: { 200: Screen },
      },
    },
    async (request) => {
      const before = screenInScope(request.params.id, request.scope);
      const b = request.body;
      const moving = b.siteId !== undefined && b.siteId !== before.site_id;
      if (moving) {
        if (!app.repos.sites.get(b.siteId!)) throw notFound('điểm đặt / site', b.siteId!);
        request.scope.assertSite(b.siteId!);
        if (before.status === 'revoked')
          throw new AppError(
            'CONFLICT',
            'Màn hình đã thu hồi không chuyển được; hãy ghép nối lại tại điểm đặt mới. / A revoked screen cannot be moved; pair it again at the new site.',
          );
      }
      const patch = {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(moving ? { site_id: b.siteId! } : {}),
        ...(b.resolution !== undefined ? { resolution: b.resolution } : {}),
        ...(b.orientation !== undefined ? { orientation: b.orientation } : {}),
      };
      try {
        const row = screenView(app.repos.screens.update(request.params.id, patch, request.user!.id)!);
        app.events.emit('screen-changed', { screenId: row.id });
        // The new site's hours, peak profile and frequency apply from now on.
        if (moving) app.events.emit('plan-inputs-changed', { screenIds: [row.id], reason: 'screen.move' });
        return row;
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          const name = b.name ?? before.name;
          throw new AppError(
            'CONFLICT',
            `Điểm đặt đã có màn hình tên "${name}". / The site already has a screen named "${name}"; choose another name.`,
            [
              fieldError(
                'body.name',
                'điểm đặt đã có màn hình tên này',
                'the site already has a screen with this name',
              ),
            ],
          );
        }
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/screens/:id/revoke',
    {
      config: { access: 'write', roles: SCREEN_KEEPERS },
      schema: {
        tags: TAGS,
        summary: 'Revoke a screen: its credential stops working at once and it must be paired again',
        params: IdParams,
        response: { 200: Screen },
      },
    },
    async (request) => {
      const before = screenInScope(request.params.id, request.scope);
      if (before.status === 'revoked') return screenView(before);
      const row = app.repos.screens.revoke(request.params.id, request.user!.id)!;
      app.events.emit('screen-revoked', { screenId: row.id });
      return screenView(row);
    },
  );
};
export default screenRoutes;
