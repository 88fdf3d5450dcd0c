/**
 * Provisioning files for mass installs: a manager or venue staff member downloads one JSON
 * file for a site and copies it to each player PC (`npm run player -- --provision file`). The
 * file holds a one-time enrolment token good for `count` screens; only its hash is stored.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PROTOCOL_VERSION, ProvisioningFile, ProvisionRequest } from '#shared/schemas/protocol.ts';
import { toIsoWithOffset } from '#shared/time.ts';
import { hashToken, randomToken } from '../auth/passwords.ts';
import { notFound } from '../errors.ts';

const provisioningRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pairing } = app.repos;

  app.post(
    '/api/v1/screens/provision',
    {
      config: { access: 'write', roles: ['venue_staff', 'office_head', 'campaign_manager'] },
      schema: { tags: ['pairing'], body: ProvisionRequest, response: { 201: ProvisioningFile } },
    },
    async (request, reply) => {
      const { siteId, namePrefix, count, validDays } = request.body;
      request.scope.assertSite(siteId);
      const site = pairing.site(siteId);
      if (!site) throw notFound('điểm đặt / site', siteId);
      const now = app.clock.now();
      const expiresAt = now + validDays * 86_400_000;
      const token = randomToken(32);
      // The token and its audit row are one transaction.
      pairing.createEnrolment(hashToken(token), siteId, namePrefix, count, request.user!.id, now, expiresAt);
      const host = request.headers.host ?? `${app.config.host}:${app.config.port}`;
      const file: ProvisioningFile = {
        kind: 'ihanoi-player-provisioning',
        v: PROTOCOL_VERSION,
        serverUrl: `${request.protocol}://${host}`,
        siteId,
        siteName: site.name,
        enrolmentToken: token,
        uses: count,
        expiresAt: toIsoWithOffset(expiresAt, site.time_zone),
      };
      reply.header(
        'content-disposition',
        `attachment; filename="provision-${siteId.replace(/[^a-z0-9-]/gi, '_')}.json"`,
      );
      return reply.code(201).send(file);
    },
  );
};
export default provisioningRoutes;
