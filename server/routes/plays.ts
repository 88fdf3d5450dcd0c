/**
 * Proof-of-play integrity for auditors: re-walks a screen's whole hash chain and reports what it
 * finds beside the status each play was given at upload. It is a read: the status recorded at
 * upload is the evidence and never changes, and an auditor never writes (decision 008).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyChain } from '../proof/chain.ts';
import { rowToRecord } from '../repositories/plays.ts';
import { notFound } from '../errors.ts';
import { csvLine } from '../reports/writers.ts';
import { DEFAULT_TIME_ZONE, IsoInstant } from '#shared/schemas/domain.ts';
import { parseIsoInstant, toIsoWithOffset } from '#shared/time.ts';

const QuarantineQuery = z.object({
  from: IsoInstant.optional(),
  to: IsoInstant.optional(),
  screen: z.string().min(1).max(200).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const QuarantinedRecord = z.object({
  id: z.number().int(),
  screenId: z.string(),
  siteId: z.string(),
  playId: z.string().nullable(),
  batchId: z.string(),
  code: z.string(),
  reason: z.string(),
  /** The record exactly as the player sent it. */
  record: z.unknown(),
  receivedAt: z.string(),
});

const QuarantinePage = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  records: z.array(QuarantinedRecord),
});

/** Rows of the CSV export: fixed columns, then the record as received (JSON). */
const QUARANTINE_CSV_HEADER = [
  'received_at',
  'screen_id',
  'site_id',
  'play_id',
  'batch_id',
  'code',
  'reason',
  'record_json',
];

const Status = z.enum(['ok', 'gap', 'mismatch']);

const ChainReport = z.object({
  screenId: z.string(),
  plays: z.number().int(),
  lastSeq: z.number().int(),
  ok: z.boolean(),
  /** When and by whom this check ran; it is not stored. */
  checkedAt: z.string(),
  checkedBy: z.string(),
  problems: z.array(z.object({ playId: z.string(), seq: z.number().int(), status: Status.exclude(['ok']) })),
  /** Plays whose status now differs from the one recorded at upload (e.g. edited in the database since). */
  changedSinceUpload: z.array(
    z.object({ playId: z.string(), seq: z.number().int(), statusAtUpload: Status, statusNow: Status }),
  ),
});

const playsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pairing, plays } = app.repos;

  // Records ingest refused, kept exactly as received (server/proof/ingest-rules.ts). Auditors and
  // campaign managers see every site's; the CSV export holds the whole selection.
  app.get(
    '/api/v1/plays/quarantine',
    {
      config: { access: 'read', roles: ['campaign_manager', 'auditor'] },
      schema: { tags: ['plays'], querystring: QuarantineQuery, response: { 200: QuarantinePage } },
    },
    async (request, reply) => {
      const q = request.query;
      const query = {
        from: q.from ? parseIsoInstant(q.from)! : undefined,
        to: q.to ? parseIsoInstant(q.to)! : undefined,
        screenId: q.screen,
      };
      const zone = DEFAULT_TIME_ZONE;
      if (q.format === 'csv') {
        const { rows } = plays.quarantine({ ...query, limit: Number.MAX_SAFE_INTEGER, offset: 0 });
        const lines = [csvLine(QUARANTINE_CSV_HEADER)];
        for (const r of rows)
          lines.push(
            csvLine([
              toIsoWithOffset(r.received_at_ms, zone),
              r.screen_id,
              r.site_id,
              r.play_id ?? '',
              r.batch_id,
              r.code,
              r.reason,
              r.record,
            ]),
          );
        return (
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="plays-quarantine.csv"')
            .header('cache-control', 'no-store')
            // A Buffer is sent as it is; the JSON schema below describes the other format.
            .send(Buffer.from('\uFEFF' + lines.join(''), 'utf8') as unknown as z.infer<typeof QuarantinePage>)
        );
      }
      const { total, rows } = plays.quarantine({ ...query, limit: q.limit, offset: q.offset });
      return {
        total,
        limit: q.limit,
        offset: q.offset,
        records: rows.map((r) => {
          let record: unknown = null;
          try {
            record = JSON.parse(r.record);
          } catch {
            record = r.record;
          }
          return {
            id: r.id,
            screenId: r.screen_id,
            siteId: r.site_id,
            playId: r.play_id,
            batchId: r.batch_id,
            code: r.code,
            reason: r.reason,
            record,
            receivedAt: toIsoWithOffset(r.received_at_ms, zone),
          };
        }),
      };
    },
  );

  app.post(
    '/api/v1/screens/:screenId/proof/verify',
    {
      config: { access: 'read' },
      schema: {
        tags: ['plays'],
        summary:
          "Re-walk a screen's hash chain and report; changes nothing (the status recorded at upload stays)",
        params: z.object({ screenId: z.string() }),
        response: { 200: ChainReport },
      },
    },
    async (request) => {
      const screen = pairing.screen(request.params.screenId);
      if (!screen) throw notFound('màn hình / screen', request.params.screenId);
      request.scope.assertSite(screen.site_id);
      const rows = plays.chain(screen.id);
      const problems = verifyChain(rows.map(rowToRecord));
      const now = new Map(problems.map((p) => [p.playId, p.status]));
      const changedSinceUpload = rows.flatMap((r) => {
        const statusNow: z.infer<typeof Status> = now.get(r.play_id) ?? 'ok';
        return statusNow === r.chain_status
          ? []
          : [{ playId: r.play_id, seq: r.seq, statusAtUpload: r.chain_status, statusNow }];
      });
      return {
        screenId: screen.id,
        plays: rows.length,
        lastSeq: plays.lastSeq(screen.id),
        ok: problems.length === 0,
        checkedAt: new Date(app.clock.now()).toISOString(),
        checkedBy: request.user!.username,
        problems,
        changedSinceUpload,
      };
    },
  );
};
export default playsRoutes;
