import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';

const TAGS = ['notifications'];

const Notification = z.object({
  id: z.number().int(),
  kind: z.string(),
  screenId: z.string().nullable(),
  siteId: z.string().nullable(),
  subject: z.string(),
  message: z.string(),
  createdAt: z.string(),
  read: z.boolean(),
  emailedAt: z.string().nullable(),
});

/** Each person's alerts: the console's notification list, and where their e-mails go. */
const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const repo = app.repos.notifications;
  app.get(
    '/api/v1/notifications',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Your notifications (alerts and digests), newest first, with the unread count',
        response: {
          200: z.object({
            unread: z.number().int(),
            email: z.string().nullable(),
            items: z.array(Notification),
          }),
        },
      },
    },
    async (request) => {
      const me = request.user!.id;
      return {
        unread: repo.unread(me),
        email: repo.emailOf(me),
        items: repo.list(me).map((n) => ({
          id: n.id,
          kind: n.kind,
          screenId: n.screen_id,
          siteId: n.site_id,
          subject: n.subject,
          message: n.message,
          createdAt: new Date(n.created_at_ms).toISOString(),
          read: n.read_at_ms !== null,
          emailedAt: n.emailed_at_ms === null ? null : new Date(n.emailed_at_ms).toISOString(),
        })),
      };
    },
  );
  app.post(
    '/api/v1/notifications/:id/read',
    {
      // Marking one's own notification read changes nothing anyone else sees: auditors may too.
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Mark one of your notifications read',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (request) => {
      repo.markRead(request.params.id, request.user!.id, app.clock.now());
      return { ok: true as const };
    },
  );
  app.post(
    '/api/v1/notifications/email',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Set (or clear, with null) the e-mail address your alerts go to',
        body: z.object({ email: z.string().trim().pipe(z.email().max(200)).nullable() }),
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (request) => {
      if (request.body.email === '')
        throw new AppError('VALIDATION_FAILED', 'Thiếu e-mail. / E-mail missing.');
      repo.setEmail(request.user!.id, request.body.email);
      return { ok: true as const };
    },
  );
};
export default notificationRoutes;
