import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';

/** Liveness says the process answers; readiness says the database answers too. */
const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/health',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/api/v1/ready',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ready'), serverTime: z.string() }) },
      },
    },
    async () => {
      try {
        app.db.prepare('SELECT 1').get();
      } catch {
        throw new AppError('NOT_READY', 'Cơ sở dữ liệu chưa sẵn sàng. / The database is not ready.');
      }
      return { status: 'ready' as const, serverTime: new Date(app.clock.now()).toISOString() };
    },
  );
};
export default healthRoutes;
