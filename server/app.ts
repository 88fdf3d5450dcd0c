/**
 * Builds the whole server from its dependencies. main.ts only parses config, listens and shuts
 * down; tests call buildApp with a temp database and a virtual clock and use inject or a real
 * port.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '#shared/clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import contextPlugin from './plugins/context.ts';
import errorsPlugin from './plugins/errors.ts';
import openapiPlugin from './plugins/openapi.ts';
import authPlugin from './plugins/auth.ts';
import securityHeaders from './plugins/security-headers.ts';
import cronPlugin from './cron/jobs.ts';
import healthRoutes from './routes/health.ts';
import playerGateway, { type GatewayOptions } from './ws/gateway.ts';
import pairingRoutes from './routes/pairing.ts';
import playsRoutes from './routes/plays.ts';
import provisioningRoutes from './routes/provisioning.ts';
import auditRoutes from './routes/audit.ts';
import authRoutes from './routes/auth.ts';
import campaignRoutes from './routes/campaigns.ts';
import communicationRoutes from './routes/communications.ts';
import mediaRoutes from './routes/media.ts';
import loopRoutes from './routes/loops.ts';
import scheduleRoutes from './routes/schedule.ts';
import overrideRoutes from './routes/overrides.ts';
import regionRoutes from './routes/regions.ts';
import screenRoutes from './routes/screens.ts';
import screenStatusRoutes from './routes/screen-status.ts';
import notificationRoutes from './routes/notifications.ts';
import siteRoutes from './routes/sites.ts';
import userRoutes from './routes/users.ts';
import warningRoutes from './routes/warnings.ts';
import reportRoutes from './routes/reports.ts';
import consoleRoutes from './routes/console.ts';
import updateRoutes from './routes/updates.ts';

/** Pending connections the listening socket queues (main.ts and the benches listen with it). */
export const LISTEN_BACKLOG = 4096;

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  /**
   * Tests and the simulator only: code that runs inside the server at a chosen point, to put a
   * fault exactly there. main.ts never sets it, and nothing in the config or on the network can.
   */
  hooks?: AppHooks;
}

export interface AppHooks {
  /** After a plays batch is durable, before its ack leaves (server/ws/gateway.ts). */
  beforePlaysAck?: GatewayOptions['beforePlaysAck'];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.config.logLevel === 'silent'
        ? false
        : {
            level: deps.config.logLevel,
            timestamp: () => `,"time":"${new Date(deps.clock.now()).toISOString()}"`,
          },
    bodyLimit: 5 * 1024 * 1024,
    // Ready runs the cron jobs that are due (the first 7-day plans of every screen, a missed
    // rollover) before the server listens; on a slow or busy machine that takes longer than
    // Fastify's default 10 s plugin and onReady limit, and `npm start` would give up.
    pluginTimeout: 120_000,
    trustProxy: deps.config.trustProxy,
    // A stranger that opens connections and stalls (half-sent headers, a body that never ends,
    // an idle keep-alive) holds a file descriptor; these cut it (docs/operations.md).
    connectionTimeout: deps.config.httpIdleTimeoutMs,
    requestTimeout: deps.config.httpRequestTimeoutMs,
    keepAliveTimeout: deps.config.httpKeepAliveTimeoutMs,
  }).withTypeProvider<ZodTypeProvider>();
  app.server.headersTimeout = deps.config.httpHeadersTimeoutMs;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Infrastructure first: every route plugin below may use what these decorate.
  await app.register(contextPlugin, { config: deps.config, db: deps.db, clock: deps.clock });
  await app.register(errorsPlugin);
  // Headers first, so that answers refused by the auth hook carry them too.
  await app.register(securityHeaders);
  // Before any route: it lists every route and refuses to start on one without an access
  // declaration (server/auth/access.ts).
  await app.register(authPlugin);
  await app.register(openapiPlugin);
  await app.register(cronPlugin);

  // One plugin per resource. Keep this list sorted by URL prefix.
  await app.register(healthRoutes);
  await app.register(auditRoutes);
  await app.register(authRoutes);
  await app.register(campaignRoutes);
  await app.register(communicationRoutes);
  await app.register(mediaRoutes);
  await app.register(loopRoutes);
  await app.register(scheduleRoutes);
  await app.register(overrideRoutes);
  await app.register(regionRoutes);
  await app.register(screenRoutes);
  await app.register(screenStatusRoutes);
  await app.register(notificationRoutes);
  await app.register(siteRoutes);
  await app.register(userRoutes);
  await app.register(warningRoutes);
  await app.register(
    playerGateway,
    deps.hooks?.beforePlaysAck ? { beforePlaysAck: deps.hooks.beforePlaysAck } : {},
  );
  await app.register(pairingRoutes);
  await app.register(playsRoutes);
  await app.register(provisioningRoutes);
  await app.register(reportRoutes);
  await app.register(updateRoutes);
  // The console answers every other GET outside /api/ with its index.html, so it stays last.
  await app.register(consoleRoutes);
  // @routes-end (resource plugins register above this line)

  return app;
}
