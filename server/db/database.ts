import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '#shared/clock.ts';
import { migrate, type MigrationReport } from './migrate.ts';

export type Db = Database.Database;

export interface OpenedDb {
  db: Db;
  migrations: MigrationReport;
}

/**
 * How long a statement waits for another connection's write lock before it fails with
 * SQLITE_BUSY. better-sqlite3 is synchronous, so this wait blocks the event loop: the server
 * keeps it short and retries off the request path (a REST write answers 503, a status write is
 * retried later, a plays batch is not acked and the player sends it again).
 */
export const SERVER_BUSY_TIMEOUT_MS = 50;
/** Migrations and command-line tools may wait longer: nothing else runs on their loop. */
export const TOOL_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas the product relies on, and
 * brings the schema up to date. WAL lets report reads run beside play ingest; foreign keys
 * are off by default in SQLite and must be switched on per connection.
 */
export function openDatabase(file: string, clock: Clock, opts: { busyTimeoutMs?: number } = {}): OpenedDb {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma(`busy_timeout = ${TOOL_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // NORMAL is durable across application crashes in WAL mode; proof-of-play ingest switches to
  // FULL around its own transaction so an acked play survives a power cut too.
  db.pragma('synchronous = NORMAL');
  try {
    const migrations = migrate(db, () => clock.now());
    db.pragma(`busy_timeout = ${Math.round(opts.busyTimeoutMs ?? SERVER_BUSY_TIMEOUT_MS)}`);
    return { db, migrations };
  } catch (err) {
    db.close();
    throw err;
  }
}
