/**
 * All SQL lives in repositories (one per aggregate) and migrations. Each repository prepares
 * its statements once, when the app is built.
 */
import type { Clock } from '#shared/clock.ts';
import type { Db } from '../db/database.ts';
import { auditRepository } from './audit.ts';
import { sessionsRepository } from './sessions.ts';
import { usersRepository } from './users.ts';

export function createRepositories(db: Db, clock: Clock) {
  return {
    audit: auditRepository(db, clock),
    sessions: sessionsRepository(db),
    users: usersRepository(db),
    // @repos-end (add repositories above this line)
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
