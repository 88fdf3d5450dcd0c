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
 * Opens (creating if needed) the SQLite file, sets the pragmas the product relies on, and
 * brings the schema up to date. WAL lets report reads run beside play ingest; foreign keys
 * are off by default in SQLite and must be switched on per connection.
 */
export function openDatabase(file: string, clock: Clock): OpenedDb {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // NORMAL is durable across application crashes in WAL mode; proof-of-play ingest switches to
  // FULL around its own transaction so an acked play survives a power cut too.
  db.pragma('synchronous = NORMAL');
  try {
    const migrations = migrate(db, () => clock.now());
    return { db, migrations };
  } catch (err) {
    db.close();
    throw err;
  }
}
