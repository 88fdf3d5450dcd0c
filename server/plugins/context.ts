import fp from 'fastify-plugin';
import type { Clock } from '#shared/clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/index.ts';
import { DomainEventBus } from '../events.ts';
import { createDbHealth, type DbHealth } from '../db/health.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    clock: Clock;
    repos: Repositories;
    events: DomainEventBus;
    dbHealth: DbHealth;
  }
}

/** Decorates the app with its dependencies and the repositories built on them. */
export default fp(
  async (app, deps: { config: Config; db: Db; clock: Clock }) => {
    app.decorate('config', deps.config);
    app.decorate('db', deps.db);
    app.decorate('clock', deps.clock);
    app.decorate('repos', createRepositories(deps.db, deps.clock));
    app.decorate('events', new DomainEventBus());
    app.decorate('dbHealth', createDbHealth(deps.db));
  },
  { name: 'context' },
);
