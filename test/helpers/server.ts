/**
 * A real server on a real SQLite file in a temp directory, listening on 127.0.0.1 with a free
 * port. Each test file gets its own, so test files can run in parallel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '#shared/clock.ts';
import { buildApp } from '#server/app.ts';
import { testConfig, type Config } from '#server/config.ts';
import { openDatabase, type Db } from '#server/db/database.ts';

export interface TestServer {
  app: FastifyInstance;
  db: Db;
  clock: VirtualClock;
  dataDir: string;
  url: string;
  close(): Promise<void>;
}

export const CAMPAIGN_INSTANT = Date.parse('2024-09-05T07:55:00+07:00');

export async function startTestServer(
  opts: {
    clockAt?: number | undefined;
    clockRate?: number | undefined;
    config?: Partial<Config> | undefined;
    listen?: boolean | undefined;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ihanoi-test-'));
  // Rate 0 (default) stands still for unit tests; end-to-end tests run it at real speed (1).
  const clock = new VirtualClock(opts.clockAt ?? CAMPAIGN_INSTANT, opts.clockRate ?? 0);
  const config = testConfig({ dataDir, ...opts.config });
  const { db } = openDatabase(join(dataDir, 'signage.db'), clock);
  const app = await buildApp({ config, db, clock });
  let url = '';
  if (opts.listen !== false) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr && typeof addr === 'object') url = `http://127.0.0.1:${addr.port}`;
  } else {
    await app.ready();
  }
  return {
    app,
    db,
    clock,
    dataDir,
    url,
    async close() {
      // A response that finishes just after close() starts leaves its keep-alive socket open for
      // Fastify's 72 s keepAliveTimeout; the test is over, so cut such sockets after a grace.
      const closing = app.close();
      const force = setTimeout(() => app.server.closeAllConnections(), 500);
      await closing;
      clearTimeout(force);
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
