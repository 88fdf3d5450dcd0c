import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { declareAccess } from '../plugins/auth.ts';

/**
 * The kiosk player's auto-update feed (electron-updater, generic provider). Operators drop the
 * files electron-builder makes (latest.yml, latest-linux.yml, the installers and their
 * .blockmap files) into <data-dir>/updates/; players poll `${server}/updates/`. Range requests
 * are served, which electron-updater uses for differential downloads.
 */
const updateRoutes: FastifyPluginAsync = async (app) => {
  const root = join(app.config.dataDir, 'updates');
  mkdirSync(root, { recursive: true });
  // Public: the kiosk updater sends no credential, and installers hold no secret.
  await app.register(
    declareAccess('public', fastifyStatic, {
      root,
      prefix: '/updates/',
      decorateReply: false,
      index: false,
      list: false,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('cache-control', 'no-cache');
      },
    }),
  );
};
export default updateRoutes;
