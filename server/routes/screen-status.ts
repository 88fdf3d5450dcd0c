import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { IdParams, ScreenHealth } from '#shared/schemas/api.ts';
import { AppError, notFound } from '../errors.ts';
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
  /** The latest screenshot of each screen (memory only: a screenshot is for now, not for the record). */
  const shots = new Map<
    string,
    {
      requestId: string;
      takenAt: number;
      receivedAt: number;
      bytes: Buffer;
      width?: number;
      height?: number;
      what?: string;
    }
  >();
  const offs = [
    app.events.on('screenshot-taken', (shot) => {
      const row = app.repos.screens.get(shot.screenId);
      if (!row) return;
      if (shot.bytes)
        shots.set(shot.screenId, {
          requestId: shot.requestId,
          takenAt: shot.takenAt,
          receivedAt: app.clock.now(),
          bytes: shot.bytes,
          ...(shot.width ? { width: shot.width } : {}),
          ...(shot.height ? { height: shot.height } : {}),
          ...(shot.what ? { what: shot.what } : {}),
        });
      const event = {
        screenId: shot.screenId,
        requestId: shot.requestId,
        takenAt: new Date(shot.takenAt).toISOString(),
        ...(shot.what ? { what: shot.what } : {}),
        ...(shot.error ? { error: shot.error } : {}),
      };
      for (const l of listeners) if (l.hasSite(row.site_id)) write(l, 'screenshot', event);
    }),
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
      config: { access: 'read' },
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
      config: { access: 'read' },
      schema: {
        // A stream never ends, which OpenAPI clients (and the route fuzzer) cannot read as one
        // answer; it is described in the README and docs/decisions/014 instead.
        hide: true,
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

  const screenInScope = (id: string, scope: { assertSite(id: string): void }) => {
    const row = app.repos.screens.get(id);
    if (!row) throw notFound('màn hình / screen', id);
    scope.assertSite(row.site_id);
    return row;
  };

  app.post(
    '/api/v1/screens/:id/screenshot',
    {
      config: { access: 'write' },
      schema: {
        tags: TAGS,
        summary:
          'Ask a connected screen for a screenshot of what it shows; it arrives as `event: screenshot` on the status stream',
        params: IdParams,
        response: { 202: z.object({ requestId: z.string() }) },
      },
    },
    async (request, reply) => {
      const row = screenInScope(request.params.id, request.scope);
      if (row.status !== 'online')
        throw new AppError(
          'CONFLICT',
          `Màn hình "${row.name}" đang mất kết nối; không chụp được. / Screen "${row.name}" is offline; it cannot send a screenshot.`,
        );
      const requestId = randomUUID();
      app.events.emit('screenshot-requested', { screenId: row.id, requestId });
      return reply.code(202).send({ requestId });
    },
  );

  app.get(
    '/api/v1/screens/:id/screenshot',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: "The screen's latest screenshot (JPEG); `x-taken-at` says when it was taken",
        params: IdParams,
      },
    },
    async (request, reply) => {
      const row = screenInScope(request.params.id, request.scope);
      const shot = shots.get(row.id);
      if (!shot)
        throw new AppError(
          'NOT_FOUND',
          `Chưa có ảnh chụp của màn hình "${row.name}". / There is no screenshot of screen "${row.name}" yet.`,
        );
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'no-store')
        .header('x-taken-at', new Date(shot.takenAt).toISOString())
        .header('x-request-id', shot.requestId)
        .send(shot.bytes);
    },
  );
};
export default screenStatusRoutes;
