import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import {
  DayPreview,
  DayPreviewQuery,
  IdParams,
  Loop,
  PutLoopBody,
  type PutLoopBody as PutLoopBodyT,
} from '#shared/schemas/api.ts';
import type { z } from 'zod';
import { AppError, notFound } from '../errors.ts';
import type { Loop as LoopData, LoopSettings } from '../repositories/loops.ts';
import { Ok } from '#shared/schemas/api.ts';
import { dayPreview } from '../services/day-preview.ts';

const TAGS = ['loops'];
/** Venue staff and office heads edit the loops of their own sites; managers any. */
const EDITORS = ['campaign_manager', 'office_head', 'venue_staff'] as const;

function loopView(
  siteId: string,
  screenId: string | null,
  loop: LoopData | null,
  settings: LoopSettings,
  inherited: boolean,
): z.infer<typeof Loop> {
  const items = (loop?.items ?? []).map((i) => ({
    mediaSha256: i.media_sha256,
    durationMs: i.duration_ms,
    kind: i.kind,
    mimeType: i.mime_type,
    name: i.name,
    thumbnailUrl:
      i.kind === 'image' || i.thumbnail_sha256 ? `/api/v1/media/${i.media_sha256}/thumbnail` : null,
  }));
  return {
    siteId,
    screenId,
    inherited,
    items,
    cycleMs: items.reduce((n, i) => n + i.durationMs, 0),
    resume: settings.resume,
    outsideHours: settings.outsideHours,
    updatedAt: loop ? new Date(loop.row.updated_at_ms).toISOString() : null,
    updatedBy: loop?.row.updated_by ?? null,
  };
}

/**
 * The venue's own loop, per site and optionally per screen. Reading follows the scope like
 * every site route; writing is for managers, office heads and venue staff, each within scope.
 * A change re-plans the site's screens, so players get the new loop in their next plan.
 */
const loopRoutes: FastifyPluginAsyncZod = async (app) => {
  const siteOf = (request: FastifyRequest, siteId: string) => {
    request.scope.assertSite(siteId);
    const site = app.repos.sites.get(siteId);
    if (!site) throw notFound('điểm đặt / site', siteId);
    return site;
  };
  const screenOf = (request: FastifyRequest, screenId: string) => {
    const screen = app.repos.screens.get(screenId);
    if (!screen || !request.scope.hasSite(screen.site_id)) throw notFound('màn hình / screen', screenId);
    return screen;
  };

  /** Each item's media must exist; a video shows for its whole length, an image for its time. */
  const resolveItems = (body: PutLoopBodyT) =>
    body.items.map((it, i) => {
      const media = app.repos.media.get(it.mediaSha256);
      if (!media) {
        throw new AppError(
          'VALIDATION_FAILED',
          `Mục ${i + 1}: không có tệp ${it.mediaSha256.slice(0, 12)}… trong thư viện. / Item ${i + 1}: that media is not in the library; upload it first.`,
          [{ path: `body.items.${i}.mediaSha256`, message: 'not in the media library' }],
        );
      }
      return {
        mediaSha256: media.sha256,
        durationMs: media.kind === 'image' ? (it.durationMs ?? media.duration_ms) : media.duration_ms,
      };
    });

  const replan = (siteId: string, screenId: string | null) =>
    app.events.emit(
      'plan-inputs-changed',
      screenId
        ? { screenIds: [screenId], reason: 'loop.update' }
        : { siteIds: [siteId], reason: 'loop.update' },
    );

  app.get(
    '/api/v1/sites/:id/loop',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: "A site's loop and its settings",
        params: IdParams,
        response: { 200: Loop },
      },
    },
    async (request) => {
      const site = siteOf(request, request.params.id);
      return loopView(
        site.id,
        null,
        app.repos.loops.forSite(site.id),
        app.repos.loops.settings(site.id)!,
        false,
      );
    },
  );

  app.put(
    '/api/v1/sites/:id/loop',
    {
      config: { access: 'write', roles: EDITORS },
      schema: {
        tags: TAGS,
        summary: "Replace a site's loop (ordered items) and optionally its resume and outside-hours settings",
        params: IdParams,
        body: PutLoopBody,
        response: { 200: Loop },
      },
    },
    async (request) => {
      const site = siteOf(request, request.params.id);
      const items = resolveItems(request.body);
      const loop = app.repos.loops.save(
        { siteId: site.id, screenId: null },
        items,
        { resume: request.body.resume, outsideHours: request.body.outsideHours },
        request.user!.id,
      );
      replan(site.id, null);
      return loopView(site.id, null, loop, app.repos.loops.settings(site.id)!, false);
    },
  );

  app.get(
    '/api/v1/sites/:id/day-preview',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary:
          'One day at a site as a screen will play it: the loop with the campaign spots cut in at their planned times (the stored plan)',
        params: IdParams,
        querystring: DayPreviewQuery,
        response: { 200: DayPreview },
      },
    },
    async (request) => {
      const site = siteOf(request, request.params.id);
      // A loop just saved is re-planned in the background; show the plan that follows from it.
      await app.plans.idle();
      const preview = dayPreview(app.repos, site, request.query.date, request.query.screenId);
      if (!preview) throw notFound('màn hình / screen', request.query.screenId ?? '');
      return preview;
    },
  );

  app.get(
    '/api/v1/screens/:id/loop',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: "What a screen loops: its own loop, or its site's (inherited: true)",
        params: IdParams,
        response: { 200: Loop },
      },
    },
    async (request) => {
      const screen = screenOf(request, request.params.id);
      const own = app.repos.loops.forScreen(screen.id);
      const loop = own ?? app.repos.loops.forSite(screen.site_id);
      return loopView(screen.site_id, screen.id, loop, app.repos.loops.settings(screen.site_id)!, !own);
    },
  );

  app.put(
    '/api/v1/screens/:id/loop',
    {
      config: { access: 'write', roles: EDITORS },
      schema: {
        tags: TAGS,
        summary: 'Give one screen a loop of its own (instead of its site’s)',
        params: IdParams,
        body: PutLoopBody,
        response: { 200: Loop },
      },
    },
    async (request) => {
      const screen = screenOf(request, request.params.id);
      const items = resolveItems(request.body);
      const loop = app.repos.loops.save(
        { siteId: screen.site_id, screenId: screen.id },
        items,
        { resume: request.body.resume, outsideHours: request.body.outsideHours },
        request.user!.id,
      );
      const settingsChanged = request.body.resume !== undefined || request.body.outsideHours !== undefined;
      replan(screen.site_id, settingsChanged ? null : screen.id);
      return loopView(screen.site_id, screen.id, loop, app.repos.loops.settings(screen.site_id)!, false);
    },
  );

  app.delete(
    '/api/v1/screens/:id/loop',
    {
      config: { access: 'write', roles: EDITORS },
      schema: {
        tags: TAGS,
        summary: "Return a screen to its site's loop",
        params: IdParams,
        response: { 200: Ok },
      },
    },
    async (request) => {
      const screen = screenOf(request, request.params.id);
      if (app.repos.loops.removeScreenLoop(screen.id, request.user!.id)) replan(screen.site_id, screen.id);
      return { ok: true as const };
    },
  );
};
export default loopRoutes;
