import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';

/** Liveness says the process answers; readiness says the database answers too. */
const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        response: {
          200: z.object({
            status: z.enum(['ok', 'degraded']),
            /** Why the server is degraded (vi / en), e.g. the database is locked by another process. */
            reason: z.string().optional(),
          }),
        },
      },
    },
    // The process answers (200) either way; `degraded` says writes cannot be stored right now.
    async () => app.dbHealth.probe(),
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
      let state;
      try {
        state = app.dbHealth.probe();
      } catch {
        state = { status: 'degraded', reason: 'Cơ sở dữ liệu lỗi / The database failed' };
      }
      if (state.status !== 'ok')
        throw new AppError(
          'NOT_READY',
          `Cơ sở dữ liệu chưa sẵn sàng / The database is not ready: ${state.reason ?? ''}`,
        );
      return { status: 'ready' as const, serverTime: new Date(app.clock.now()).toISOString() };
    },
  );
};
export default healthRoutes;
