import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { ChangePasswordBody, LoginBody, LoginResponse, Me, Ok } from '#shared/schemas/api.ts';
import { AppError } from '../errors.ts';
import { hashPassword, hashToken, randomToken, verifyPassword } from '../auth/passwords.ts';
import { LoginRateLimiter } from '../auth/rate-limit.ts';
import { accountService } from '../auth/accounts.ts';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../plugins/auth.ts';

const TAGS = ['auth'];

function sessionTokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Login, logout, who am I, change my password. Sessions are random tokens stored as hashes. */
const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const limiter = new LoginRateLimiter(app.clock);
  const accounts = accountService(app.db, app.repos, app.clock);
  // Unknown user names cost the same scrypt as known ones, so timing does not reveal accounts.
  const dummyHash = await hashPassword(randomToken());

  const me = (userId: string) => {
    const u = app.repos.users.get(userId)!;
    const all = u.role === 'campaign_manager' || u.role === 'auditor';
    return {
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      role: u.role,
      mustChangePassword: u.must_change_password === 1,
      scopes: app.repos.users.scopes(u.id).map((s) => ({ kind: s.kind, id: s.ref_id })),
      siteIds: all ? [] : [...app.repos.users.siteIdsInScope(u.id)].sort(),
      allSites: all,
    };
  };

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: TAGS,
        summary:
          'Log in: returns a session token and sets the HttpOnly `sid` cookie. 5 failures in 15 minutes per IP and user name give 429.',
        security: [],
        body: LoginBody,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const key = `${request.ip}|${username.toLowerCase()}`;
      const wait = limiter.retryAfterMs(key);
      if (wait > 0) {
        const minutes = Math.ceil(wait / 60_000);
        void reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw new AppError(
          'RATE_LIMITED',
          `Đăng nhập sai quá nhiều lần; thử lại sau ${minutes} phút. / Too many failed logins; try again in ${minutes} minute(s).`,
        );
      }
      const user = app.repos.users.getByUsername(username);
      const ok = await verifyPassword(password, user?.password_hash ?? dummyHash);
      if (!user || !ok || user.disabled_at_ms !== null) {
        limiter.fail(key);
        if (limiter.retryAfterMs(key) > 0) {
          app.repos.audit.record({
            actor: 'system',
            action: 'auth.locked-out',
            objectType: 'user',
            objectId: username,
            detail: { ip: request.ip },
          });
        }
        throw new AppError(
          'INVALID_CREDENTIALS',
          'Sai tên đăng nhập hoặc mật khẩu. / Wrong user name or password.',
        );
      }
      limiter.succeed(key);
      const token = randomToken();
      const now = app.clock.now();
      // Logins are rare enough to carry the clean-up of expired sessions.
      app.repos.sessions.purgeExpired(now);
      app.repos.sessions.create(hashToken(token), user.id, now, SESSION_TTL_MS);
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`,
      );
      return { token, expiresAt: new Date(now + SESSION_TTL_MS).toISOString(), user: me(user.id) };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'read', beforePasswordChange: true },
      schema: { tags: TAGS, summary: 'End this session', response: { 200: Ok } },
    },
    async (request, reply) => {
      const token = sessionTokenOf(request);
      if (token) app.repos.sessions.remove(hashToken(token));
      void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { beforePasswordChange: true },
      schema: {
        tags: TAGS,
        summary: 'The signed-in user, role and the sites in scope',
        response: { 200: Me },
      },
    },
    async (request) => me(request.user!.id),
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { access: 'read', beforePasswordChange: true },
      schema: {
        tags: TAGS,
        summary: 'Change your own password (required after a one-time password)',
        body: ChangePasswordBody,
        response: { 200: Ok },
      },
    },
    async (request) => {
      await accounts.changePassword(request.user!.id, request.body.currentPassword, request.body.newPassword);
      return { ok: true as const };
    },
  );
};
export default authRoutes;
