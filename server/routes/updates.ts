import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The kiosk player's auto-update feed (electron-updater, generic provider). Operators drop the
 * files electron-builder makes (latest.yml, latest-linux.yml, the installers and their
 * .blockmap files) into <data-dir>/updates/; players poll `${server}/updates/`. Range requests
 * are served, which electron-updater uses for differential downloads.
 */
const updateRoutes: FastifyPluginAsync = async (app) => {
  const root = join(app.config.dataDir, 'updates');
  mkdirSync(root, { recursive: true });
  await app.register(fastifyStatic, {
    root,
    prefix: '/updates/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    cacheControl: false,
    setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
  });
};
export default updateRoutes;
