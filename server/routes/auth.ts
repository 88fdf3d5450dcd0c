import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChangePasswordBody, LoginBody, LoginResponse, Me, Ok } from '#shared/schemas/api.ts';
import { AppError } from '../errors.ts';
import { hashPassword, hashToken, randomToken, verifyPassword } from '../auth/passwords.ts';
import { LoginRateLimiter } from '../auth/rate-limit.ts';
import { accountService } from '../auth/accounts.ts';
import { SESSION_TTL_MS, sessionTokenOf, setSessionCookie } from '../plugins/auth.ts';

const TAGS = ['auth'];
/** Failed logins from one address, whatever the user names, within the 15-minute window. */
export const ADDRESS_MAX_FAILURES = 10;

/** Login, logout, who am I, change my password. Sessions are random tokens stored as hashes. */
const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const limiter = new LoginRateLimiter(app.clock);
  // One address trying user name after user name: counted apart, with a higher bar so an office
  // behind one NAT address survives a few colleagues mistyping.
  const perAddress = new LoginRateLimiter(app.clock, ADDRESS_MAX_FAILURES);
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
        summary: `Log in: returns a session token and sets the HttpOnly \`sid\` cookie. 5 failures in 15 minutes per address and user name, or ${ADDRESS_MAX_FAILURES} per address across user names, give 429.`,
        security: [],
        body: LoginBody,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const key = `${request.ip}|${username.toLowerCase()}`;
      const addressKey = request.ip;
      const refuse = (wait: number, fromAddress: boolean) => {
        const minutes = Math.ceil(wait / 60_000);
        void reply.header('retry-after', String(Math.ceil(wait / 1000)));
        return new AppError(
          'RATE_LIMITED',
          fromAddress
            ? `Đăng nhập sai quá nhiều lần từ địa chỉ này; chờ ${minutes} phút rồi thử lại, hoặc nhờ quản lý chiến dịch đặt lại mật khẩu. / Too many failed logins from this address; wait ${minutes} minute(s) and try again, or ask a campaign manager to reset your password.`
            : `Đăng nhập sai quá nhiều lần; chờ ${minutes} phút rồi thử lại. / Too many failed logins; wait ${minutes} minute(s) and try again.`,
        );
      };
      const addressWait = perAddress.retryAfterMs(addressKey);
      if (addressWait > 0) throw refuse(addressWait, true);
      const wait = limiter.retryAfterMs(key);
      if (wait > 0) throw refuse(wait, false);
      const user = app.repos.users.getByUsername(username);
      const ok = await verifyPassword(password, user?.password_hash ?? dummyHash);
      if (!user || !ok || user.disabled_at_ms !== null) {
        limiter.fail(key);
        perAddress.fail(addressKey);
        if (limiter.retryAfterMs(key) > 0) {
          app.repos.audit.record({
            actor: 'system',
            action: 'auth.locked-out',
            objectType: 'user',
            objectId: username,
            detail: { ip: request.ip },
          });
        }
        if (perAddress.retryAfterMs(addressKey) > 0) {
          app.repos.audit.record({
            actor: 'system',
            action: 'auth.address-locked-out',
            objectType: 'address',
            objectId: request.ip,
            detail: { lastUsername: username },
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
      setSessionCookie(reply, token);
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
      setSessionCookie(reply, null);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: 'read', beforePasswordChange: true },
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
      const token = sessionTokenOf(request);
      await accounts.changePassword(
        request.user!.id,
        request.body.currentPassword,
        request.body.newPassword,
        token ? hashToken(token) : undefined,
      );
      return { ok: true as const };
    },
  );
};
export default authRoutes;
