/**
 * Whether the database takes writes right now. The probe takes the write lock and tries a write
 * that changes nothing, then rolls back: another process holding the lock gives SQLITE_BUSY
 * (after the short busy_timeout, never seconds), a read-only file or file system gives
 * SQLITE_READONLY. /api/v1/health reports the answer as `degraded` with the reason.
 */
import type { Db } from './database.ts';
import { environmentReason, isEnvironmentError } from './errors.ts';

export interface DbHealthState {
  status: 'ok' | 'degraded';
  reason?: string;
}

export interface DbHealth {
  probe(): DbHealthState;
  /** Records a failure seen elsewhere (a request, an ingest), for the log and the next probe. */
  failed(err: unknown): void;
  /** The last failure seen since the last good probe, if any. */
  lastFailure(): string | null;
}

export function createDbHealth(db: Db): DbHealth {
  let last: string | null = null;
  const noopWrite = db.prepare('UPDATE schema_migrations SET version = version WHERE 0');
  return {
    probe() {
      try {
        db.exec('BEGIN IMMEDIATE');
        try {
          noopWrite.run();
        } finally {
          db.exec('ROLLBACK');
        }
        last = null;
        return { status: 'ok' };
      } catch (err) {
        if (!isEnvironmentError(err)) throw err;
        last = environmentReason(err);
        return { status: 'degraded', reason: last };
      }
    },
    failed(err) {
      last = environmentReason(err);
    },
    lastFailure: () => last,
  };
}
