import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CapImportResult,
  CreateWarningBody,
  RejectBody,
  Warning,
  WarningList,
} from '#shared/schemas/comms.ts';
import type { Role } from '#shared/schemas/domain.ts';
import { warningsService } from '../comms/warnings.ts';
import { exportCap, importCap, loadGeocodes } from '../comms/cap.ts';
import { covers, homeOf } from '../comms/levels.ts';
import { AppError } from '../errors.ts';
import { warningJson } from '../repositories/communications.ts';

const TAGS = ['warnings'];
const IdParams = z.object({ id: z.string().min(1) });
const COMMS: Role[] = ['comms_editor', 'comms_approver'];
const READERS: Role[] = ['comms_editor', 'comms_approver', 'campaign_manager', 'auditor'];

/**
 * Urgent warnings (cảnh báo khẩn). Approval is one action and airs the warning at once on every
 * online screen in scope; GET /warnings/:id carries the live proof-of-display counts.
 */
const warningRoutes: FastifyPluginAsyncZod = async (app) => {
  const svc = warningsService({ db: app.db, repos: app.repos, clock: app.clock, events: app.events });
  const seesAll = (role: Role) => role === 'campaign_manager' || role === 'auditor';

  app.get(
    '/api/v1/warnings',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: "Your office's warnings and those on air in your area",
        response: { 200: WarningList },
      },
    },
    async (request) => ({ items: svc.list(request.user!, seesAll(request.user!.role)) }),
  );

  app.post(
    '/api/v1/warnings',
    {
      config: { access: 'write', roles: COMMS },
      schema: {
        tags: TAGS,
        summary: 'Draft an urgent warning (headline, text, full screen or band, scope, expiry)',
        body: CreateWarningBody,
        response: { 201: Warning },
      },
    },
    async (request, reply) => reply.code(201).send(svc.create(request.user!, request.body)),
  );

  app.get(
    '/api/v1/warnings/:id',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'One warning with its live counts: screens in scope, sent, shown, cleared',
        params: IdParams,
        response: { 200: Warning },
      },
    },
    async (request) => {
      const row = svc.load(request.params.id);
      if (!seesAll(request.user!.role)) {
        const home = homeOf(app.repos, request.user!);
        const scopes = warningJson.scopeRegionIds(row.scope_region_ids, row.id);
        if (
          !covers(app.repos, home.region.id, row.author_region_id) &&
          !scopes.some((s) => covers(app.repos, s, home.region.id))
        )
          throw new AppError(
            'OUT_OF_SCOPE',
            `Cảnh báo ${row.id} nằm ngoài địa bàn của bạn. / Warning ${row.id} is outside your area.`,
          );
      }
      return svc.view(row);
    },
  );

  // CAP documents arrive as XML text; parsed (and refused when they declare entities) in cap.ts.
  app.addContentTypeParser(
    ['application/xml', 'text/xml', 'application/cap+xml'],
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  const geocodes = () => loadGeocodes(app.config.playlistsDir);

  app.post(
    '/api/v1/warnings/cap',
    {
      config: {
        access: 'write',
        roles: COMMS,
        bodyTypes: ['application/xml', 'text/xml', 'application/cap+xml'],
      },
      schema: {
        tags: TAGS,
        summary:
          'Import a CAP 1.2 alert (XML body): Alert and Update wait for approval, Cancel takes the referenced alerts off the air',
        body: z.string().min(1),
        response: { 200: CapImportResult },
      },
    },
    async (request) => {
      if (homeOf(app.repos, request.user!).level !== 'city') {
        throw new AppError(
          'FORBIDDEN',
          'Chỉ cấp Thành phố nhập cảnh báo CAP. / Only city-level accounts import CAP alerts.',
        );
      }
      return importCap(
        { repos: app.repos, warnings: svc, now: app.clock.now(), geocodes: geocodes() },
        request.body,
      );
    },
  );

  app.get(
    '/api/v1/warnings/:id/cap',
    {
      config: { access: 'read', roles: READERS },
      schema: { tags: TAGS, summary: 'The warning as a CAP 1.2 alert (XML)', params: IdParams },
    },
    async (request, reply) => {
      const row = svc.load(request.params.id);
      reply.type('application/cap+xml; charset=utf-8');
      return exportCap(app.repos, row, geocodes());
    },
  );

  app.post(
    '/api/v1/warnings/:id/approve',
    {
      config: { access: 'write', roles: ['comms_approver'] },
      schema: {
        tags: TAGS,
        summary: 'Approve and air at once on every online screen in scope (offline ones on reconnect)',
        params: IdParams,
        response: { 200: Warning },
      },
    },
    async (request) => svc.approve(request.user!, request.params.id),
  );

  app.post(
    '/api/v1/warnings/:id/reject',
    {
      config: { access: 'write', roles: ['comms_approver'] },
      schema: {
        tags: TAGS,
        summary: 'Reject a pending warning with a reason',
        params: IdParams,
        body: RejectBody,
        response: { 200: Warning },
      },
    },
    async (request) => svc.reject(request.user!, request.params.id, request.body.reason),
  );

  app.post(
    '/api/v1/warnings/:id/cancel',
    {
      config: { access: 'write', roles: ['comms_approver'] },
      schema: {
        tags: TAGS,
        summary: 'Cancel: cleared from every screen at once',
        params: IdParams,
        response: { 200: Warning },
      },
    },
    async (request) => svc.cancel(request.user!, request.params.id),
  );
};

export default warningRoutes;
