import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ScreenHealth } from '#shared/schemas/api.ts';
import type { ScreenRow } from '../repositories/screens.ts';
import { newestPlayerVersion, screenHealth, todayRows } from '../status/screen-health.ts';

const TAGS = ['screens'];
/** Changes of one screen within this window go out as one event (a play start brings several). */
const COALESCE_MS = 100;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 20_000;

interface Listener {
  res: ServerResponse;
  hasSite(id: string): boolean;
}

/**
 * Live screen status for the Sites page: the whole list once (GET /screens/status), then each
 * change as a server-sent event (GET /screens/status/stream, `event: screen`), filtered by the
 * reader's scope. EventSource reconnects by itself, and the page reloads the list when it does.
 */
const screenStatusRoutes: FastifyPluginAsyncZod = async (app) => {
  const listeners = new Set<Listener>();
  const pending = new Set<string>();
  let flushTimer: NodeJS.Timeout | null = null;

  const healthOf = (rows: ScreenRow[], siteIds: ReadonlySet<string> | null) => {
    const now = app.clock.now();
    const hc = {
      repos: app.repos,
      now,
      newestVersion: newestPlayerVersion(app.config.dataDir, app.repos.screens.list({})),
      today: todayRows(app.repos, now, siteIds),
    };
    return rows.map((r) => screenHealth(r, hc));
  };

  function write(l: Listener, event: string, data: unknown): void {
    if (!l.res.writableEnded) l.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  function flush(): void {
    flushTimer = null;
    if (!listeners.size) {
      pending.clear();
      return;
    }
    const rows = [...pending].map((id) => app.repos.screens.get(id)).filter((r): r is ScreenRow => !!r);
    pending.clear();
    if (!rows.length) return;
    const items = healthOf(rows, new Set(rows.map((r) => r.site_id)));
    for (const item of items) for (const l of listeners) if (l.hasSite(item.siteId)) write(l, 'screen', item);
  }

  function changed(screenId: string): void {
    pending.add(screenId);
    if (!flushTimer) {
      flushTimer = setTimeout(flush, COALESCE_MS);
      flushTimer.unref();
    }
  }
  const offs = [
    app.events.on('screen-changed', ({ screenId }) => changed(screenId)),
    app.events.on('plays-ingested', ({ screenId }) => changed(screenId)),
    app.events.on('screen-revoked', ({ screenId }) => changed(screenId)),
    app.events.on('pairing-claimed', ({ screenId }) => changed(screenId)),
  ];
  const keepalive = setInterval(() => {
    for (const l of listeners) if (!l.res.writableEnded) l.res.write(': keep-alive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  app.addHook('onClose', async () => {
    for (const off of offs) off();
    clearInterval(keepalive);
    if (flushTimer) clearTimeout(flushTimer);
    for (const l of listeners) l.res.end();
    listeners.clear();
  });

  app.get(
    '/api/v1/screens/status',
    {
      schema: {
        tags: TAGS,
        summary:
          'Live status of the screens in your scope: online/offline since, what plays now, today vs plan, cache, disk, version, warnings',
        response: { 200: z.object({ serverTime: z.string(), items: z.array(ScreenHealth) }) },
      },
    },
    async (request) => {
      const scope = request.scope;
      const rows = app.repos.screens.list({}).filter((r) => scope.hasSite(r.site_id));
      return {
        serverTime: new Date(app.clock.now()).toISOString(),
        items: healthOf(rows, scope.all ? null : scope.siteIds),
      };
    },
  );

  app.get(
    '/api/v1/screens/status/stream',
    {
      schema: {
        tags: TAGS,
        summary:
          'Server-sent events: `event: screen` with a screen status (as in /screens/status) each time one in your scope changes',
      },
    },
    async (request, reply) => {
      const scope = request.scope;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const l: Listener = { res, hasSite: (id) => scope.hasSite(id) };
      listeners.add(l);
      write(l, 'ready', { serverTime: new Date(app.clock.now()).toISOString() });
      request.raw.on('close', () => listeners.delete(l));
    },
  );
};
export default screenStatusRoutes;
