import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_TIME_ZONE, LocalDate, VenueType } from '#shared/schemas/domain.ts';
import {
  ExportFormat,
  ExportKind,
  OverviewResult,
  PlanPreviewRequest,
  PlanPreviewResult,
  ReportQuery,
  ReportResult,
  SavedReport,
} from '#shared/schemas/reports.ts';
import { formatDateTime, toIsoWithOffset } from '#shared/time.ts';
import { AppError, notFound } from '../errors.ts';
import { buildReport, type SiteScope } from '../reports/aggregate.ts';
import { prepareExport } from '../reports/exports.ts';
import { reportsDir } from '../reports/weekly.ts';
import { writeCsv, writeXlsx } from '../reports/writers.ts';
import { overviewService } from '../services/overview.ts';
import { planPreview } from '../services/plan-preview.ts';

const TAGS = ['reports'];

const ExportQuerySchema = z.object({
  kind: ExportKind,
  format: ExportFormat.default('csv'),
  campaignId: z.string().min(1).optional(),
  from: LocalDate,
  to: LocalDate,
  siteId: z.string().min(1).optional(),
  regionId: z.string().min(1).optional(),
  venueType: VenueType.optional(),
});

const MIME = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/**
 * Reports (báo cáo): the console's aggregates, streamed exports, the saved weekly reports and
 * the campaign editor's plan preview. Office heads and venue staff see only their sites' rows:
 * the scope is applied inside the SQL, not after it.
 */
const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const scopeOf = (request: { scope: { all: boolean; siteIds: ReadonlySet<string> } }): SiteScope =>
    request.scope.all ? null : request.scope.siteIds;

  const defaultCampaign = () => app.repos.reports.campaigns()[0];
  const overview = overviewService(app.repos, app.clock);

  app.get(
    '/api/v1/reports/summary',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Achieved vs target by screen, site, district or venue type, per day and per hour',
        querystring: ReportQuery,
        response: { 200: ReportResult },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.siteId) request.scope.assertSite(q.siteId);
      return buildReport(app.repos, q, scopeOf(request), app.clock.now());
    },
  );

  app.get(
    '/api/v1/reports/overview',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: "Screens online/offline and today's plays vs plan, by district and venue type",
        querystring: z.object({ campaignId: z.string().min(1).optional() }),
        response: { 200: OverviewResult },
      },
    },
    async (request) => overview.overview(request.query.campaignId, scopeOf(request)),
  );

  app.get(
    '/api/v1/reports/export',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary:
          'Download a report as CSV (UTF-8 with BOM) or XLSX, streamed; states period, zone, generation time, filters and a sha256 of its rows',
        querystring: ExportQuerySchema,
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.from > q.to)
        throw new AppError(
          'BAD_REQUEST',
          'Ngày bắt đầu phải trước ngày kết thúc. / The first day must not be after the last.',
        );
      if (
        q.kind === 'audit' &&
        request.user &&
        !['campaign_manager', 'auditor'].includes(request.user.role)
      ) {
        throw new AppError(
          'FORBIDDEN',
          'Chỉ quản lý chiến dịch và kiểm toán viên được xuất nhật ký. / Only campaign managers and auditors may export the audit log.',
        );
      }
      if (q.siteId) request.scope.assertSite(q.siteId);
      const prepared = prepareExport(app, q.kind, q, scopeOf(request));
      const body = new PassThrough({ highWaterMark: 256 * 1024 });
      const fileName = `${prepared.fileBase}.${q.format}`;
      const run = q.format === 'csv' ? writeCsv : writeXlsx;
      void run(prepared.table, body)
        .then((r) =>
          request.log.info(
            { kind: q.kind, format: q.format, rows: r.rows, checksum: r.checksum },
            'export finished',
          ),
        )
        .catch((err: unknown) => {
          request.log.warn({ err }, 'export stopped');
          body.destroy(err instanceof Error ? err : new Error(String(err)));
        })
        .finally(() => prepared.close());
      return reply
        .header('content-type', MIME[q.format])
        .header(
          'content-disposition',
          `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
        )
        .header('cache-control', 'no-store')
        .send(body);
    },
  );

  const savedView = (r: ReturnType<typeof app.repos.reports.listReports>[number]) => {
    const zone = app.repos.reports.campaign(r.campaign_id)?.time_zone ?? DEFAULT_TIME_ZONE;
    return {
      id: r.id,
      kind: r.kind,
      campaignId: r.campaign_id,
      periodFirst: r.period_first,
      periodLast: r.period_last,
      generatedAt: toIsoWithOffset(r.generated_at_ms, zone),
      fileName: r.file_name,
      checksum: r.checksum,
    };
  };

  // Saved reports cover every site, so only the roles that see everything may fetch them.
  app.get(
    '/api/v1/reports/saved',
    {
      config: { access: 'read', roles: ['campaign_manager', 'auditor'] },
      schema: {
        tags: TAGS,
        summary: 'Saved reports (the weekly Thursday report)',
        response: { 200: z.object({ items: z.array(SavedReport) }) },
      },
    },
    async () => ({ items: app.repos.reports.listReports().map(savedView) }),
  );

  app.get(
    '/api/v1/reports/saved/:id/download',
    {
      config: { access: 'read', roles: ['campaign_manager', 'auditor'] },
      schema: {
        tags: TAGS,
        summary: 'Download a saved report as XLSX or CSV',
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: z.object({ format: ExportFormat.default('xlsx') }),
      },
    },
    async (request, reply) => {
      const row = app.repos.reports.getReport(request.params.id);
      if (!row) throw notFound('báo cáo / report', String(request.params.id));
      const name = row.file_name.replace(/\.(xlsx|csv)$/, '') + `.${request.query.format}`;
      const path = join(reportsDir(app.config), name);
      if (!existsSync(path)) throw notFound('tệp báo cáo / report file', name);
      return reply
        .header('content-type', MIME[request.query.format])
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(createReadStream(path));
    },
  );

  // What one screen of a venue type would play on a date (server/services/plan-preview.ts).
  app.post(
    '/api/v1/reports/plan-preview',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Preview the daily plan for a venue type with an edited target and peak profile',
        body: PlanPreviewRequest,
        response: { 200: PlanPreviewResult },
      },
    },
    async (request) => planPreview(app.repos, app.clock, request.body),
  );

  app.get(
    '/api/v1/reports/screens-today',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: "Each screen's plays and planned plays today (campaign zone), for the screens in your scope",
        querystring: z.object({ campaignId: z.string().min(1).optional() }),
        response: {
          200: z.object({
            date: LocalDate,
            items: z.array(
              z.object({
                screenId: z.string(),
                plays: z.number().int(),
                planned: z.number().int(),
                target: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => overview.screensToday(request.query.campaignId, scopeOf(request)),
  );

  // Exposed for the console's footer and exports: the server's own notion of now.
  app.get(
    '/api/v1/reports/now',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Server time in the campaign zone (virtual when replaying 2024)',
        response: { 200: z.object({ iso: z.string(), display: z.string(), timeZone: z.string() }) },
      },
    },
    async () => {
      const zone = defaultCampaign()?.time_zone ?? DEFAULT_TIME_ZONE;
      const now = app.clock.now();
      return { iso: toIsoWithOffset(now, zone), display: formatDateTime(now, zone), timeZone: zone };
    },
  );
};
export default reportRoutes;
