import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Cadence,
  Communication,
  CommunicationList,
  CreateCommunicationBody,
  Delivery,
  EditCommunicationBody,
  RejectBody,
} from '#shared/schemas/comms.ts';
import type { Role } from '#shared/schemas/domain.ts';
import { communicationsService } from '../comms/communications.ts';
import { cadence } from '../comms/cadence.ts';
import { homeOf, covers } from '../comms/levels.ts';
import { AppError } from '../errors.ts';
import type { AuthUser } from '../plugins/auth.ts';

const TAGS = ['communications'];
const IdParams = z.object({ id: z.string().min(1) });
const COMMS: Role[] = ['comms_editor', 'comms_approver'];
const READERS: Role[] = ['comms_editor', 'comms_approver', 'campaign_manager', 'auditor'];

/**
 * Communications (tin truyền thông): the three-level flow of the city office's letter. The
 * rules live in server/comms/communications.ts; these routes only map HTTP onto it.
 */
const communicationRoutes: FastifyPluginAsyncZod = async (app) => {
  const svc = communicationsService({ db: app.db, repos: app.repos, clock: app.clock, events: app.events });
  const seesAll = (role: Role) => role === 'campaign_manager' || role === 'auditor';

  app.get(
    '/api/v1/communications',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: "Your office's communications and those reaching your area",
        response: { 200: CommunicationList },
      },
    },
    async (request) => ({ items: svc.list(request.user!, seesAll(request.user!.role)) }),
  );

  app.get(
    '/api/v1/communications/from-above',
    {
      config: { access: 'read', roles: COMMS },
      schema: {
        tags: TAGS,
        summary:
          "Higher levels' items, approved or on air, that already reach your area (do not re-send them)",
        response: { 200: CommunicationList },
      },
    },
    async (request) => ({ items: svc.fromAbove(request.user!) }),
  );

  app.get(
    '/api/v1/communications/cadence',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'Days since each level and region last aired an item; more than 3 days is flagged',
        response: { 200: Cadence },
      },
    },
    async (request) => {
      const all = cadence(app.repos, app.clock.now());
      if (seesAll(request.user!.role)) return all;
      const home = homeOf(app.repos, request.user!);
      return { ...all, rows: all.rows.filter((r) => covers(app.repos, home.region.id, r.regionId)) };
    },
  );

  app.post(
    '/api/v1/communications',
    {
      config: { access: 'write', roles: COMMS },
      schema: {
        tags: TAGS,
        summary: 'Draft a communication (media or text, scope, dates, plays per day)',
        body: CreateCommunicationBody,
        response: { 201: Communication },
      },
    },
    async (request, reply) => reply.code(201).send(svc.create(request.user!, request.body)),
  );

  const visible = (id: string, user: AuthUser) => {
    const row = svc.load(id);
    if (seesAll(user.role)) return row;
    const home = homeOf(app.repos, user);
    if (
      row.author_region_id === home.region.id ||
      covers(app.repos, home.region.id, row.author_region_id) ||
      covers(app.repos, row.scope_region_id, home.region.id)
    )
      return row;
    throw new AppError(
      'OUT_OF_SCOPE',
      `Tin ${id} nằm ngoài địa bàn của bạn. / Item ${id} is outside your area.`,
    );
  };

  app.get(
    '/api/v1/communications/:id',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'One communication',
        params: IdParams,
        response: { 200: Communication },
      },
    },
    async (request) => svc.view(visible(request.params.id, request.user!)),
  );

  app.get(
    '/api/v1/communications/:id/delivery',
    {
      config: { access: 'read', roles: READERS },
      schema: {
        tags: TAGS,
        summary: 'Completed plays against the target, per region one level below the scope',
        params: IdParams,
        response: { 200: Delivery },
      },
    },
    async (request) => {
      visible(request.params.id, request.user!);
      return svc.delivery(request.params.id);
    },
  );

  app.patch(
    '/api/v1/communications/:id',
    {
      config: { access: 'write', roles: COMMS },
      schema: {
        tags: TAGS,
        summary: 'Edit a draft, edited or rejected item of your office',
        params: IdParams,
        body: EditCommunicationBody,
        response: { 200: Communication },
      },
    },
    async (request) => svc.edit(request.user!, request.params.id, request.body, false),
  );

  app.post(
    '/api/v1/communications/:id/submit',
    {
      config: { access: 'write', roles: COMMS },
      schema: {
        tags: TAGS,
        summary: 'Finish editing (biên tập xong): the item waits for approval',
        params: IdParams,
        body: EditCommunicationBody,
        response: { 200: Communication },
      },
    },
    async (request) => svc.edit(request.user!, request.params.id, request.body, true),
  );

  app.post(
    '/api/v1/communications/:id/approve',
    {
      config: { access: 'write', roles: ['comms_approver'] },
      schema: {
        tags: TAGS,
        summary: 'Approve: it airs on the screens in scope from its first day',
        params: IdParams,
        response: { 200: Communication },
      },
    },
    async (request) => svc.approve(request.user!, request.params.id),
  );

  app.post(
    '/api/v1/communications/:id/reject',
    {
      config: { access: 'write', roles: ['comms_approver'] },
      schema: {
        tags: TAGS,
        summary: 'Reject with a reason; the office may edit and submit it again',
        params: IdParams,
        body: RejectBody,
        response: { 200: Communication },
      },
    },
    async (request) => svc.reject(request.user!, request.params.id, request.body.reason),
  );
};

export default communicationRoutes;
