/**
 * Proof-of-play integrity for auditors: re-walks a screen's whole hash chain, stores what it
 * finds on each play (plays.chain_status) and lists the broken links.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyChain } from '../proof/chain.ts';
import { rowToRecord } from '../repositories/plays.ts';
import { notFound } from '../errors.ts';

const ChainReport = z.object({
  screenId: z.string(),
  plays: z.number().int(),
  lastSeq: z.number().int(),
  ok: z.boolean(),
  problems: z.array(
    z.object({ playId: z.string(), seq: z.number().int(), status: z.enum(['gap', 'mismatch']) }),
  ),
});

const playsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pairing, plays } = app.playerGateway.repos;
  app.post(
    '/api/v1/screens/:screenId/proof/verify',
    {
      config: { access: 'read' },
      schema: { tags: ['plays'], params: z.object({ screenId: z.string() }), response: { 200: ChainReport } },
    },
    async (request) => {
      const screen = pairing.screen(request.params.screenId);
      if (!screen) throw notFound('màn hình / screen', request.params.screenId);
      request.scope.assertSite(screen.site_id);
      const rows = plays.chain(screen.id);
      const problems = verifyChain(rows.map(rowToRecord));
      const bad = new Map(problems.map((p) => [p.playId, p.status]));
      for (const r of rows) {
        const status = bad.get(r.play_id) ?? 'ok';
        if (status !== r.chain_status) plays.setChainStatus(r.play_id, status);
      }
      return {
        screenId: screen.id,
        plays: rows.length,
        lastSeq: plays.lastSeq(screen.id),
        ok: problems.length === 0,
        problems,
      };
    },
  );
};
export default playsRoutes;
