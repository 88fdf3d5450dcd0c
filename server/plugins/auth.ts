import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type {
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyPluginOptions,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import type { Role } from '#shared/schemas/domain.ts';
import { AppError } from '../errors.ts';
import { hashToken } from '../auth/passwords.ts';
import {
  decide,
  declarationProblem,
  mediaTypeOf,
  originAllowed,
  type AccessDeclaration,
  type Caller,
} from '../auth/access.ts';

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

/** One registered route and what it declared, as the route-enumeration test reads them. */
export interface RouteAccessEntry {
  method: string;
  url: string;
  access: AccessDeclaration['access'] | undefined;
  roles: readonly Role[] | undefined;
}

declare module 'fastify' {
  // Every route declares its access; see server/auth/access.ts. The app refuses to start
  // when one does not.
  interface FastifyContextConfig {
    access?: AccessDeclaration['access'];
    roles?: NonNullable<AccessDeclaration['roles']>;
    screens?: NonNullable<AccessDeclaration['screens']>;
    beforePasswordChange?: NonNullable<AccessDeclaration['beforePasswordChange']>;
    bodyTypes?: NonNullable<AccessDeclaration['bodyTypes']>;
  }
  interface FastifyRequest {
    user: AuthUser | null;
    /** The paired screen whose credential authenticated this request, on player routes. */
    screenId: string | null;
    /** How the session token arrived: a cookie needs the CSRF checks, a Bearer header does not. */
    authVia: 'bearer' | 'cookie' | null;
    scope: Scope;
  }
  interface FastifyInstance {
    routeAccess: readonly RouteAccessEntry[];
  }
}

export const SESSION_COOKIE = 'sid';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function bearerOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() || undefined : undefined;
}

/** The session token of the request: a Bearer header wins over the cookie. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return bearerOf(request) ?? (request.cookies[SESSION_COOKIE] || undefined);
}

/** Sets (or with `token` null, clears) the session cookie; Secure when served over HTTPS. */
export function setSessionCookie(reply: FastifyReply, token: string | null): void {
  const secure = reply.server.config.publicUrl?.startsWith('https:') ?? false;
  void reply.setCookie(SESSION_COOKIE, token ?? '', {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: token ? Math.floor(SESSION_TTL_MS / 1000) : 0,
  });
}

const NO_SCOPE: Scope = {
  all: false,
  siteIds: new Set(),
  hasSite: () => false,
  assertSite: () => {
    throw new AppError('UNAUTHENTICATED', 'Vui lòng đăng nhập. / Please log in.');
  },
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const MESSAGES = {
  UNAUTHENTICATED: 'Vui lòng đăng nhập. / Please log in.',
  SCREEN:
    'Màn hình chưa được ghép nối hoặc đã bị thu hồi; hãy ghép nối lại. / The screen is not paired or was revoked; pair it again.',
  PASSWORD_CHANGE_REQUIRED:
    'Bạn đang dùng mật khẩu một lần; hãy đổi mật khẩu trước (POST /api/v1/auth/password). / You are using a one-time password; change it first (POST /api/v1/auth/password).',
  AUDITOR: 'Kiểm toán viên chỉ được xem. / Auditors have read-only access.',
  ROLE: (role: string) =>
    `Vai trò ${role} không được phép thao tác này. / Your role (${role}) may not do this; ask a campaign manager.`,
} as const;

export default fp(
  async (app) => {
    await app.register(cookie, { hook: 'onRequest' });
    app.decorateRequest('user', null);
    app.decorateRequest('screenId', null);
    app.decorateRequest('authVia', null);
    app.decorateRequest('scope', null as unknown as Scope);

    // Every route registered after this plugin (all of them: it comes before any route plugin)
    // is listed with its declaration. Plugins we do not own (static files, /docs) are wrapped in
    // `declareAccess` so their routes carry one too. The check runs once everything is
    // registered, because a wrapper's hook runs after this one.
    const registered: RouteOptions[] = [];
    app.addHook('onRoute', (route) => void registered.push(route));
    app.decorate('routeAccess', {
      getter: () =>
        registered.flatMap((r) =>
          (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
            method,
            url: r.url,
            access: r.config?.access,
            roles: r.config?.roles,
          })),
        ),
    });
    app.addHook('onReady', async () => {
      const bad = registered.flatMap((r) => {
        const problem = declarationProblem(r.config);
        return problem ? [`${String(r.method)} ${r.url} ${problem}`] : [];
      });
      if (bad.length)
        throw new Error(
          `Route access declarations are missing or wrong (server/auth/access.ts):\n${bad.join('\n')}`,
        );
    });

    const ownOrigins = (request: FastifyRequest) => [
      ...(app.config.publicUrl ? [app.config.publicUrl] : []),
      `${request.protocol}://${request.host}`,
    ];

    app.addHook('onRequest', async (request) => {
      request.scope = NO_SCOPE;
      // No route matched: the not-found handler answers, with nothing to protect.
      if (request.is404) return;
      const decl = request.routeOptions.config;
      if (declarationProblem(decl) !== null) {
        // Unreachable while onReady holds; kept so a declaration can never be skipped.
        throw new AppError(
          'FORBIDDEN',
          'Đường dẫn chưa khai báo quyền truy cập. / This route declares no access.',
        );
      }
      const declared = decl as AccessDeclaration;

      let caller: Caller = { kind: 'anonymous' };
      const bearer = bearerOf(request);
      const token = bearer ?? (request.cookies[SESSION_COOKIE] || undefined);
      if (token && declared.access !== 'player') {
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
          request.authVia = bearer ? 'bearer' : 'cookie';
          caller = { kind: 'user', role: row.role, mustChangePassword: row.must_change_password === 1 };
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
      if (caller.kind === 'anonymous' && bearer && (declared.access === 'player' || declared.screens)) {
        const screen = app.repos.screens.findByTokenHash(hashToken(bearer));
        if (screen) {
          request.screenId = screen.id;
          caller = { kind: 'screen' };
        }
      }

      const verdict = decide(declared, caller);
      if (!verdict.ok) {
        if (verdict.code === 'UNAUTHENTICATED')
          throw new AppError(
            'UNAUTHENTICATED',
            declared.access === 'player' ? MESSAGES.SCREEN : MESSAGES.UNAUTHENTICATED,
          );
        if (verdict.code === 'PASSWORD_CHANGE_REQUIRED')
          throw new AppError('PASSWORD_CHANGE_REQUIRED', MESSAGES.PASSWORD_CHANGE_REQUIRED);
        throw new AppError(
          'FORBIDDEN',
          caller.kind === 'user' && caller.role === 'auditor' && declared.access === 'write'
            ? MESSAGES.AUDITOR
            : MESSAGES.ROLE(caller.kind === 'user' ? caller.role : caller.kind),
        );
      }

      if (SAFE_METHODS.has(request.method)) return;
      // A write carried by the browser's cookie must come from a page of this server: a form or
      // script on another site, or on another port of this host, sends its own Origin.
      const origin = request.headers.origin;
      if (request.authVia === 'cookie' || (origin !== undefined && declared.access !== 'player')) {
        if (!origin || !originAllowed(origin, ownOrigins(request))) {
          throw new AppError(
            'ORIGIN_REJECTED',
            `Yêu cầu đến từ trang khác (${origin ?? 'không có Origin'}); hãy thao tác từ bảng điều khiển. / This request came from another page (${origin ?? 'no Origin header'}); use the console itself.`,
          );
        }
      }
      // Writes take JSON (or the route's own declared types) and nothing else, body or not: a
      // plain HTML form can send only urlencoded, multipart or text/plain.
      const type = mediaTypeOf(request.headers['content-type']);
      const allowed = declared.bodyTypes ?? ['application/json'];
      const hasBody =
        request.headers['transfer-encoding'] !== undefined ||
        Number(request.headers['content-length'] ?? 0) > 0;
      if (type ? !allowed.includes(type) : hasBody) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Kiểu nội dung ${type ?? '(không có)'} không được nhận; gửi ${allowed.join(' hoặc ')}. / Content type ${type ?? '(none)'} is not accepted here; send ${allowed.join(' or ')}.`,
          undefined,
          { accepted: allowed },
        );
      }
    });
  },
  { name: 'auth', dependencies: ['context', 'errors'] },
);

/**
 * Wraps a plugin we do not own (static files, /docs) so that every route it registers carries
 * `access` unless it declared its own. The wrapper is encapsulated: its hook sees only that
 * plugin's routes.
 */
export function declareAccess<O extends FastifyPluginOptions>(
  access: AccessDeclaration['access'],
  plugin: FastifyPluginCallback<O> | FastifyPluginAsync<O>,
  opts: O,
  config: Record<string, unknown> = {},
): FastifyPluginAsync {
  // The plugin's options go to the inner register only: given to the outer one too, a `prefix`
  // would apply twice.
  return async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { access, ...config, ...route.config };
    });
    await scope.register(plugin, opts);
  };
}
