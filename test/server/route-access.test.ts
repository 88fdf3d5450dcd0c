/**
 * Deny by default: every registered route declares who may call it, and a stranger gets 401
 * however the path is spelled (percent-encoded, doubled or trailing slashes, other letter case,
 * HEAD for GET). The list comes from the app itself (an onRoute hook registered before any
 * route), so a route added tomorrow is tried too, and one added without a declaration stops
 * the app from starting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '#shared/clock.ts';
import { buildApp } from '#server/app.ts';
import { testConfig } from '#server/config.ts';
import { openDatabase } from '#server/db/database.ts';
import { Role } from '#shared/schemas/domain.ts';
import { Client, login, ADMIN_PASSWORD, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

/** Public on purpose. Adding a public route means adding it here, in review. */
const PUBLIC = [
  /^\/$/,
  /^\/\*$/,
  /^\/index\.html$/,
  /^\/assets\/[\w.-]+$/,
  /^\/docs(\/.*)?$/,
  /^\/updates\/\*$/,
  /^\/api\/v1\/(health|ready|openapi\.json)$/,
  /^\/api\/v1\/auth\/login$/,
  // The player protocol authenticates each socket itself (hello, pair_request, enrol).
  /^\/ws\/player$/,
];

interface Declared {
  method: string;
  url: string;
  access: string | undefined;
  roles: Role[] | undefined;
}

/** The route's path with each parameter filled in. */
function concrete(url: string): string {
  return url
    .replace(/:sha256/g, 'a'.repeat(64))
    .replace(/:\w+/g, 'x')
    .replace(/\*$/, 'x');
}

/** Every other spelling of the same path a router or a hand-written check might treat differently. */
function spellings(path: string): { name: string; path: string; mustRoute: boolean }[] {
  const segs = path.split('/').slice(1);
  const first = segs[0]!;
  const hex = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');
  const out = [
    { name: 'as registered', path, mustRoute: true },
    { name: 'first letter encoded', path: '/' + hex(first[0]!) + path.slice(2), mustRoute: true },
    {
      name: 'every letter of the last segment encoded',
      path: '/' + [...segs.slice(0, -1), Array.from(segs.at(-1)!, hex).join('')].join('/'),
      mustRoute: true,
    },
    {
      name: 'uppercase percent-encoding',
      path: '/' + hex(first[0]!).toUpperCase() + path.slice(2),
      mustRoute: true,
    },
    { name: '%2F for a slash', path: '/' + first + '%2F' + segs.slice(1).join('/'), mustRoute: false },
    { name: '%2f for a slash', path: '/' + first + '%2f' + segs.slice(1).join('/'), mustRoute: false },
    { name: 'leading double slash', path: '/' + path, mustRoute: false },
    { name: 'inner double slash', path: path.replace(/\/([^/]+)$/, '//$1'), mustRoute: false },
    { name: 'trailing slash', path: path + '/', mustRoute: false },
    { name: 'upper case', path: path.toUpperCase(), mustRoute: false },
    {
      name: 'first segment capitalised',
      path: '/' + first[0]!.toUpperCase() + path.slice(2),
      mustRoute: false,
    },
    { name: 'with a query', path: path + '?x=1', mustRoute: true },
  ];
  return segs.length > 1 ? out : out.filter((v) => !v.name.includes('slash') || v.name === 'trailing slash');
}

async function call(base: string, method: string, path: string, token?: string) {
  const unsafe = !['GET', 'HEAD'].includes(method);
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(unsafe ? { 'content-type': 'application/json' } : {}),
    },
    body: unsafe ? '{}' : null,
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

describe('route access is declared, never inferred from the URL', () => {
  let s: TestServer;
  let routes: Declared[];
  const clients: Partial<Record<Role, Client>> = {};

  beforeAll(async () => {
    s = await startSeededServer();
    clients.campaign_manager = await login(s, 'admin', ADMIN_PASSWORD);
    clients.office_head = await userClient(s, 'head', 'office_head', [
      { kind: 'region', id: 'ha-noi/hai-ba-trung' },
    ]);
    clients.venue_staff = await userClient(s, 'staff', 'venue_staff', [
      { kind: 'site', id: 'mot-cua-phuong-bach-khoa' },
    ]);
    clients.auditor = await userClient(s, 'audit', 'auditor');
    clients.comms_editor = await userClient(s, 'editor', 'comms_editor', [{ kind: 'region', id: 'ha-noi' }]);
    clients.comms_approver = await userClient(s, 'approver', 'comms_approver', [
      { kind: 'region', id: 'ha-noi' },
    ]);
    routes = (s.app as unknown as { routeAccess: Declared[] }).routeAccess;
  });
  afterAll(() => s.close());

  // Each walk makes hundreds of real requests, a few hundred ms apiece on a loaded 2-core CI
  // machine; the limit only guards against a hang.
  const WALK_TIMEOUT_MS = 120_000;

  it('knows every registered route and each has a declaration', () => {
    expect(Array.isArray(routes)).toBe(true);
    // The API, the console, /docs, the player's socket and media, the update feed.
    expect(routes.length).toBeGreaterThan(60);
    const urls = new Set(routes.map((r) => r.url));
    for (const u of [
      '/api/v1/users',
      '/api/v1/audit',
      '/docs',
      '/ws/player',
      '/player/v1/media/:sha256',
      '/*',
    ])
      expect(urls, u).toContain(u);
    for (const r of routes) {
      expect(['public', 'player', 'read', 'write'], `${r.method} ${r.url}`).toContain(r.access);
      if (r.access === 'public')
        expect(
          PUBLIC.some((p) => p.test(r.url)),
          `${r.method} ${r.url} is public`,
        ).toBe(true);
    }
  });

  it('refuses to start when a route has no access declaration', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ihanoi-undeclared-'));
    const clock = new VirtualClock(0, 0);
    const { db } = openDatabase(join(dataDir, 'signage.db'), clock);
    const app = await buildApp({ config: testConfig({ dataDir }), db, clock });
    app.get('/api/v1/forgotten', async () => ({ secret: true }));
    await expect(app.ready()).rejects.toThrow(/forgotten/);
    await app.close().catch(() => undefined);
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'answers a stranger 401 on every protected route, however the path is spelled',
    async () => {
      const failures: string[] = [];
      let tried = 0;
      for (const r of routes) {
        if (r.access === 'public') continue;
        const methods = r.method === 'GET' ? ['GET', 'HEAD'] : [r.method];
        for (const method of methods) {
          await Promise.all(
            spellings(concrete(r.url)).map(async (v) => {
              const res = await call(s.url, method, v.path);
              tried++;
              const ok = res.status === 401 || (!v.mustRoute && res.status === 404);
              // A 404 must be the API's own "no such route", never a page or data.
              const clean = res.status !== 404 || method === 'HEAD' || res.text.includes('"NOT_FOUND"');
              if (!ok || !clean)
                failures.push(
                  `${method} ${v.path} (${v.name}, ${r.url}): ${res.status} ${res.text.slice(0, 80)}`,
                );
            }),
          );
        }
      }
      expect(tried).toBeGreaterThan(500);
      expect(failures).toEqual([]);
    },
    WALK_TIMEOUT_MS,
  );

  it(
    'answers 403 to a role the route does not name, in every spelling that routes',
    async () => {
      const failures: string[] = [];
      let tried = 0;
      for (const r of routes) {
        if (r.access === 'public' || r.access === 'player') continue;
        const wrong = Role.options.filter(
          (role) => (r.roles && !r.roles.includes(role)) || (r.access === 'write' && role === 'auditor'),
        );
        for (const role of wrong) {
          for (const v of spellings(concrete(r.url)).filter((x) => x.mustRoute)) {
            const res = await call(s.url, r.method, v.path, clients[role]!.token);
            tried++;
            if (res.status !== 403)
              failures.push(`${role} ${r.method} ${v.path}: ${res.status} ${res.text.slice(0, 80)}`);
          }
        }
      }
      expect(tried).toBeGreaterThan(50);
      expect(failures).toEqual([]);
    },
    WALK_TIMEOUT_MS,
  );

  it('lets a user session fetch nothing from the player-only routes', async () => {
    const player = routes.filter((r) => r.access === 'player');
    expect(player.length).toBeGreaterThan(0);
    for (const r of player) {
      const res = await call(s.url, r.method, concrete(r.url), clients.campaign_manager!.token);
      expect(res.status, r.url).toBe(401);
    }
  });
});
