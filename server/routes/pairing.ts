/**
 * Venue staff attach a waiting player to one of their sites by typing the code it shows.
 * Wrong codes are counted per user and per address, so 31^6 codes cannot be walked.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ClaimRequest, ClaimResponse } from '#shared/schemas/protocol.ts';
import { AppError, fieldError } from '../errors.ts';
import { RateLimiter } from '../ws/rate-limit.ts';

const pairingRoutes: FastifyPluginAsyncZod = async (app) => {
  const failures = new RateLimiter(10, 15 * 60_000);
  const { pairing } = app.repos;

  app.post(
    '/api/v1/pairing/claim',
    {
      config: { access: 'write', roles: ['venue_staff', 'office_head', 'campaign_manager'] },
      schema: { tags: ['pairing'], body: ClaimRequest, response: { 201: ClaimResponse } },
    },
    async (request, reply) => {
      const { code, siteId, screenName } = request.body;
      request.scope.assertSite(siteId);
      const now = app.clock.now();
      const keys = [`u:${request.user!.id}`, `ip:${request.ip}`];
      for (const k of keys) {
        if (failures.blocked(k, now)) {
          throw new AppError(
            'RATE_LIMITED',
            `Nhập sai mã quá nhiều lần; thử lại sau ${failures.retryAfterS(k, now)} giây. / Too many wrong codes; try again in ${failures.retryAfterS(k, now)} s.`,
          );
        }
      }
      // The claim and its audit row are one transaction.
      const r = pairing.claim(code, siteId, screenName, request.user!.id, now);
      if (!r.ok) {
        for (const k of keys) failures.hit(k, now);
        const text = {
          unknown:
            'Mã không đúng; kiểm tra mã đang hiện trên màn hình. / Wrong code; check the code shown on the screen.',
          expired:
            'Mã đã hết hạn; màn hình sẽ tự hiện mã mới, hãy nhập mã mới đó. / The code has expired; the screen shows a new one by itself: enter that one.',
          claimed: 'Mã này đã được dùng. / This code was already used.',
          name_taken: `Màn hình "${screenName}" của điểm đặt này đang được ghép với một máy khác; thu hồi nó trước hoặc chọn tên khác. / Screen "${screenName}" is paired with another player; revoke it first or choose another name.`,
          site_unknown: `Không tìm thấy điểm đặt "${siteId}". / Site "${siteId}" was not found.`,
        }[r.reason];
        const [vi, en] = text.split(' / ') as [string, string];
        const rule = (s: string) => s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
        if (r.reason === 'name_taken')
          throw new AppError('CONFLICT', text, [fieldError('body.screenName', rule(vi), rule(en))]);
        if (r.reason === 'site_unknown')
          throw new AppError('NOT_FOUND', text, [fieldError('body.siteId', rule(vi), rule(en))]);
        throw new AppError('PAIRING_CODE_INVALID', text, [fieldError('body.code', rule(vi), rule(en))]);
      }
      app.events.emit('pairing-claimed', { code, screenId: r.screenId });
      return reply.code(201).send({ screenId: r.screenId, siteId, name: r.name, existing: r.existing });
    },
  );
};
export default pairingRoutes;
