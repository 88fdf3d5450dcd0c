import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors.ts';
import { declareAccess } from '../plugins/auth.ts';

export const CONSOLE_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'console', 'dist');

const NOT_BUILT = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>iHanoi</title>
<body style="font-family:sans-serif;padding:2rem"><h1>Bảng điều khiển chưa được build / The console is not built</h1>
<p>Chạy <code>npm run build:web</code> rồi khởi động lại máy chủ. / Run <code>npm run build:web</code>, then restart the server.</p></body></html>`;

/**
 * The web console (Vite build in server/console/dist) at `/`. Files are served as they are;
 * any other GET outside /api/ answers index.html so the console's own routes (/reports, …)
 * survive a reload. Hashed assets are cached for good, index.html never.
 */
const consoleRoutes: FastifyPluginAsync<{ dist?: string }> = async (app, opts) => {
  const dist = opts.dist ?? CONSOLE_DIST;
  const indexFile = join(dist, 'index.html');
  const built = existsSync(indexFile);
  if (built) {
    await app.register(
      declareAccess('public', fastifyStatic, {
        root: dist,
        wildcard: false,
        index: false,
        setHeaders: (res, path) => {
          res.setHeader(
            'cache-control',
            path.includes(join(dist, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      }),
    );
  }
  const page = () => (built ? readFileSync(indexFile, 'utf8') : NOT_BUILT);
  // Judged on the path as a router might read it (decoded, slashes collapsed, lower case), so
  // `/%61pi/…`, `//api/…` or `/API/…` get the API's 404 rather than the console page.
  const isClientRoute = (url: string) => {
    let path: string;
    try {
      path = decodeURIComponent(url);
    } catch {
      return false;
    }
    path = path.replace(/\/{2,}/g, '/').toLowerCase();
    return !(
      path.startsWith('/api/') ||
      path.startsWith('/ws') ||
      path.startsWith('/player/') ||
      path.startsWith('/updates/') ||
      path.startsWith('/media/') ||
      path.startsWith('/docs')
    );
  };
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page()),
  );
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (!isClientRoute(path) || /\.[a-z0-9]+$/i.test(path)) {
      throw new AppError('NOT_FOUND', `Không có đường dẫn GET ${path}. / No route GET ${path}.`);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page());
  });
};
export default consoleRoutes;
