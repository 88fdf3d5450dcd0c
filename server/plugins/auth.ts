import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Role } from '#shared/schemas/domain.ts';
import { AppError } from '../errors.ts';
import { hashToken } from '../auth/passwords.ts';

export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  mustChangePassword: boolean;
}

/**
 * What the current user may touch. Campaign managers and auditors see everything; office heads
 * and venue staff only the sites of their scope (a region scope covers its whole subtree).
 * Routes call `assertSite` for the object they act on, not only check the role.
 */
export interface Scope {
  all: boolean;
  siteIds: ReadonlySet<string>;
  hasSite(siteId: string): boolean;
  assertSite(siteId: string): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** public: no login. read: any role. write (default for non-GET): every role but auditor. */
    access?: 'public' | 'read' | 'write';
    /** When set, only these roles may call the route. */
    roles?: Role[];
    /** Reachable before a one-time password has been replaced (log out, who am I, change it). */
    beforePasswordChange?: boolean;
  }
  interface FastifyRequest {
    user: AuthUser | null;
    scope: Scope;
  }
}

export const SESSION_COOKIE = 'sid';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const NO_SCOPE: Scope = {
  all: false,
  siteIds: new Set(),
  hasSite: () => false,
  assertSite: () => {
    throw new AppError('UNAUTHENTICATED', 'Vui lòng đăng nhập. / Please log in.');
  },
};

export default fp(
  async (app) => {
    app.decorateRequest('user', null);
    app.decorateRequest('scope', null as unknown as Scope);

    app.addHook('onRequest', async (request) => {
      request.scope = NO_SCOPE;
      const config = request.routeOptions.config;
      const url = request.url;
      // Only the API is guarded here; pages and the player's WebSocket authenticate their own way.
      if (!url.startsWith('/api/')) return;
      const access =
        config.access ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');

      const token = tokenOf(request);
      if (token) {
        const userId = app.repos.sessions.findUserId(hashToken(token), app.clock.now());
        const row = userId ? app.repos.users.get(userId) : undefined;
        if (row && row.disabled_at_ms === null) {
          request.user = {
            id: row.id,
            username: row.username,
            displayName: row.display_name,
            role: row.role,
            mustChangePassword: row.must_change_password === 1,
          };
          const all = row.role === 'campaign_manager' || row.role === 'auditor';
          const siteIds = all ? new Set<string>() : app.repos.users.siteIdsInScope(row.id);
          request.scope = {
            all,
            siteIds,
            hasSite: (id) => all || siteIds.has(id),
            assertSite: (id) => {
              if (!(all || siteIds.has(id))) {
                throw new AppError(
                  'OUT_OF_SCOPE',
                  `Bạn không có quyền với điểm đặt "${id}". / Site "${id}" is outside your scope.`,
                );
              }
            },
          };
        }
      }
      if (access === 'public') return;
      if (!request.user) throw new AppError('UNAUTHENTICATED', 'Vui lòng đăng nhập. / Please log in.');
      if (request.user.mustChangePassword && !config.beforePasswordChange) {
        throw new AppError(
          'PASSWORD_CHANGE_REQUIRED',
          'Bạn đang dùng mật khẩu một lần; hãy đổi mật khẩu trước (POST /api/v1/auth/password). / You are using a one-time password; change it first (POST /api/v1/auth/password).',
        );
      }
      if (access === 'write' && request.user.role === 'auditor') {
        throw new AppError('FORBIDDEN', 'Kiểm toán viên chỉ được xem. / Auditors have read-only access.');
      }
      if (config.roles && !config.roles.includes(request.user.role)) {
        throw new AppError(
          'FORBIDDEN',
          `Vai trò ${request.user.role} không được phép thao tác này. / Your role may not do this.`,
        );
      }
    });
  },
  { name: 'auth', dependencies: ['context', 'errors'] },
);
