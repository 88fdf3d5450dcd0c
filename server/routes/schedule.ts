import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LocalDate } from '#shared/schemas/domain.ts';
import { IdParams } from '#shared/schemas/api.ts';
import { instantToZoned, localDateOf, toIsoWithOffset } from '#shared/time.ts';
import { AppError, notFound } from '../errors.ts';
import { planJson } from '../repositories/plans.ts';
import { toCsv, toIcs, toSmil, type ExportInput } from '../schedule/export.ts';
import { parseThirdPartyCsv, ThirdPartyCsvError } from '../schedule/third-party.ts';

const TAGS = ['schedule'];
const MAX_CSV_BYTES = 20 * 1024 * 1024;

const ExportQuery = z
  .object({
    from: LocalDate,
    to: LocalDate,
    format: z.enum(['smil', 'csv', 'ics']).default('smil'),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], error: 'expected to on or after from' });

const ImportQuery = z.object({
  /** Who reported these plays (e.g. "noi-bai-ads"): part of the key, shown in reports. */
  source: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a short lowercase name, e.g. noi-bai-ads'),
});

const ImportResult = z.object({
  importId: z.string(),
  rows: z.number().int(),
  added: z.number().int(),
  duplicates: z.number().int(),
});

const ThirdPartyQuery = z.object({ campaignId: z.string().min(1), from: LocalDate, to: LocalDate });
const ThirdPartyReport = z.object({
  campaignId: z.string(),
  /** Always true: these plays were reported by another system, are not hash-chained, and are not in the other reports' figures. */
  thirdParty: z.literal(true),
  totals: z.object({ plays: z.number().int(), seconds: z.number() }),
  items: z.array(
    z.object({
      date: LocalDate,
      siteId: z.string(),
      screenId: z.string(),
      source: z.string(),
      plays: z.number().int(),
      seconds: z.number(),
    }),
  ),
});

/**
 * Screens we do not run: their plan exported (SMIL 3.0, CSV, iCalendar) for another system or
 * for people to follow, and their proof of play brought back from CSV as third-party plays.
 */
const scheduleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser(['text/csv', 'text/plain'], (_req, payload, done) => done(null, payload));

  app.get(
    '/api/v1/screens/:id/plan-export',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary:
          "A screen's stored plan for a date range as SMIL 3.0 (wallclock begins, prefetch), CSV or iCalendar, for players and people we do not run",
        params: IdParams,
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const screen = app.repos.screens.get(request.params.id);
      if (!screen || !request.scope.hasSite(screen.site_id))
        throw notFound('màn hình / screen', request.params.id);
      const site = app.repos.sites.get(screen.site_id)!;
      const { from, to, format } = request.query;
      const days = app.repos.plans
        .plansFrom(screen.id, from)
        .filter((r) => r.local_date <= to)
        .map((r) => ({ date: r.local_date, day: planJson.day(r.plan, `${screen.id}/${r.local_date}`) }));
      const mediaCache = new Map<string, { name: string; mime: string }>();
      const mediaOf = (sha: string) => {
        let m = mediaCache.get(sha);
        if (!m) {
          const row = app.repos.media.get(sha);
          m = { name: row?.name ?? sha.slice(0, 12), mime: row?.mime_type ?? 'video/mp4' };
          mediaCache.set(sha, m);
        }
        return m;
      };
      const campaignOfMedia = (sha: string) => {
        const use = app.repos.media.usage(sha).find((u) => u.kind === 'campaign');
        return use?.kind === 'campaign' ? use.id : '';
      };
      const loopDay = days.find((d) => d.day.loop)?.day.loop;
      const origin = `${request.protocol}://${request.host}`;
      const input: ExportInput = {
        screenId: screen.id,
        screenName: screen.name,
        siteName: site.name,
        timeZone: site.time_zone,
        from,
        to,
        spots: days.flatMap(({ date, day }) =>
          day.items.map((it) => ({
            id: it.id,
            // Plans stored before items carried their campaign name it by the campaign's video.
            campaignId: it.campaignId ?? campaignOfMedia(it.mediaSha256),
            mediaSha256: it.mediaSha256,
            mediaName: mediaOf(it.mediaSha256).name,
            mimeType: mediaOf(it.mediaSha256).mime,
            start: it.start,
            end: it.end,
            peak: it.peak,
            date,
          })),
        ),
        loop: (loopDay?.items ?? []).map((l) => ({
          mediaSha256: l.mediaSha256,
          mediaName: mediaOf(l.mediaSha256).name,
          mimeType: mediaOf(l.mediaSha256).mime,
          durationMs: l.durationMs,
        })),
        mediaUrl: (sha) => `${origin}/api/v1/media/${sha}`,
        generatedAt: app.clock.now(),
      };
      const base = `${screen.id.replace(/[^A-Za-z0-9_-]/g, '_')}_${from}_${to}`;
      const out =
        format === 'smil'
          ? { body: toSmil(input), type: 'application/smil+xml; charset=utf-8', ext: 'smil' }
          : format === 'csv'
            ? { body: toCsv(input), type: 'text/csv; charset=utf-8', ext: 'csv' }
            : { body: toIcs(input), type: 'text/calendar; charset=utf-8', ext: 'ics' };
      return reply
        .header('content-type', out.type)
        .header('content-disposition', `attachment; filename="${base}.${out.ext}"`)
        .send(out.body);
    },
  );

  app.post(
    '/api/v1/plays/third-party',
    {
      // Auditors only read; an office head imports for the screens in scope.
      config: {
        access: 'write',
        roles: ['campaign_manager', 'office_head'],
        bodyTypes: ['text/csv', 'text/plain'],
      },
      schema: {
        tags: TAGS,
        summary:
          'Import proof of play reported by another system, as CSV (text/csv body; columns in docs/decisions/012-venue-loops.md). All rows or none; rows already imported are skipped.',
        querystring: ImportQuery,
        response: { 200: ImportResult },
      },
    },
    async (request) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function')
        throw new AppError(
          'BAD_REQUEST',
          'Gửi tệp CSV làm thân yêu cầu (text/csv). / Send the CSV file as the request body (text/csv).',
        );
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > MAX_CSV_BYTES)
          throw new AppError(
            'MEDIA_TOO_LARGE',
            'Tệp CSV quá 20 MB; chia nhỏ tệp. / The CSV is over 20 MB; split it.',
          );
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const zones = new Map<string, { zone: string; siteId: string } | null>();
      const screenOf = (id: string) => {
        if (!zones.has(id)) {
          const s = app.repos.screens.get(id);
          const site = s ? app.repos.sites.get(s.site_id) : undefined;
          zones.set(
            id,
            s && site && request.scope.hasSite(s.site_id)
              ? { zone: site.time_zone, siteId: s.site_id }
              : null,
          );
        }
        return zones.get(id) ?? undefined;
      };
      let plays;
      try {
        plays = parseThirdPartyCsv(text, {
          source: request.query.source,
          zoneOf: (id) => screenOf(id)?.zone,
          campaignExists: (id) => app.repos.campaigns.get(id) !== undefined,
        });
      } catch (err) {
        if (!(err instanceof ThirdPartyCsvError)) throw err;
        const first = err.problems[0]!;
        throw new AppError(
          'VALIDATION_FAILED',
          `Tệp CSV có lỗi ở dòng ${first.line}, cột ${first.column} (${first.field || 'tệp'}): ${first.message}; không nhập dòng nào. / The CSV has an error at line ${first.line}, column ${first.column} (${first.field || 'file'}): ${first.message}; nothing was imported.`,
          err.problems.map((p) => ({
            path: `body.line${p.line}.column${p.column}.${p.field || 'file'}`,
            message: p.message,
          })),
          { problems: err.problems },
        );
      }
      const importId = randomUUID();
      const rows = plays.map((p) => {
        const where = screenOf(p.screenId)!;
        const z2 = instantToZoned(p.startedMs, where.zone);
        return {
          key: p.key,
          source: request.query.source,
          externalId: p.externalId,
          screenId: p.screenId,
          siteId: where.siteId,
          campaignId: p.campaignId,
          mediaSha256: p.mediaSha256,
          startedAt: toIsoWithOffset(p.startedMs, where.zone),
          startedMs: p.startedMs,
          secondsShown: p.durationMs / 1000,
          localDate: localDateOf(p.startedMs, where.zone),
          localHour: z2.hour,
        };
      });
      const added = app.repos.thirdPartyPlays.importAll(rows, importId, request.user!.id, {
        source: request.query.source,
        lines: rows.length,
      });
      return { importId, rows: rows.length, added, duplicates: rows.length - added };
    },
  );

  app.get(
    '/api/v1/reports/third-party',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary:
          'Plays reported by other systems (imported CSV), per screen and day: apart from our players’ chained plays',
        querystring: ThirdPartyQuery,
        response: { 200: ThirdPartyReport },
      },
    },
    async (request) => {
      const { campaignId, from, to } = request.query;
      const items = app.repos.thirdPartyPlays
        .byDay(campaignId, from, to)
        .filter((r) => request.scope.hasSite(r.site_id))
        .map((r) => ({
          date: r.local_date,
          siteId: r.site_id,
          screenId: r.screen_id,
          source: r.source,
          plays: r.plays,
          seconds: r.seconds,
        }));
      return {
        campaignId,
        thirdParty: true as const,
        totals: {
          plays: items.reduce((n, i) => n + i.plays, 0),
          seconds: items.reduce((n, i) => n + i.seconds, 0),
        },
        items,
      };
    },
  );
};
export default scheduleRoutes;
