import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CreateUserBody,
  IdParams,
  UpdateUserBody,
  User,
  UserWithPassword,
  listOf,
} from '#shared/schemas/api.ts';
import { AppError, notFound } from '../errors.ts';
import { accountService } from '../auth/accounts.ts';
import { userView } from './views.ts';

const TAGS = ['users'];

/** Accounts, roles and scopes: campaign managers only. */
const userRoutes: FastifyPluginAsyncZod = async (app) => {
  const accounts = accountService(app.db, app.repos, app.clock);
  const view = (id: string) => userView(app.repos.users.get(id)!, app.repos.users.scopes(id));
  const managerRead = { access: 'read' as const, roles: ['campaign_manager' as const] };
  const managerWrite = { access: 'write' as const, roles: ['campaign_manager' as const] };

  app.get(
    '/api/v1/users',
    { config: managerRead, schema: { tags: TAGS, summary: 'All accounts', response: { 200: listOf(User) } } },
    async () => ({ items: app.repos.users.list().map((u) => view(u.id)) }),
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: managerRead,
      schema: { tags: TAGS, summary: 'One account', params: IdParams, response: { 200: User } },
    },
    async (request) => {
      if (!app.repos.users.get(request.params.id)) throw notFound('tài khoản / user', request.params.id);
      return view(request.params.id);
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: managerWrite,
      schema: {
        tags: TAGS,
        summary: 'Create an account; without a password a one-time password is returned once',
        body: CreateUserBody,
        response: { 201: UserWithPassword },
      },
    },
    async (request, reply) => {
      const { user, oneTimePassword } = await accounts.create(request.body, request.user!.id);
      void reply.status(201);
      return { user: view(user.id), ...(oneTimePassword ? { oneTimePassword } : {}) };
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: managerWrite,
      schema: {
        tags: TAGS,
        summary: 'Set role, scopes, display name or disable an account',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User },
      },
    },
    async (request) => {
      if (
        request.params.id === request.user!.id &&
        (request.body.disabled || (request.body.role && request.body.role !== 'campaign_manager'))
      ) {
        throw new AppError(
          'CONFLICT',
          'Không thể tự khoá hoặc tự hạ quyền của mình. / You cannot disable or demote your own account; ask another campaign manager.',
        );
      }
      const row = accounts.update(request.params.id, request.body, request.user!.id);
      if (!row) throw notFound('tài khoản / user', request.params.id);
      return view(row.id);
    },
  );

  app.post(
    '/api/v1/users/:id/reset-password',
    {
      config: managerWrite,
      schema: {
        tags: TAGS,
        summary: 'Issue a one-time password (shown once); the user must change it at next login',
        params: IdParams,
        response: { 200: UserWithPassword },
      },
    },
    async (request) => {
      if (!app.repos.users.get(request.params.id)) throw notFound('tài khoản / user', request.params.id);
      const oneTimePassword = await accounts.resetPassword(request.params.id, request.user!.id);
      return { user: view(request.params.id), oneTimePassword };
    },
  );
};
export default userRoutes;
